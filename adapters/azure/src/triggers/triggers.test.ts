import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HttpRequest, InvocationContext, type HttpRequestInit, type InvocationContextInit, type Timer } from '@azure/functions';
import { DEFAULT_SHARDS, ManualClock, queryAll, seriesKeys, shardOf, silentLogger, sliceOf, ValidationError } from '@vigil/core';
import { startAzurite, type RunningAzurite } from '../../../../test/helpers/emulators/azure';
import { createAzureRuntime, readSettings, runtimeFromEnv, type AzureRuntime } from '../runtime';
import { StorageQueueConsumer } from '../queue';
import { createHandlers, DRIFT_SCHEDULE, EVALUATE_SCHEDULE, PREDICT_SCHEDULE, registerFunctions, type FunctionsTarget } from '.';

const EVENTS = join(__dirname, '..', '..', '..', '..', 'events', 'azure');
const fixture = <T>(name: string): T => JSON.parse(readFileSync(join(EVENTS, name), 'utf8')) as T;
const ADMIN_KEY = 'test-admin-key';
/** The fixtures' sample time (2026-01-01T00:00:00Z) plus a second. */
const NOW = Date.UTC(2026, 0, 1) + 1000;

interface HttpFixture {
  request: HttpRequestInit;
  context: InvocationContextInit;
}
interface QueueFixture {
  entry: unknown;
  context: InvocationContextInit;
}
interface TimerFixture {
  timer: Timer;
  context: InvocationContextInit;
}

let azurite: RunningAzurite;
beforeAll(async () => {
  azurite = await startAzurite();
}, 90_000);
afterAll(async () => {
  await azurite?.stop();
});

/** A runtime on its own table and queue prefix, so tests never see each other's data. */
async function fresh(maxDequeueCount = 3) {
  const id = randomUUID().replace(/-/g, '').slice(0, 10);
  const clock = new ManualClock(NOW);
  const runtime = await createAzureRuntime({
    settings: readSettings({
      VIGIL_AZURE_STORAGE: azurite.connectionString,
      VIGIL_AZURE_TABLE: `t${id}`,
      VIGIL_AZURE_QUEUE_PREFIX: `q${id}-`,
      VIGIL_API_KEY: ADMIN_KEY,
    }),
    clock,
    logger: silentLogger,
  });
  const handlers = createHandlers(async () => runtime);
  const consumer = new StorageQueueConsumer(runtime.queue, { maxDequeueCount });
  return { runtime, handlers, consumer, clock };
}

const quiet = (init: InvocationContextInit = {}) => new InvocationContext({ ...init, logHandler: () => {} });

async function http(handlers: ReturnType<typeof createHandlers>, init: HttpRequestInit) {
  const res = await handlers.http(new HttpRequest(init), quiet());
  const text = Buffer.from(res.body as Uint8Array).toString('utf8');
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers as Record<string, string>, text, json };
}

const auth = { authorization: `Bearer ${ADMIN_KEY}` };

/** Head segments of the metric's shard and slice: one per ingest request, rewritten in place by a redelivery. */
async function segmentItems(runtime: AzureRuntime, metric: string, sampleTime: number) {
  if ((await runtime.ctx.services.series.series('default', [{ name: '__name__', type: '=', value: metric }] as never)).length === 0) throw new Error(`no series of ${metric}`);
  return queryAll(runtime.store, seriesKeys.head('default', shardOf('default', metric, DEFAULT_SHARDS), sliceOf(sampleTime)));
}

