import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import * as functionsFramework from '@google-cloud/functions-framework';
import { getFunction, getTestServer } from '@google-cloud/functions-framework/testing';
import { Firestore } from '@google-cloud/firestore';
import { PubSub } from '@google-cloud/pubsub';
import { ManualClock, silentLogger, type Queue, type QueueName } from '@vigil/core';
import * as gcp from '@vigil/adapter-gcp';
import {
  ATTR,
  ITEMS_COLLECTION,
  PubSubNames,
  PubSubPullConsumer,
  createFunctions,
  createGcpRuntime,
  provisionPubSub,
  setRuntime,
  type GcpRuntime,
} from '@vigil/adapter-gcp';
import { EMULATOR_PROJECT, startFirestoreEmulator, startPubSubEmulator, useGcpEmulators, type RunningGcpEmulator } from '../helpers/emulators/gcp';
import { waitFor } from '../helpers/tools';

/**
 * The Cloud Functions entry points, driven through the Functions Framework's own HTTP
 * handling (binary-mode CloudEvents, Express bodies) on loopback, against the Firestore and
 * Pub/Sub emulators, with the recorded trigger requests in events/gcp.
 */
jest.setTimeout(120_000);

const EVENTS = join(__dirname, '..', '..', 'events', 'gcp');
interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: any;
}
const recorded = (name: string): RecordedRequest => JSON.parse(readFileSync(join(EVENTS, name), 'utf8')) as RecordedRequest;
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value), 'utf8').toString('base64');

const API_KEY = 'gcp-functions-test-admin-key';
const NOW = Date.UTC(2026, 0, 1, 0, 0, 5);

let firestore: RunningGcpEmulator | undefined;
let pubsubEmulator: RunningGcpEmulator | undefined;
let runtime: GcpRuntime;
let clock: ManualClock;
let names: PubSubNames;
let pubsub: PubSub;
let db: Firestore;
let consumer: PubSubPullConsumer;
const servers = new Map<string, { server: Server; url: string }>();

async function serve(name: string): Promise<string> {
  const server = getTestServer(name);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  servers.set(name, { server, url });
  return url;
}

async function call(name: string, req: RecordedRequest): Promise<{ status: number; text: string }> {
  const url = servers.get(name)?.url ?? (await serve(name));
  const body = typeof req.body === 'string' ? req.body : JSON.stringify(req.body);
  const res = await fetch(url + req.path, { method: req.method, headers: req.headers, body: req.method === 'GET' ? undefined : body });
  return { status: res.status, text: await res.text() };
}

/** The recorded push of `file` carrying another message. */
function push(file: string, message: { id: string; body: unknown; attributes?: Record<string, string> }): RecordedRequest {
  const req = recorded(file);
  req.headers['ce-id'] = message.id;
  req.body.message = { ...req.body.message, data: b64(message.body), messageId: message.id, message_id: message.id, attributes: message.attributes ?? {} };
  return req;
}

async function api(method: string, path: string, body?: string, contentType = 'application/json', key: string | null = API_KEY) {
  return call('api', {
    method,
    path,
    headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...(body !== undefined ? { 'content-type': contentType } : {}) },
    body: body ?? '',
  });
}

/** Everything waiting on a queue's subscription, acknowledged. */
async function drain(queue: QueueName): Promise<unknown[]> {
  const out: unknown[] = [];
  for (;;) {
    const got = await consumer.receive(queue, 10, 30_000);
    if (got.length === 0) return out;
    for (const m of got) {
      out.push(m.body);
      await consumer.ack(queue, m.id);
    }
  }
}

/** Sample items: head segments (`hs#`), one per ingest request, rewritten in place by a redelivery. */
async function chunkCount(): Promise<number> {
  const snap = await db.collectionGroup(ITEMS_COLLECTION).where('pk', '>=', 'hs#').where('pk', '<', 'hs$').count().get();
  return snap.data().count;
}

beforeAll(async () => {
  [firestore, pubsubEmulator] = await Promise.all([startFirestoreEmulator(), startPubSubEmulator()]);
  useGcpEmulators({ firestore: firestore.host, pubsub: pubsubEmulator.host });
  clock = new ManualClock(NOW);
  const env = { ...process.env, VIGIL_PUBSUB_PREFIX: 'fn-', VIGIL_API_KEY: API_KEY, VIGIL_FIRESTORE_COLLECTION: 'vigil-fn' };
  runtime = createGcpRuntime(env, { clock, logger: silentLogger });
  await setRuntime(runtime);
  names = runtime.names;
  pubsub = new PubSub({ projectId: EMULATOR_PROJECT });
  db = new Firestore({ projectId: EMULATOR_PROJECT });
  await provisionPubSub(pubsub, names, { maxDeliveryAttempts: 5, retryBackoffSeconds: null });
  consumer = new PubSubPullConsumer({ projectId: EMULATOR_PROJECT, pubsub, names, store: runtime.ctx.store, clock, waitMs: 300 });
}, 120_000);

