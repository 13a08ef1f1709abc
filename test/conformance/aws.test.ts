import { randomUUID } from 'node:crypto';
import { ManualClock } from '@vigil/core';
import * as z from 'zod';
import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { DescribeTimeToLiveCommand, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { CreateEventBusCommand, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { createContext, noopEventBus, silentLogger } from '@vigil/core';
import {
  DynamoStateStore,
  EVENT_SOURCE,
  EventBridgeBus,
  IdempotencyGuard,
  MAX_ITEM_BYTES,
  SqsQueue,
  createTable,
  dynamoClient,
  eventBridgeClient,
  sqsClient,
  sqsHandler,
  type AwsRuntime,
} from '@vigil/adapter-aws';
import {
  EMULATOR_CREDENTIALS,
  EMULATOR_REGION,
  createTestQueues,
  deliverAll,
  deliverOnce,
  lambdaContext,
  sqsEvent,
  startFauxqs,
  startMoto,
  type RunningEmulator,
  type TestQueues,
} from '../helpers/emulators/aws';
import { stateStoreConformance } from './state-store.suite';
import { queueConformance } from './queue.suite';

const START = Date.UTC(2026, 0, 1);

let moto: RunningEmulator;
const table = `vigil-conf-${randomUUID().slice(0, 8)}`;
let client: ReturnType<typeof dynamoClient>;

beforeAll(async () => {
  moto = await startMoto();
  // A loaded machine makes moto slow (a 25-item transaction takes seconds): a generous per-attempt
  // timeout keeps these tests about behaviour; timeouts are exercised in aws-faults.test.ts.
  client = dynamoClient({ region: EMULATOR_REGION, endpoint: moto.endpoint, credentials: EMULATOR_CREDENTIALS, requestTimeoutMs: 20_000 });
  await createTable(client, table);
}, 90_000);

afterAll(async () => {
  client?.destroy();
  await moto?.stop();
});

stateStoreConformance('DynamoDB (moto_server)', async () => {
  const clock = new ManualClock(START);
  return { store: new DynamoStateStore({ client, tableName: table, clock }), clock, cleanup: async () => {} };
});

function sqsConformance(name: string, endpoint: () => string): void {
  let sqs: SQSClient;
  beforeAll(() => {
    sqs = sqsClient({ region: EMULATOR_REGION, endpoint: endpoint(), credentials: EMULATOR_CREDENTIALS, requestTimeoutMs: 20_000 });
  });
  afterAll(() => sqs?.destroy());

  queueConformance(name, async () => {
    const maxReceives = 3;
    const queues = await createTestQueues(sqs, ['evaluate', 'notify'], { maxReceives });
    return {
      queue: new SqsQueue({ client: sqs, urls: queues.urls }),
      receive: queues.receive,
      ack: queues.ack,
      nack: (queue, id, delayMs) => queues.nack(queue, id, delayMs),
      deadLetters: queues.deadLetters,
      // Emulators run on real time: visibility timeouts and delays pass by waiting.
      advance: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      maxReceives,
      // Standard queues have no dedup; FIFO dedup is tested on its own below.
      supportsDedup: false,
      cleanup: () => queues.remove(),
    };
  });
}

sqsConformance('SQS standard queue (moto_server)', () => moto.endpoint);

describe('on fauxqs', () => {
  let fauxqs: RunningEmulator;
  beforeAll(async () => {
    fauxqs = await startFauxqs();
  }, 60_000);
  afterAll(async () => {
    await fauxqs?.stop();
  });
  sqsConformance('SQS standard queue (fauxqs)', () => fauxqs.endpoint);
});

describe('AWS specifics (moto_server)', () => {
  let sqs: SQSClient;
  beforeAll(() => {
    sqs = sqsClient({ region: EMULATOR_REGION, endpoint: moto.endpoint, credentials: EMULATOR_CREDENTIALS, requestTimeoutMs: 20_000 });
  });
  afterAll(() => sqs?.destroy());

  it('routes an AlertFired event through an EventBridge rule to its SQS target, and nothing else', async () => {
    const events = eventBridgeClient({ region: EMULATOR_REGION, endpoint: moto.endpoint, credentials: EMULATOR_CREDENTIALS });
    const bus = `vigil-bus-${randomUUID().slice(0, 8)}`;
    await events.send(new CreateEventBusCommand({ Name: bus }));
    const queues = await createTestQueues(sqs, ['notify'], { maxReceives: 3 });
    const arn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queues.urls.notify, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
    await events.send(
      new PutRuleCommand({ Name: 'fired-to-sqs', EventBusName: bus, EventPattern: JSON.stringify({ source: [EVENT_SOURCE], 'detail-type': ['AlertFired'] }) }),
    );
    await events.send(new PutTargetsCommand({ Rule: 'fired-to-sqs', EventBusName: bus, Targets: [{ Id: 'q', Arn: arn }] }));

    const publisher = new EventBridgeBus({ client: events, busName: bus });
    await publisher.publish([
      { type: 'AlertFired', tenant: 'acme', time: START, detail: { alertname: 'HighCPU', fingerprint: 'abc', labels: { host: 'a' } } },
      { type: 'AlertResolved', tenant: 'acme', time: START, detail: { alertname: 'Other', fingerprint: 'def', labels: {} } },
    ]);
    const got = await queues.receive('notify', 10, 30_000);
    const again = await queues.receive('notify', 10, 30_000);
    expect([...got, ...again]).toHaveLength(1);
    expect(got[0]?.body).toMatchObject({
      source: 'vigil',
      'detail-type': 'AlertFired',
      detail: { tenant: 'acme', alertname: 'HighCPU', fingerprint: 'abc', labels: { host: 'a' } },
    });
    await queues.remove();
    events.destroy();
  });

  it('FIFO queues drop a repeated dedup key and refuse per-message delays', async () => {
    const queues = await createTestQueues(sqs, ['evaluate'], { maxReceives: 3, fifo: true });
    const queue = new SqsQueue({ client: sqs, urls: queues.urls });
    await queue.send('evaluate', { body: { tenant: 't', n: 1 }, dedupKey: 'same' });
    await queue.send('evaluate', { body: { tenant: 't', n: 2 }, dedupKey: 'same' });
    await queue.sendBatch('evaluate', [
      { body: { tenant: 't', n: 3 }, dedupKey: 'same' },
      { body: { tenant: 't', n: 4 }, dedupKey: 'other' },
      { body: { tenant: 't', n: 5 } },
    ]);
    await expect(queue.send('evaluate', { body: { n: 6 }, delaySeconds: 5 })).rejects.toThrow(/FIFO/);
    const got: unknown[] = [];
    for (let empty = 0; empty < 3; ) {
      const batch = await queues.receive('evaluate', 10, 30_000);
      if (batch.length === 0) empty++;
      for (const m of batch) {
        got.push(m.body);
        await queues.ack('evaluate', m.id);
      }
    }
    expect(got).toEqual([{ tenant: 't', n: 1 }, { tenant: 't', n: 4 }, { tenant: 't', n: 5 }]);
    await queues.remove();
  });

  it('refuses a message SQS would refuse, before sending anything', async () => {
    const queue = new SqsQueue({ client: sqs, urls: { evaluate: 'http://127.0.0.1:1/000000000000/never' } });
    await expect(queue.send('evaluate', { body: 'x'.repeat(300_000) })).rejects.toThrow(/262144/);
    await expect(queue.send('evaluate', { body: 1, delaySeconds: 901 })).rejects.toThrow(/delaySeconds/);
    await expect(queue.send('heal', { body: 1 })).rejects.toThrow(/VIGIL_QUEUE_URL_HEAL/);
  });

  describe('through the SQS trigger wrapper', () => {
    let queues: TestQueues;
    let store: DynamoStateStore;
    const clock = new ManualClock(START);
    let effects: unknown[];
    let crashes: number;
    const runtime = async (): Promise<AwsRuntime> =>
      ({ ctx: { ...createContext({ store, queue: new SqsQueue({ client: sqs, urls: queues.urls }), events: noopEventBus, clock, logger: silentLogger, http: undefined as never }) }, guard: new IdempotencyGuard(store, clock, silentLogger), env: {} as never, destroy: () => undefined });
    const schema = z.object({ job: z.string(), crashFirst: z.boolean().optional(), poison: z.boolean().optional() });
    const handler = sqsHandler(
      'evaluate',
      schema,
      async (input) => {
        if (input.poison) throw new Error('poison');
        if (input.crashFirst && crashes++ === 0) throw new Error('crash before the effect was recorded');
        effects.push(input.job);
      },
      { runtime },
    );

    beforeEach(async () => {
      store = new DynamoStateStore({ client, tableName: table, clock });
      queues = await createTestQueues(sqs, ['evaluate'], { maxReceives: 3 });
      effects = [];
      crashes = 0;
    });
    afterEach(() => queues.remove());

    it('moves a message that keeps failing to the DLQ after maxReceiveCount receives, and only that one', async () => {
      const queue = new SqsQueue({ client: sqs, urls: queues.urls });
      await queue.sendBatch('evaluate', [{ body: { job: 'bad', poison: true } }, { body: { job: 'good' } }, { body: 'not even json-shaped' }]);
      const attempts: number[] = [];
      for (let round = 0; round < 8; round++) {
        const { received, failed } = await deliverOnce(queues, 'evaluate', handler, { visibilityTimeoutMs: 1000 });
        attempts.push(...received.filter((m) => (m.body as { job?: string }).job === 'bad').map((m) => m.attempt));
        if (received.length === 0 && round > 3) break;
        if (failed.length > 0 || received.length === 0) await new Promise((r) => setTimeout(r, 1100));
      }
      expect(effects).toEqual(['good']);
      expect(attempts).toEqual([1, 2, 3]);
      const dead = await queues.deadLetters('evaluate');
      expect(dead.map((d) => d.body).sort()).toEqual([{ job: 'bad', poison: true }, 'not even json-shaped'].sort());
    });

    it('redelivers a message whose handler crashed, and applies it once', async () => {
      const queue = new SqsQueue({ client: sqs, urls: queues.urls });
      await queue.send('evaluate', { body: { job: 'j1', crashFirst: true } });
      const first = await deliverOnce(queues, 'evaluate', handler, { visibilityTimeoutMs: 1000 });
      expect(first.failed).toHaveLength(1);
      expect(effects).toEqual([]);
      await new Promise((r) => setTimeout(r, 1100));
      const second = await deliverOnce(queues, 'evaluate', handler, { visibilityTimeoutMs: 1000 });
      expect(second.received.map((m) => m.attempt)).toEqual([2]);
      expect(second.failed).toEqual([]);
      expect(effects).toEqual(['j1']);
      expect(await queues.receive('evaluate', 10, 1000)).toEqual([]);
    });

    it('gives one effect for the same SQS message delivered twice, and for two sends under one dedup key', async () => {
      const queue = new SqsQueue({ client: sqs, urls: queues.urls });
      await queue.send('evaluate', { body: { job: 'once' } });
      const [m] = await queues.receive('evaluate', 1, 30_000);
      // Standard queues may hand one message to two invocations: same MessageId both times.
      const event = sqsEvent([m!]);
      expect(await handler(event, lambdaContext())).toEqual({ batchItemFailures: [] });
      expect(await handler(event, lambdaContext())).toEqual({ batchItemFailures: [] });
      // A producer retry sends a new message with the same dedup key.
      await queue.sendBatch('evaluate', [{ body: { job: 'keyed' }, dedupKey: 'k1' }, { body: { job: 'keyed' }, dedupKey: 'k1' }]);
      await deliverAll(queues, 'evaluate', handler);
      expect(effects).toEqual(['once', 'keyed']);
    });

    it('lets exactly one of two concurrent invocations of one message run it', async () => {
      const queue = new SqsQueue({ client: sqs, urls: queues.urls });
      await queue.send('evaluate', { body: { job: 'race' } });
      const [m] = await queues.receive('evaluate', 1, 30_000);
      const event = sqsEvent([m!]);
      const results = await Promise.all([handler(event, lambdaContext()), handler(event, lambdaContext())]);
      expect(effects).toEqual(['race']);
      // The loser either saw the finished record or failed and will be redelivered to find it.
      expect(results.filter((r) => r && r.batchItemFailures.length === 0).length).toBeGreaterThanOrEqual(1);
    });
  });

  describe('DynamoDB item layout', () => {
    const clock = new ManualClock(START);
    let store: DynamoStateStore;
    beforeAll(() => {
      store = new DynamoStateStore({ client, tableName: table, clock });
    });

    it('writes the TTL attribute in epoch seconds (rounded up) and the exact expiry in ms', async () => {
      const pk = `layout-${randomUUID()}`;
      await store.put(pk, 'k', { a: [1, 'two'] }, { expiresAt: START + 1500 });
      const raw = (await client.send(new GetItemCommand({ TableName: table, Key: { pk: { S: pk }, sk: { S: 'k' } } }))).Item!;
      expect(raw.expiresAt).toEqual({ N: String(Math.ceil((START + 1500) / 1000)) });
      expect(raw.expiresAtMs).toEqual({ N: String(START + 1500) });
      expect(raw.value).toEqual({ S: '{"a":[1,"two"]}' });
      expect(raw.version).toEqual({ N: '1' });
      const ttl = await client.send(new DescribeTimeToLiveCommand({ TableName: table }));
      expect(ttl.TimeToLiveDescription).toMatchObject({ AttributeName: 'expiresAt', TimeToLiveStatus: 'ENABLED' });
    });

    it('hides an expired item that DynamoDB has not reaped yet (moto never reaps)', async () => {
      const pk = `layout-${randomUUID()}`;
      await store.put(pk, 'k', 'v', { expiresAt: clock.now() + 10 });
      clock.advance(10);
      expect(await store.get(pk, 'k')).toBeUndefined();
      const raw = await client.send(new GetItemCommand({ TableName: table, Key: { pk: { S: pk }, sk: { S: 'k' } } }));
      expect(raw.Item).toBeDefined();
    });

    it('refuses what DynamoDB would refuse, with the reason, before writing anything', async () => {
      const pk = `layout-${randomUUID()}`;
      await expect(store.put(pk, 'big', 'x'.repeat(MAX_ITEM_BYTES))).rejects.toThrow(/400|409600/);
      await expect(store.transact(Array.from({ length: 101 }, (_, i) => ({ type: 'put' as const, pk, sk: `k${i}`, value: i })))).rejects.toThrow(/at most 100/);
      await expect(store.transact([{ type: 'put', pk, sk: 'a', value: 1 }, { type: 'delete', pk, sk: 'a' }])).rejects.toThrow(/more than one operation/);
      await expect(store.batchWrite([{ type: 'put', pk, sk: 'a', value: 1, ifVersion: 0 }])).rejects.toThrow(/unconditional/);
      await expect(store.put(pk, '', 1)).rejects.toThrow(/sk/);
      await expect(store.query(pk, { cursor: 'garbage' })).rejects.toThrow(/cursor/);
      expect((await store.query(pk)).items).toEqual([]);
    });
  });
});