describe('function registrations', () => {
  function record(env: Record<string, string> = {}) {
    const calls: { kind: string; name: string; options: Record<string, unknown> }[] = [];
    const target: FunctionsTarget = {
      http: (name, options) => void calls.push({ kind: 'http', name, options: options as never }),
      storageQueue: (name, options) => void calls.push({ kind: 'storageQueue', name, options: options as never }),
      timer: (name, options) => void calls.push({ kind: 'timer', name, options: options as never }),
    };
    registerFunctions(target, () => Promise.reject(new Error('not built in this test')), env);
    return calls;
  }

  it('registers the catch-all HTTP API, one trigger per queue with the prefix, and the timers', () => {
    const calls = record({ VIGIL_AZURE_QUEUE_PREFIX: 'prod-' });
    expect(calls.map((c) => `${c.kind}:${c.name}`)).toEqual([
      'http:api',
      'storageQueue:ingest',
      'storageQueue:evaluate',
      'storageQueue:notify',
      'storageQueue:heal',
      'timer:evaluate-schedule',
      'timer:store-sweep',
      'timer:predict',
      'timer:drift-detect',
    ]);
    expect(calls[0]?.options).toMatchObject({ route: '{*path}', authLevel: 'anonymous' });
    expect(calls[0]?.options.methods).toEqual(expect.arrayContaining(['GET', 'POST', 'DELETE', 'PUT']));
    for (const c of calls.filter((c) => c.kind === 'storageQueue')) {
      expect(c.options).toMatchObject({ queueName: `prod-${c.name}`, connection: 'AzureWebJobsStorage' });
      expect(typeof c.options.handler).toBe('function');
    }
    expect(calls[5]?.options.schedule).toBe(EVALUATE_SCHEDULE);
    expect(calls[7]?.options.schedule).toBe(PREDICT_SCHEDULE);
    expect(calls[8]?.options.schedule).toBe(DRIFT_SCHEDULE);
  });

  it('binds the queue triggers to VIGIL_AZURE_STORAGE when it is set, and defaults the prefix', () => {
    const queues = record({ VIGIL_AZURE_STORAGE: 'set' }).filter((c) => c.kind === 'storageQueue');
    expect(queues.map((c) => c.options)).toEqual(
      ['ingest', 'evaluate', 'notify', 'heal'].map((n) => expect.objectContaining({ queueName: `vigil-${n}`, connection: 'VIGIL_AZURE_STORAGE' })),
    );
  });

  it('loads the entry point without a Functions host: every registration is attempted, skipped in test mode, nothing is built', async () => {
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      await expect(import('../main')).resolves.toBeDefined();
      const skipped = warn.mock.calls.map((c) => String(c[0])).filter((m) => m.includes('Skipping call to register function'));
      expect(skipped.map((m) => /function "([^"]+)"/.exec(m)?.[1])).toEqual(['api', 'ingest', 'evaluate', 'notify', 'heal', 'evaluate-schedule', 'store-sweep', 'predict', 'drift-detect']);
    } finally {
      warn.mockRestore();
    }
  });

  it('builds the runtime from the environment once per instance, and retries after a failed build', async () => {
    const saved = { ...process.env };
    const id = randomUUID().replace(/-/g, '').slice(0, 10);
    try {
      delete process.env.AzureWebJobsStorage;
      delete process.env.VIGIL_AZURE_STORAGE;
      await expect(runtimeFromEnv()).rejects.toBeInstanceOf(ValidationError);
      Object.assign(process.env, { AzureWebJobsStorage: azurite.connectionString, VIGIL_AZURE_TABLE: `env${id}`, VIGIL_AZURE_QUEUE_PREFIX: `env${id}-`, VIGIL_LOG_LEVEL: 'error' });
      const first = await runtimeFromEnv();
      expect(await runtimeFromEnv()).toBe(first);
      expect(first.store.tableName).toBe(`env${id}`);
      expect(first.queue.prefix).toBe(`env${id}-`);
    } finally {
      process.env = saved;
    }
  });

  it('refuses settings without a storage connection, naming the variable', () => {
    expect(() => readSettings({})).toThrow(ValidationError);
    expect(() => readSettings({})).toThrow(/env\.AzureWebJobsStorage: set AzureWebJobsStorage or VIGIL_AZURE_STORAGE/);
    expect(() => readSettings({ AzureWebJobsStorage: 'x', VIGIL_AZURE_TABLE: 'no-dashes' })).toThrow(/env\.VIGIL_AZURE_TABLE/);
  });
});