afterAll(async () => {
  for (const { server } of servers.values()) await new Promise<void>((resolve) => server.close(() => resolve()));
  await consumer?.close();
  await setRuntime();
  await pubsub?.close();
  await db?.terminate();
  await Promise.all([firestore?.stop(), pubsubEmulator?.stop()]);
});

describe('entry points', () => {
  it('registers every function with the Functions Framework and exports it by name', () => {
    for (const name of ['api', 'ingest', 'evaluate', 'notify', 'schedule', 'predict', 'heal'] as const) {
      expect(getFunction(name)).toBe(gcp[name]);
      expect(typeof gcp[name]).toBe('function');
    }
    expect(getFunction('drift-detect')).toBe(gcp.driftDetect);
  });

  it('refuses a bad environment with the variable and the reason', () => {
    expect(() => createGcpRuntime({ VIGIL_PUBSUB_PREFIX: '1bad' })).toThrow(/not a valid Pub\/Sub resource name/);
    expect(() => createGcpRuntime({ VIGIL_LOG_LEVEL: 'loud' })).toThrow(/VIGIL_LOG_LEVEL/);
    expect(() => createGcpRuntime({ VIGIL_FIRESTORE_COLLECTION: 'a/b' })).toThrow(/VIGIL_FIRESTORE_COLLECTION/);
  });
});

describe('api (HTTP function)', () => {
  it('serves the HTTP API: health, auth, validation with field paths, ingest and query', async () => {
    expect(await api('GET', '/healthz', undefined, undefined, null)).toEqual({ status: 200, text: 'ok' });
    expect((await api('GET', '/prometheus/api/v1/rules', undefined, undefined, null)).status).toBe(401);

    const bad = await api('POST', '/v1/metrics', JSON.stringify({ samples: [{ metric: 'cpu', labels: {}, value: 'hot', timestamp: NOW }] }));
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.text)).toMatchObject({ status: 'error', errorType: 'bad_data', issues: [{ path: 'samples[0].value' }] });

    const ok = await api('POST', '/v1/metrics', JSON.stringify({ samples: [{ metric: 'api_metric', labels: { host: 'x' }, value: 42, timestamp: NOW - 1000 }] }));
    expect(ok.status).toBe(200);
    const query = await api('GET', `/prometheus/api/v1/query?query=api_metric&time=${NOW / 1000}`);
    expect(query.status).toBe(200);
    expect(JSON.parse(query.text).data.result).toEqual([{ metric: { __name__: 'api_metric', host: 'x' }, value: [NOW / 1000, '42'] }]);
    // Ingest told evaluate which metrics it touched, through the real topic.
    expect(await drain('evaluate')).toEqual([expect.objectContaining({ kind: 'touched', tenant: 'default', metrics: ['api_metric'] })]);
  });

  it('passes a YAML body through byte for byte (rule upload) and reads it back', async () => {
    const yaml = 'name: cpu\nrules:\n  - alert: CpuHigh\n    expr: cpu_usage > 90\n';
    expect((await api('POST', '/prometheus/config/v1/rules/gcp', yaml, 'application/yaml')).status).toBe(202);
    const back = await api('GET', '/prometheus/config/v1/rules/gcp/cpu');
    expect(back.status).toBe(200);
    expect(back.text).toContain('alert: CpuHigh');
  });
});

