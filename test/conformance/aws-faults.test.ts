import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, ScheduledEvent } from 'aws-lambda';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { DEFAULT_SHARDS, ManualClock, queryAll, seriesKeys, shardOf, silentLogger, sliceOf, fingerprint, type Queue, type QueueName, type OutgoingMessage } from '@vigil/core';
import {
  DynamoStateStore,
  EventBridgeBus,
  IdempotencyGuard,
  SqsQueue,
  apiHandler,
  createAwsRuntime,
  createTable,
  dynamoClient,
  eventBridgeClient,
  scheduleHandler,
  sqsClient,
  sqsHandler,
  type AwsRuntime,
} from '@vigil/adapter-aws';
import { evaluateMessageSchema, ingestMessageSchema, notifyMessageSchema } from '@vigil/events';
import * as ingest from '@vigil/fn-ingest';
import * as evaluate from '@vigil/fn-evaluate';
import * as notify from '@vigil/fn-notify';
import {
  EMULATOR_CREDENTIALS,
  EMULATOR_REGION,
  FaultProxy,
  createTestQueues,
  deliverAll,
  deliverOnce,
  lambdaContext,
  startMoto,
  type RunningEmulator,
  type TestQueues,
} from '../helpers/emulators/aws';
import { WebhookReceiver } from '../helpers/webhook-receiver';
import postRules from '../../events/aws/apigw-v2-post-rules.json';
import scheduled from '../../events/aws/eventbridge-scheduled.json';

/**
 * The "must hold" of the AWS adapter: with throttling, timeouts, lost responses and crashes
 * between two writes injected, no sample or alert transition is lost and none is applied twice.
 * Faults come from a loopback proxy in front of moto_server, so the real SDK sees real error
 * responses, hung requests and cut connections.
 */
const START = Date.UTC(2026, 0, 1);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Client settings for faults: a short per-attempt timeout so a hung request costs little. */
const FAULT_CLIENT = { credentials: EMULATOR_CREDENTIALS, requestTimeoutMs: 800, maxAttempts: 6 };

let moto: RunningEmulator;
let proxy: FaultProxy;
let table: string;

beforeAll(async () => {
  moto = await startMoto();
  proxy = await new FaultProxy(moto.endpoint).start();
  table = `vigil-faults-${randomUUID().slice(0, 8)}`;
  const ddb = dynamoClient({ region: EMULATOR_REGION, endpoint: moto.endpoint, credentials: EMULATOR_CREDENTIALS });
  await createTable(ddb, table);
  ddb.destroy();
}, 90_000);

afterAll(async () => {
  await proxy?.stop();
  await moto?.stop();
});

afterEach(() => proxy.clear());