describe('HTTP trigger (recorded requests, azurite)', () => {
  it('stores a pushed JSON batch and queues an evaluation of the touched metric', async () => {
    const { runtime, handlers, consumer } = await fresh();
    const { request, context } = fixture<HttpFixture>('http-post-metrics.json');
    const res = await handlers.http(new HttpRequest(request), quiet(context));
    expect(res.status).toBe(200);
    expect(JSON.parse(Buffer.from(res.body as Uint8Array).toString('utf8'))).toMatchObject({ status: 'success' });
    const series = await runtime.ctx.services.series.series('default', [{ name: '__name__', type: '=', value: 'cpu_usage' }] as never);
    expect(series.map((s) => s.labels.host).sort()).toEqual(['a', 'b']);
    const [evaluate, ...more] = await consumer.receive('evaluate', 10, 30_000);
    expect(more).toEqual([]);
    expect(evaluate?.body).toEqual({ kind: 'touched', tenant: 'default', metrics: ['cpu_usage'], at: NOW });
  });

  it('answers a GET with its query string and passes headers and status through', async () => {
    const { handlers } = await fresh();
    const { request } = fixture<HttpFixture>('http-get-alerts.json');
    const res = await http(handlers, request);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/application\/json/);
    expect(res.json).toEqual({ status: 'success', data: { alerts: [] } });
  });

  it('turns bad input into a 4xx with the field path, and stores nothing', async () => {
    const { runtime, handlers } = await fresh();
    const body = JSON.stringify({ samples: [{ metric: 'ok_metric', labels: {}, value: 1, timestamp: NOW }, { metric: 'cpu', labels: {}, value: 'hot', timestamp: NOW }] });
    const res = await http(handlers, { method: 'POST', url: 'https://vigil.example/v1/metrics', headers: { ...auth, 'content-type': 'application/json' }, body: { string: body } });
    expect(res.status).toBe(400);
    expect(res.json.issues).toEqual([expect.objectContaining({ path: 'samples[1].value' })]);
    expect(await runtime.ctx.services.series.metricNames('default')).toEqual([]);
  });

  it('refuses a request without a key and serves /healthz without one', async () => {
    const { handlers } = await fresh();
    expect((await http(handlers, { method: 'GET', url: 'https://vigil.example/prometheus/api/v1/rules' })).status).toBe(401);
    const health = await http(handlers, { method: 'GET', url: 'https://vigil.example/healthz' });
    expect(health).toMatchObject({ status: 200, text: 'ok' });
  });

  it('carries a YAML body through to the ruler API and back', async () => {
    const { handlers } = await fresh();
    const yaml = 'name: node\ninterval: 15s\nrules:\n  - alert: HighCPU\n    expr: cpu_usage > 90\n';
    const posted = await http(handlers, { method: 'POST', url: 'https://vigil.example/prometheus/config/v1/rules/infra', headers: { ...auth, 'content-type': 'application/yaml' }, body: { string: yaml } });
    expect(posted.status).toBe(202);
    const read = await http(handlers, { method: 'GET', url: 'https://vigil.example/prometheus/config/v1/rules/infra/node', headers: auth });
    expect(read.status).toBe(200);
    expect(read.text).toContain('alert: HighCPU');
  });
});