describe('ingest / evaluate / notify (Pub/Sub CloudEvent functions)', () => {
  it('handles the recorded Eventarc push: samples stored, evaluate told', async () => {
    const res = await call('ingest', recorded('pubsub-ingest.json'));
    expect(res.status).toBeLessThan(300);
    const query = await api('GET', `/prometheus/api/v1/query?query=cpu_usage&time=${Date.UTC(2026, 0, 1, 0, 0, 30) / 1000}`);
    expect(JSON.parse(query.text).data.result.map((r: any) => [r.metric.host, r.value[1]]).sort()).toEqual([
      ['a', '93.5'],
      ['b', '12'],
    ]);
    expect(await drain('evaluate')).toEqual([expect.objectContaining({ kind: 'touched', metrics: ['cpu_usage'] })]);
  });

  it('takes a plain push subscription request too (topic in the path)', async () => {
    const res = await call('ingest', recorded('pubsub-push-raw.json'));
    expect(res.status).toBeLessThan(300);
    expect(await drain('evaluate')).toHaveLength(1);
  });

  it('applies a redelivered message once: same chunks, same answers', async () => {
    const message = { id: 'redelivered-1', body: { kind: 'samples', tenant: 'default', samples: [{ metric: 'redelivery', labels: {}, value: 7, timestamp: NOW - 500 }] } };
    expect((await call('ingest', push('pubsub-ingest.json', message))).status).toBeLessThan(300);
    const chunks = await chunkCount();
    expect((await call('ingest', push('pubsub-ingest.json', message))).status).toBeLessThan(300);
    expect(await chunkCount()).toBe(chunks);
    const query = await api('GET', `/prometheus/api/v1/query?query=redelivery&time=${NOW / 1000}`);
    expect(JSON.parse(query.text).data.result).toEqual([{ metric: { __name__: 'redelivery' }, value: [NOW / 1000, '7'] }]);
    await drain('evaluate');
  });

  it('handles two messages with one dedup key once, and a redelivery of the first still passes', async () => {
    const body = { kind: 'samples', tenant: 'default', samples: [{ metric: 'deduped', labels: {}, value: 1, timestamp: NOW - 200 }] };
    const attributes = { [ATTR.dedupKey]: 'producer-retry-1' };
    expect((await call('ingest', push('pubsub-ingest.json', { id: 'dedup-a', body, attributes }))).status).toBeLessThan(300);
    expect((await call('ingest', push('pubsub-ingest.json', { id: 'dedup-b', body, attributes }))).status).toBeLessThan(300);
    // One handling: one "touched" message.
    expect(await drain('evaluate')).toHaveLength(1);
    // The claim belongs to dedup-a, so its redelivery (after a crash, say) is handled again.
    expect((await call('ingest', push('pubsub-ingest.json', { id: 'dedup-a', body, attributes }))).status).toBeLessThan(300);
    expect(await drain('evaluate')).toHaveLength(1);
  });

  it('nacks a message before its notBefore and handles it once due (recorded notify flush)', async () => {
    const flush = recorded('pubsub-notify-flush.json');
    const due = Number(flush.body.message.attributes[ATTR.notBefore]);
    clock.set(due - 5000);
    const early = await call('notify', flush);
    expect(early.status).toBe(500);
    clock.set(due);
    expect((await call('notify', flush)).status).toBeLessThan(300);
    clock.set(NOW);
  });

  it('handles the recorded evaluate sweep', async () => {
    expect((await call('evaluate', recorded('pubsub-evaluate-sweep.json'))).status).toBeLessThan(300);
  });

  it('nacks a message that fails its schema, and a malformed event, without touching the store', async () => {
    const before = await chunkCount();
    const poison = push('pubsub-ingest.json', { id: 'poison-1', body: { kind: 'samples', tenant: 'default', samples: [{ metric: 'x', value: 'NaN?' }] } });
    expect((await call('ingest', poison)).status).toBe(500);
    const notBase64 = recorded('pubsub-ingest.json');
    notBase64.body.message.data = '%%% not base64 %%%';
    expect((await call('ingest', notBase64)).status).toBe(500);
    const noId = recorded('pubsub-ingest.json');
    delete noId.body.message.messageId;
    delete noId.body.message.message_id;
    expect((await call('ingest', noId)).status).toBe(500);
    expect(await chunkCount()).toBe(before);
  });
});

describe('schedule (Cloud Scheduler HTTP function)', () => {
  it('puts one sweep per tenant on the evaluate queue at the scheduled time, once per slot', async () => {
    await drain('evaluate');
    const req = recorded('scheduler-sweep.json');
    const at = Date.parse(req.headers['x-cloudscheduler-scheduletime'] ?? '');
    const first = await call('schedule', req);
    expect(first.status).toBe(200);
    expect(JSON.parse(first.text)).toEqual({ status: 'success', data: { tenants: 1, at } });
    // Cloud Scheduler retrying the same run: the dedup key drops the second sweep.
    expect((await call('schedule', req)).status).toBe(200);
    expect(await drain('evaluate')).toEqual([{ kind: 'sweep', tenant: 'default', at }]);
  });

  it('refuses a bad body with the field and the reason', async () => {
    const req = recorded('scheduler-sweep.json');
    req.body = { tenant: 'no spaces allowed', extra: 1 };
    const res = await call('schedule', req);
    expect(res.status).toBe(400);
    expect(JSON.parse(res.text).issues.map((i: { path: string }) => i.path).sort()).toEqual(['', 'tenant']);
  });
});