describe('DynamoStateStore under injected faults', () => {
  let client: ReturnType<typeof dynamoClient>;
  let store: DynamoStateStore;
  const clock = new ManualClock(START);
  beforeAll(() => {
    client = dynamoClient({ region: EMULATOR_REGION, endpoint: proxy.url, ...FAULT_CLIENT });
    store = new DynamoStateStore({ client, tableName: table, clock, backoff: { baseMs: 10, capMs: 100 } });
  });
  afterAll(() => client.destroy());

  it('retries throttling, 500s and timeouts: every write lands exactly once', async () => {
    const injectedBefore = proxy.injectedTotal;
    const pk = `faults-${randomUUID()}`;
    proxy
      .inject({ operation: 'PutItem', fault: 'throttle', times: 3 })
      .inject({ operation: 'GetItem', fault: 'server-error', times: 2 })
      .inject({ operation: 'UpdateItem', fault: 'timeout', times: 1 })
      .inject({ operation: 'BatchWriteItem', fault: 'throttle', times: 3 })
      .inject({ operation: 'BatchGetItem', fault: 'timeout', times: 1 })
      .inject({ operation: 'TransactWriteItems', fault: 'throttle', times: 2 })
      .inject({ operation: 'Query', fault: 'timeout', times: 1 });

    // A compare-and-swap counter: a retried write applied twice would skip or repeat a number.
    await store.put(pk, 'counter', 0, { ifVersion: 0 });
    for (let i = 0; i < 10; i++) {
      const current = (await store.get<number>(pk, 'counter'))!;
      await store.put(pk, 'counter', current.value + 1, { ifVersion: current.version });
    }
    await store.put(pk, 'plain', 'x');
    await store.batchWrite(Array.from({ length: 60 }, (_, i) => ({ type: 'put' as const, pk, sk: `b${String(i).padStart(3, '0')}`, value: i })));
    await store.transact(Array.from({ length: 5 }, (_, i) => ({ type: 'put' as const, pk, sk: `t${i}`, value: i, ifVersion: 0 })));

    expect(await store.get(pk, 'counter')).toMatchObject({ value: 10, version: 11 });
    expect(await store.get(pk, 'plain')).toMatchObject({ value: 'x', version: 1 });
    const all = await queryAll(store, pk);
    expect(all.filter((i) => i.sk.startsWith('b')).map((i) => [i.value, i.version])).toEqual(Array.from({ length: 60 }, (_, i) => [i, 1]));
    expect(all.filter((i) => i.sk.startsWith('t'))).toHaveLength(5);
    expect(proxy.injectedTotal - injectedBefore).toBe(13);
  });

  it('a write whose response was lost is neither reported as a conflict nor applied twice', async () => {
    const pk = `lost-${randomUUID()}`;
    proxy.inject({ operation: 'PutItem', fault: 'lost-response', times: 2 });
    // Without the write token, the retry of each landed create/update would fail its condition.
    expect((await store.put(pk, 'a', 'one', { ifVersion: 0 })).version).toBe(1);
    expect((await store.put(pk, 'a', 'two', { ifVersion: 1 })).version).toBe(2);
    proxy.inject({ operation: 'UpdateItem', fault: 'lost-response', times: 1 });
    expect((await store.put(pk, 'a', 'three')).version).toBe(3);
    proxy.inject({ operation: 'TransactWriteItems', fault: 'lost-response', times: 1 });
    await store.transact([
      { type: 'put', pk, sk: 'a', value: 'four', ifVersion: 3 },
      { type: 'put', pk, sk: 'b', value: 'new', ifVersion: 0 },
    ]);
    proxy.inject({ operation: 'BatchWriteItem', fault: 'lost-response', times: 1 });
    await store.batchWrite(Array.from({ length: 30 }, (_, i) => ({ type: 'put' as const, pk, sk: `c${String(i).padStart(2, '0')}`, value: i })));

    expect(await store.get(pk, 'a')).toMatchObject({ value: 'four', version: 4 });
    expect(await store.get(pk, 'b')).toMatchObject({ value: 'new', version: 1 });
    expect((await queryAll(store, pk, { skPrefix: 'c' })).map((i) => i.version)).toEqual(Array.from({ length: 30 }, () => 1));
    // A real conflict is still one.
    await expect(store.put(pk, 'a', 'stale', { ifVersion: 3 })).rejects.toMatchObject({ name: 'ConditionFailedError' });
    expect(proxy.injected.get('PutItem:lost-response')).toBe(2);
    expect(proxy.injected.get('TransactWriteItems:lost-response')).toBe(1);
  });
});