describe('queue triggers (recorded messages, azurite)', () => {
  it('ingests a recorded message; the same message twice stores one segment', async () => {
    const { runtime, handlers } = await fresh();
    const { entry, context } = fixture<QueueFixture>('queue-ingest.json');
    await handlers.ingest(entry, quiet(context));
    await handlers.ingest(entry, quiet(context));
    expect(await segmentItems(runtime, 'queue_depth', Date.UTC(2026, 0, 1))).toHaveLength(1);
    const [series] = await runtime.ctx.services.series.series('default', [{ name: '__name__', type: '=', value: 'queue_depth' }] as never);
    const samples = await runtime.ctx.services.series.samples('default', series?.id ?? '', Date.UTC(2026, 0, 1), Date.UTC(2026, 0, 1) + 60_000);
    expect(samples.map((s) => s.v)).toEqual([41, 57]);
  });

  it('accepts the message as JSON text too (a host without JSON conversion)', async () => {
    const { runtime, handlers } = await fresh();
    const { entry, context } = fixture<QueueFixture>('queue-ingest.json');
    await handlers.ingest(JSON.stringify(entry), quiet(context));
    expect(await segmentItems(runtime, 'queue_depth', Date.UTC(2026, 0, 1))).toHaveLength(1);
  });

  it('handles a redelivered evaluate message (dequeueCount 3)', async () => {
    const { handlers } = await fresh();
    const { entry, context } = fixture<QueueFixture>('queue-evaluate-retry.json');
    await expect(handlers.evaluate(entry, quiet(context))).resolves.toBeUndefined();
  });

  it('rejects a malformed message with the field path, so the host retries and poisons it', async () => {
    const { handlers } = await fresh();
    const { context } = fixture<QueueFixture>('queue-evaluate-retry.json');
    const err = await handlers.evaluate({ kind: 'touched', tenant: 'default', metrics: [] }, quiet(context)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).issues[0]?.path).toBe('message.metrics');
    await expect(handlers.notify('not json at all', quiet(context))).rejects.toBeInstanceOf(ValidationError);
  });

  it('skips the recorded check of an unknown heal execution, and rejects a heal message without its execution', async () => {
    const { handlers } = await fresh();
    const { entry, context } = fixture<QueueFixture>('queue-heal.json');
    await expect(handlers.heal(entry, quiet(context))).resolves.toBeUndefined();
    const err = await handlers.heal({ kind: 'approve', tenant: 'default' }, quiet(context)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).issues[0]?.path).toBe('message.executionId');
  });
});

describe('timer triggers (recorded timer, azurite)', () => {
  it('queues one sweep per tenant at the tick time', async () => {
    const { handlers, consumer } = await fresh();
    const yaml = 'name: node\nrules:\n  - alert: HighCPU\n    expr: cpu_usage > 90\n';
    for (const tenant of ['default', 'team-b']) {
      const res = await http(handlers, { method: 'POST', url: 'https://vigil.example/prometheus/config/v1/rules/infra', headers: { ...auth, 'x-scope-orgid': tenant, 'content-type': 'application/yaml' }, body: { string: yaml } });
      expect(res.status).toBe(202);
    }
    const { timer, context } = fixture<TimerFixture>('timer-evaluate.json');
    expect(await handlers.evaluateTimer(timer, quiet(context))).toBe(2);
    const got = await consumer.receive('evaluate', 10, 30_000);
    expect(got.map((m) => m.body).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)))).toEqual([
      { kind: 'sweep', tenant: 'default', at: NOW },
      { kind: 'sweep', tenant: 'team-b', at: NOW },
    ]);
  });

  it('deletes expired entities on the store-sweep tick and keeps live ones', async () => {
    const { runtime, handlers, clock } = await fresh();
    await runtime.store.put('sweep-test', 'old', 1, { expiresAt: NOW + 10 });
    await runtime.store.put('sweep-test', 'live', 2);
    clock.advance(10);
    const { timer, context } = fixture<TimerFixture>('timer-evaluate.json');
    // The admin key and the sweep-test items: only the expired one goes.
    expect(await handlers.storeSweepTimer(timer, quiet(context))).toBe(1);
    clock.set(NOW);
    expect(await runtime.store.get('sweep-test', 'old')).toBeUndefined();
    expect((await runtime.store.get('sweep-test', 'live'))?.value).toBe(2);
  });

  it('ticks predict and drift-detect for every tenant with rules at the tick time', async () => {
    const { handlers } = await fresh();
    const yaml = 'name: node\nrules:\n  - alert: HighCPU\n    expr: cpu_usage > 90\n';
    const res = await http(handlers, { method: 'POST', url: 'https://vigil.example/prometheus/config/v1/rules/infra', headers: { ...auth, 'content-type': 'application/yaml' }, body: { string: yaml } });
    expect(res.status).toBe(202);
    const { timer, context } = fixture<TimerFixture>('timer-predict.json');
    // A threshold rule asks for no forecast or score: nothing to run through the models.
    expect(await handlers.predictTimer(timer, quiet(context))).toEqual({ tenants: 1, targets: 0, series: 0, samples: 0, skipped: 0, failed: 0 });
    expect(await handlers.driftTimer(timer, quiet(context))).toMatchObject({ tenants: 1, targets: 0 });
  });
});
