import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TableClient } from '@azure/data-tables';
import { HttpRequest, InvocationContext, type HttpRequestInit } from '@azure/functions';
import { DEFAULT_SHARDS, ManualClock, queryAll, seriesKeys, shardOf, silentLogger, sliceOf } from '@vigil/core';
import {
  createAzureRuntime,
  createHandlers,
  QueueEventBus,
  readSettings,
  runQueueTriggerOnce,
  StorageQueue,
  StorageQueueConsumer,
  TableStateStore,
  type AzureRuntime,
} from '@vigil/adapter-azure';
import { startAzurite, type RunningAzurite } from '../helpers/emulators/azure';
import { stateStoreConformance } from './state-store.suite';
import { queueConformance } from './queue.suite';

/**
 * The shared StateStore and Queue suites against azurite (Table and Queue Storage), then what
 * the Queue port cannot express: redelivery after a crashed invocation, the poison queue, and
 * handlers turning a duplicate delivery into one effect.
 */
const START = Date.UTC(2026, 0, 1);
let azurite: RunningAzurite;
let table: TableClient;

beforeAll(async () => {
  azurite = await startAzurite();
  table = TableClient.fromConnectionString(azurite.connectionString, `vigil${randomUUID().replace(/-/g, '').slice(0, 12)}`, { allowInsecureConnection: true });
  await table.createTable();
}, 90_000);

afterAll(async () => {
  await azurite?.stop();
});

stateStoreConformance('Azure Table Storage (azurite)', async () => {
  const clock = new ManualClock(START);
  return { store: new TableStateStore(table, clock), clock, cleanup: async () => {} };
});

let queueRun = 0;
queueConformance('Azure Queue Storage (azurite)', async () => {
  // Fresh storage queues per test: a prefix no other test uses.
  const queue = StorageQueue.fromConnectionString(azurite.connectionString, { prefix: `t${++queueRun}${randomUUID().slice(0, 6)}-` });
  const maxReceives = 3;
  const consumer = new StorageQueueConsumer(queue, { maxDequeueCount: maxReceives });
  return {
    queue,
    receive: (name, max, vt) => consumer.receive(name, max, vt),
    ack: (name, id) => consumer.ack(name, id),
    nack: (name, id, delayMs, error) => consumer.nack(name, id, delayMs, error),
    deadLetters: (name) => consumer.deadLetters(name),
    // Azurite runs on real time, with visibility in whole seconds: wait it out with a margin.
    advance: (ms) => new Promise((r) => setTimeout(r, ms + 250)),
    maxReceives,
    // Queue Storage has no deduplication, so the dedup case does not apply; handlers are
    // idempotent instead (tested below with duplicate deliveries).
    supportsDedup: false,
    cleanup: async () => {},
  };
});