describe('SqsQueue and EventBridgeBus under injected faults', () => {
  let sqs: SQSClient;
  let direct: SQSClient;
  let queues: TestQueues;
  beforeAll(async () => {
    sqs = sqsClient({ region: EMULATOR_REGION, endpoint: proxy.url, ...FAULT_CLIENT });
    direct = sqsClient({ region: EMULATOR_REGION, endpoint: moto.endpoint, credentials: EMULATOR_CREDENTIALS });
    queues = await createTestQueues(direct, ['evaluate'], { maxReceives: 5 });
  });
  afterAll(async () => {
    await queues.remove();
    sqs.destroy();
    direct.destroy();
  });

  it('delivers every message of a batch despite throttled, failed and hung sends', async () => {
    const injectedBefore = proxy.injectedTotal;
    proxy
      .inject({ operation: 'SendMessageBatch', fault: 'throttle', times: 2 })
      .inject({ operation: 'SendMessageBatch', fault: 'timeout', times: 1 })
      .inject({ operation: 'SendMessage', fault: 'server-error', times: 2 });
    const queue = new SqsQueue({ client: sqs, urls: queues.urls, backoff: { baseMs: 10, capMs: 100 } });
    await queue.sendBatch('evaluate', Array.from({ length: 25 }, (_, i) => ({ body: { i } })));
    await queue.send('evaluate', { body: { i: 25 } });
    const got: number[] = [];
    for (let empty = 0; empty < 3; ) {
      const batch = await queues.receive('evaluate', 10, 30_000);
      if (batch.length === 0) empty++;
      for (const m of batch) {
        got.push((m.body as { i: number }).i);
        await queues.ack('evaluate', m.id);
      }
    }
    expect(got.sort((a, b) => a - b)).toEqual(Array.from({ length: 26 }, (_, i) => i));
    expect(proxy.injectedTotal - injectedBefore).toBe(5);
  });

  it('a send whose response was lost arrives twice; the idempotency guard gives one effect', async () => {
    proxy.inject({ operation: 'SendMessage', fault: 'lost-response', times: 1 });
    const queue = new SqsQueue({ client: sqs, urls: queues.urls });
    await queue.send('evaluate', { body: { job: 1 }, dedupKey: 'job-1' });
    const received = [];
    for (let empty = 0; empty < 3; ) {
      const batch = await queues.receive('evaluate', 10, 30_000);
      if (batch.length === 0) empty++;
      received.push(...batch);
    }
    expect(received).toHaveLength(2);
    const dynamo = dynamoClient({ region: EMULATOR_REGION, endpoint: moto.endpoint, credentials: EMULATOR_CREDENTIALS });
    const store = new DynamoStateStore({ client: dynamo, tableName: table, clock: new ManualClock(START) });
    const guard = new IdempotencyGuard(store, new ManualClock(START), silentLogger);
    let effects = 0;
    for (const m of received) {
      const key = m.raw.MessageAttributes?.['vigil-dedup-key']?.StringValue ?? m.id;
      await guard.run('evaluate', key, 60_000, async () => {
        effects++;
      });
    }
    expect(effects).toBe(1);
    dynamo.destroy();
  });

  it('retries throttled PutEvents until every event is accepted', async () => {
    proxy.inject({ operation: 'PutEvents', fault: 'throttle', times: 2 }).inject({ operation: 'PutEvents', fault: 'timeout', times: 1 });
    const seenBefore = proxy.seen.get('PutEvents') ?? 0;
    const client = eventBridgeClient({ region: EMULATOR_REGION, endpoint: proxy.url, ...FAULT_CLIENT });
    const bus = new EventBridgeBus({ client });
    await bus.publish(Array.from({ length: 12 }, (_, i) => ({ type: 'AlertFired' as const, tenant: 't', time: START, detail: { i } })));
    // Two chunks (10 + 2 entries), the first tried three extra times.
    expect((proxy.seen.get('PutEvents') ?? 0) - seenBefore).toBe(2 + 3);
    client.destroy();
  });
});

/** A queue that throws on the first send to one queue: the process dying between two writes. */
class CrashOnce implements Queue {
  crashes = 0;
  constructor(
    private readonly inner: Queue,
    readonly armed: Set<QueueName>,
  ) {}
  private check(queue: QueueName): void {
    if (this.armed.delete(queue)) {
      this.crashes++;
      throw new Error(`injected crash before sending to ${queue}`);
    }
  }
  async send(queue: QueueName, message: OutgoingMessage): Promise<void> {
    this.check(queue);
    await this.inner.send(queue, message);
  }
  async sendBatch(queue: QueueName, messages: OutgoingMessage[]): Promise<void> {
    this.check(queue);
    await this.inner.sendBatch(queue, messages);
  }
}