describe('predict and drift-detect (Cloud Scheduler HTTP functions)', () => {
  it('ticks every tenant at the scheduled time (no ML targets here: nothing scored, nothing failed)', async () => {
    const res = await call('predict', recorded('scheduler-predict.json'));
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text)).toEqual({ status: 'success', data: { tenants: 1, targets: 0, series: 0, samples: 0, skipped: 0, failed: 0 } });
    const drift = await call('drift-detect', { ...recorded('scheduler-predict.json'), body: { tenant: 'default' } });
    expect(drift.status).toBe(200);
    expect(JSON.parse(drift.text).data).toMatchObject({ tenants: 1 });
  });

  it('refuses a bad body or scheduled time with the field and the reason', async () => {
    const badBody = await call('predict', { ...recorded('scheduler-predict.json'), body: { tenant: 'no spaces allowed' } });
    expect(badBody.status).toBe(400);
    expect(JSON.parse(badBody.text).issues.map((i: { path: string }) => i.path)).toEqual(['tenant']);
    const req = recorded('scheduler-predict.json');
    req.headers['x-cloudscheduler-scheduletime'] = 'yesterday';
    const badTime = await call('drift-detect', req);
    expect(badTime.status).toBe(400);
    expect(JSON.parse(badTime.text).issues.map((i: { path: string }) => i.path)).toEqual(['X-CloudScheduler-ScheduleTime']);
  });
});

describe('heal (Pub/Sub CloudEvent function)', () => {
  it('acks the recorded check of an unknown execution, and nacks a message that fails its schema', async () => {
    expect((await call('heal', recorded('pubsub-heal.json'))).status).toBeLessThan(300);
    const poison = push('pubsub-heal.json', { id: 'heal-poison-1', body: { kind: 'approve', tenant: 'default' } });
    expect((await call('heal', poison)).status).toBe(500);
  });
});

describe('through Pub/Sub push subscriptions on the emulator', () => {
  /**
   * A handler that crashes once, between its store writes and its queue send (the queue
   * port fails on the first send), registered as its own function so the emulator can push
   * to it over HTTP.
   */
  let crashes = 0;
  let pushNames: PubSubNames;
  let base: GcpRuntime | undefined;
  afterAll(async () => {
    await base?.close();
  });
  beforeAll(async () => {
    base = createGcpRuntime({ ...process.env, VIGIL_PUBSUB_PREFIX: 'fn-', VIGIL_FIRESTORE_COLLECTION: 'vigil-fn' }, { clock, logger: silentLogger });
    const ports = base;
    const queue: Queue = {
      send: async (name, message) => {
        if (crashes === 0) {
          crashes++;
          throw new Error('injected crash before the queue send');
        }
        return ports.ctx.queue.send(name, message);
      },
      sendBatch: (name, messages) => ports.ctx.queue.sendBatch(name, messages),
    };
    const crashing: GcpRuntime = { ...ports, ctx: { ...ports.ctx, queue } };
    functionsFramework.cloudEvent('ingest-crashing', createFunctions(async () => crashing).ingest);
    const url = await serve('ingest-crashing');
    // Its own topics; the push endpoint carries the topic path the framework expects.
    pushNames = new PubSubNames('push-');
    await provisionPubSub(pubsub, pushNames, {
      maxDeliveryAttempts: 5,
      retryBackoffSeconds: null,
      pushEndpoint: (queue) => (queue === 'ingest' ? `${url}/projects/${EMULATOR_PROJECT}/topics/${pushNames.topic('ingest')}` : undefined),
    });
  });

  it('redelivers after a crash and applies the message once', async () => {
    const before = await chunkCount();
    await pubsub.topic(pushNames.topic('ingest')).publishMessage({
      data: Buffer.from(JSON.stringify({ kind: 'samples', tenant: 'default', samples: [{ metric: 'crashy', labels: {}, value: 3, timestamp: NOW - 100 }] })),
    });
    // The crash came after the chunk write; the redelivery rewrote the same chunk and then told evaluate.
    const touched = await waitFor('the redelivered message to reach evaluate', async () => {
      const got = await drain('evaluate');
      return got.length > 0 ? got : undefined;
    });
    expect(crashes).toBe(1);
    expect(touched).toEqual([expect.objectContaining({ kind: 'touched', metrics: ['crashy'] })]);
    expect(await chunkCount()).toBe(before + 1);
  });

  it('moves a message that keeps failing to the dead-letter topic after 5 deliveries', async () => {
    await pubsub.topic(pushNames.topic('ingest')).publishMessage({ data: Buffer.from(JSON.stringify({ kind: 'samples', tenant: 'default', samples: [] })) });
    const dead = await waitFor('the poison message in the dead-letter topic', async () => {
      const got = await consumer.drainSubscription(pushNames.deadLetterSubscription('ingest'), 500);
      return got.length > 0 ? got : undefined;
    });
    expect(dead.map((d) => d.body)).toEqual([{ kind: 'samples', tenant: 'default', samples: [] }]);
    expect(dead[0]?.attributes.CloudPubSubDeadLetterSourceDeliveryCount).toBe('5');
  });
});