describe('Azure Queue Storage beyond the port (azurite)', () => {
  const NOW = START + 1000;
  const ADMIN_KEY = 'conformance-admin-key';
  const auth = { authorization: `Bearer ${ADMIN_KEY}` };
  const ingestEntry = (JSON.parse(readFileSync(join(__dirname, '..', '..', 'events', 'azure', 'queue-ingest.json'), 'utf8')) as { entry: unknown }).entry;

  async function fresh(maxDequeueCount = 3) {
    const id = randomUUID().replace(/-/g, '').slice(0, 10);
    const runtime = await createAzureRuntime({
      settings: readSettings({ VIGIL_AZURE_STORAGE: azurite.connectionString, VIGIL_AZURE_TABLE: `c${id}`, VIGIL_AZURE_QUEUE_PREFIX: `c${id}-`, VIGIL_API_KEY: ADMIN_KEY }),
      clock: new ManualClock(NOW),
      logger: silentLogger,
    });
    return { runtime, handlers: createHandlers(async () => runtime), consumer: new StorageQueueConsumer(runtime.queue, { maxDequeueCount }) };
  }

  async function http(handlers: ReturnType<typeof createHandlers>, init: HttpRequestInit) {
    const res = await handlers.http(new HttpRequest(init), new InvocationContext({ logHandler: () => {} }));
    const text = Buffer.from(res.body as Uint8Array).toString('utf8');
    return { status: res.status, text, json: res.headers && text.startsWith('{') ? (JSON.parse(text) as any) : undefined };
  }

  /** Head segments holding queue_depth: one per ingest request, rewritten in place by a redelivery. */
  async function segmentItems(runtime: AzureRuntime) {
    if ((await runtime.ctx.services.series.series('default', [{ name: '__name__', type: '=', value: 'queue_depth' }] as never)).length === 0) throw new Error('no series stored');
    return queryAll(runtime.store, seriesKeys.head('default', shardOf('default', 'queue_depth', DEFAULT_SHARDS), sliceOf(START)));
  }

  it('redelivers a message whose invocation crashed once its lease ran out; with a duplicate send, the effect lands once', async () => {
    const { runtime, handlers, consumer } = await fresh();
    await runtime.queue.send('ingest', { body: ingestEntry });
    // A consumer leases the message and dies before settling it.
    const [leased] = await consumer.receive('ingest', 1, 1000);
    expect(leased?.attempt).toBe(1);
    expect(await runQueueTriggerOnce(consumer, 'ingest', handlers.ingest)).toEqual({ handled: 0, retried: 0, poisoned: 0 });
    await new Promise((r) => setTimeout(r, 1300));
    // At-least-once: a producer retry sends the same message again too.
    await runtime.queue.send('ingest', { body: ingestEntry });
    const attempts: number[] = [];
    const result = await runQueueTriggerOnce(consumer, 'ingest', async (entry, ctx) => {
      attempts.push(Number(ctx.triggerMetadata?.dequeueCount));
      return handlers.ingest(entry, ctx);
    });
    expect(result).toEqual({ handled: 2, retried: 0, poisoned: 0 });
    expect(attempts.sort()).toEqual([1, 2]);
    expect(await segmentItems(runtime)).toHaveLength(1);
    expect(await runQueueTriggerOnce(consumer, 'ingest', handlers.ingest)).toEqual({ handled: 0, retried: 0, poisoned: 0 });
  });

  it('moves a message to <queue>-poison after maxDequeueCount failed invocations and keeps handling the rest', async () => {
    const { runtime, handlers, consumer } = await fresh(3);
    await runtime.queue.send('evaluate', { body: { kind: 'no-such-kind', tenant: 'default' } });
    await runtime.queue.send('evaluate', { body: { kind: 'sweep', tenant: 'default', at: NOW } });
    const totals = { handled: 0, retried: 0, poisoned: 0 };
    for (let round = 0; round < 3; round++) {
      const r = await runQueueTriggerOnce(consumer, 'evaluate', handlers.evaluate);
      totals.handled += r.handled;
      totals.retried += r.retried;
      totals.poisoned += r.poisoned;
    }
    expect(totals).toEqual({ handled: 1, retried: 2, poisoned: 1 });
    expect((await consumer.deadLetters('evaluate')).map((d) => d.body)).toEqual([{ kind: 'no-such-kind', tenant: 'default' }]);
    expect(await consumer.receive('evaluate', 10, 1000)).toEqual([]);
    expect(runtime.queue.queueName('evaluate-poison')).toBe(`${runtime.queue.prefix}evaluate-poison`);
  });

  it('turns the same evaluate message delivered twice into one transition, one notification message and one event', async () => {
    const { runtime, handlers, consumer } = await fresh();
    const rule = 'name: node\nrules:\n  - alert: HighCPU\n    expr: cpu_usage > 90\n';
    expect((await http(handlers, { method: 'POST', url: 'https://vigil.example/prometheus/config/v1/rules/infra', headers: { ...auth, 'content-type': 'application/yaml' }, body: { string: rule } })).status).toBe(202);
    const push = JSON.stringify({ samples: [{ metric: 'cpu_usage', labels: { host: 'a' }, value: 95, timestamp: START }] });
    expect((await http(handlers, { method: 'POST', url: 'https://vigil.example/v1/metrics', headers: { ...auth, 'content-type': 'application/json' }, body: { string: push } })).status).toBe(200);
    // The `touched` message ingest queued, delivered twice (a redelivery after a lost ack).
    const [touched] = await consumer.receive('evaluate', 10, 60_000);
    expect(touched?.body).toMatchObject({ kind: 'touched', metrics: ['cpu_usage'] });
    await runtime.queue.send('evaluate', { body: touched?.body });
    await consumer.ack('evaluate', touched?.id ?? '');
    await runtime.queue.send('evaluate', { body: touched?.body });
    expect(await runQueueTriggerOnce(consumer, 'evaluate', handlers.evaluate)).toEqual({ handled: 2, retried: 0, poisoned: 0 });

    const alerts = await http(handlers, { method: 'GET', url: 'https://vigil.example/prometheus/api/v1/alerts', headers: auth });
    expect(alerts.json.data.alerts).toEqual([expect.objectContaining({ state: 'firing', labels: { alertname: 'HighCPU', host: 'a' } })]);
    const notify = await consumer.receive('notify', 10, 60_000);
    expect(notify).toHaveLength(1);
    expect(notify[0]?.body).toMatchObject({ kind: 'alerts', tenant: 'default', alerts: [expect.objectContaining({ labels: expect.objectContaining({ alertname: 'HighCPU' }) })] });
    const events = await consumer.receive('events', 10, 60_000);
    expect(events.map((e) => (e.body as { type: string }).type)).toEqual(['AlertFired']);
  });

  it('publishes domain events as messages on the events queue, in their own JSON shape', async () => {
    const queue = StorageQueue.fromConnectionString(azurite.connectionString, { prefix: `e${randomUUID().slice(0, 6)}-` });
    const bus = new QueueEventBus(queue);
    const events = [
      { type: 'AlertFired' as const, tenant: 'a', time: NOW, detail: { alertname: 'X', labels: { host: 'ü' } } },
      { type: 'AlertResolved' as const, tenant: 'b', time: NOW + 1, detail: {} },
    ];
    await bus.publish(events);
    const got = await new StorageQueueConsumer(queue).receive('events', 10, 30_000);
    expect(got.map((m) => m.body).sort((x, y) => JSON.stringify(x).localeCompare(JSON.stringify(y)))).toEqual(events);
  });
});