describe('ingest → evaluate → notify on AWS ports with crashes between writes and injected faults', () => {
  const T0 = 1_763_800_000_000;
  const clock = new ManualClock(T0);
  const hook = new WebhookReceiver();
  let direct: SQSClient;
  let queues: TestQueues;
  let runtime: AwsRuntime;
  let crash: CrashOnce;
  const handlers = {
    ingest: sqsHandler('ingest', ingestMessageSchema, ingest.handle, { runtime: async () => runtime }),
    evaluate: sqsHandler('evaluate', evaluateMessageSchema, evaluate.handle, { runtime: async () => runtime }),
    notify: sqsHandler('notify', notifyMessageSchema, notify.handle, { runtime: async () => runtime }),
  };
  const api = apiHandler(async () => runtime);
  const schedule = scheduleHandler(async () => runtime);
  const callApi = async (path: string, body: string) =>
    (await api(
      { ...postRules, rawPath: path, body: Buffer.from(body).toString('base64'), headers: { ...postRules.headers, authorization: 'Bearer fault-admin' }, requestContext: { ...postRules.requestContext, http: { ...postRules.requestContext.http, path } } } as unknown as APIGatewayProxyEventV2,
      lambdaContext('api'),
    )) as APIGatewayProxyStructuredResultV2;
  /** Delivers a queue until it is empty, waiting out the 1 s lease of failed records. */
  const drain = async (queue: QueueName) => {
    for (let round = 0; round < 20; round++) {
      const { received, failed } = await deliverOnce(queues, queue, handlers[queue as 'ingest'], { visibilityTimeoutMs: 1000 });
      if (received.length === 0) return;
      if (failed.length > 0) await sleep(1100);
    }
    throw new Error(`${queue} did not drain`);
  };
  const pushSamples = (value: number, times: number[]) =>
    runtime.ctx.queue.send('ingest', { body: { kind: 'samples', tenant: 'default', samples: times.map((t) => ({ metric: 'cpu_usage', labels: { host: 'a' }, value, timestamp: t })) } });

  beforeAll(async () => {
    await hook.start();
    direct = sqsClient({ region: EMULATOR_REGION, endpoint: moto.endpoint, credentials: EMULATOR_CREDENTIALS });
    queues = await createTestQueues(direct, ['ingest', 'evaluate', 'notify'], { maxReceives: 5 });
    runtime = await createAwsRuntime(
      {
        VIGIL_TABLE: table,
        AWS_REGION: EMULATOR_REGION,
        VIGIL_AWS_ENDPOINT: proxy.url,
        VIGIL_QUEUE_URL_INGEST: queues.urls.ingest,
        VIGIL_QUEUE_URL_EVALUATE: queues.urls.evaluate,
        VIGIL_QUEUE_URL_NOTIFY: queues.urls.notify,
        VIGIL_OUTBOUND_ALLOW: '127.0.0.1/32',
        VIGIL_API_KEY: 'fault-admin',
      },
      {
        clock,
        logger: silentLogger,
        client: FAULT_CLIENT,
        wrapPorts: (ports) => {
          crash = new CrashOnce(ports.queue, new Set());
          return { ...ports, queue: crash };
        },
      },
    );
    expect((await callApi('/prometheus/config/v1/rules/infra', 'name: node\ninterval: 10s\nrules:\n  - alert: HighCPU\n    expr: cpu_usage > 90\n')).statusCode).toBe(202);
    const am = `alertmanager_config: |\n  route:\n    receiver: ops\n    group_by: [alertname]\n    group_wait: 0s\n    group_interval: 1s\n    repeat_interval: 4h\n  receivers:\n    - name: ops\n      webhook_configs:\n        - url: ${hook.url}/hook\n          send_resolved: true\n`;
    expect((await callApi('/api/v1/alerts', am)).statusCode).toBe(201);
  }, 90_000);

  afterAll(async () => {
    runtime?.destroy();
    await queues?.remove();
    direct?.destroy();
    await hook.stop();
  });

  it('fires once and notifies once although ingest and evaluate crash between their writes', async () => {
    const injectedBefore = proxy.injectedTotal;
    // DynamoDB and SQS faults on the paths the handlers take.
    proxy
      .inject({ operation: 'BatchWriteItem', fault: 'throttle', times: 2 })
      .inject({ operation: 'TransactWriteItems', fault: 'lost-response', times: 1 })
      .inject({ operation: 'Query', fault: 'throttle', times: 3 })
      .inject({ operation: 'SendMessage', fault: 'lost-response', times: 1 });
    await pushSamples(95, [T0 - 5000, T0]);

    // Ingest stores the segment, then dies before telling evaluate; the redelivery rewrites the same segment and tells it.
    crash.armed.add('evaluate');
    await drain('ingest');
    // Evaluate commits the transition, then dies before telling notify; its redelivery finds nothing new.
    crash.armed.add('notify');
    await drain('evaluate');
    expect(crash.crashes).toBe(2);
    await drain('notify');
    expect(hook.requests).toHaveLength(0);

    // The next scheduled sweep re-sends what is firing: the lost notification is repaired.
    clock.advance(10_000);
    await schedule(scheduled as unknown as ScheduledEvent, lambdaContext('schedule'));
    await drain('notify');
    expect(hook.requests.map((r) => r.json.status)).toEqual(['firing']);

    // More sweeps and a redelivered evaluate message do not notify again.
    clock.advance(10_000);
    await schedule(scheduled as unknown as ScheduledEvent, lambdaContext('schedule'));
    await drain('evaluate');
    await drain('notify');
    expect(hook.requests).toHaveLength(1);
    expect(proxy.injectedTotal - injectedBefore).toBe(7);
  });

  it('resolves once, and every sample is stored exactly once', async () => {
    proxy.inject({ operation: 'BatchWriteItem', fault: 'lost-response', times: 1 }).inject({ operation: 'PutItem', fault: 'throttle', times: 2 });
    clock.advance(5000);
    await pushSamples(40, [clock.now()]);
    crash.armed.add('notify');
    await drain('ingest');
    await drain('evaluate');
    await drain('notify');
    // The resolve was lost with the crash; the sweep sends it, and the 1 s group_interval flush delivers it.
    clock.advance(10_000);
    await schedule(scheduled as unknown as ScheduledEvent, lambdaContext('schedule'));
    for (let i = 0; i < 5 && hook.requests.length < 2; i++) {
      await drain('notify');
      clock.advance(1000);
      await sleep(1100);
    }
    expect(hook.requests.map((r) => r.json.status)).toEqual(['firing', 'resolved']);

    // The alert item went through exactly two writes: firing, then resolved.
    const group = evaluate.groupId('infra', 'node');
    const alerts = await runtime.ctx.services.alertStates.load('default', group);
    expect(alerts.map((a) => [a.record.state, a.version])).toEqual([['inactive', 2]]);
    // Both crashes came after a commit and before its events went out: the outbox kept them, and a
    // scheduled evaluation a minute later publishes them and empties it.
    expect((await runtime.ctx.services.alertStates.pendingEvents('default', group)).map((e) => e.event.type)).toEqual(['AlertFired', 'AlertResolved']);
    clock.advance(61_000);
    await schedule(scheduled as unknown as ScheduledEvent, lambdaContext('schedule'));
    await drain('evaluate');
    expect(await runtime.ctx.services.alertStates.pendingEvents('default', group)).toEqual([]);

    // Samples: each timestamp once, each ingest batch one head segment (the redelivered batch rewrote its own).
    const id = fingerprint({ __name__: 'cpu_usage', host: 'a' });
    expect(await runtime.ctx.services.series.samples('default', id, T0 - 60_000, clock.now())).toEqual([
      { t: T0 - 5000, v: 95 },
      { t: T0, v: 95 },
      { t: T0 + 25_000, v: 40 },
    ]);
    const segments = await queryAll(runtime.ctx.store, seriesKeys.head('default', shardOf('default', 'cpu_usage', DEFAULT_SHARDS), sliceOf(T0)));
    expect(segments).toHaveLength(2);
  });
});
