import { Firestore } from '@google-cloud/firestore';
import { PubSub } from '@google-cloud/pubsub';
import { ConditionFailedError, ManualClock, queryAll, systemClock, type DomainEvent, type QueueName } from '@vigil/core';
import { FirestoreStateStore, PubSubEventBus, PubSubNames, PubSubPullConsumer, PubSubQueue, provisionPubSub } from '@vigil/adapter-gcp';
import {
  EMULATOR_PROJECT,
  startFirestoreEmulator,
  startPubSubEmulator,
  useGcpEmulators,
  type RunningGcpEmulator,
} from '../helpers/emulators/gcp';
import { stateStoreConformance } from './state-store.suite';
import { queueConformance } from './queue.suite';

const START = Date.UTC(2026, 0, 1);
jest.setTimeout(120_000);

let firestore: RunningGcpEmulator | undefined;
let pubsubEmulator: RunningGcpEmulator | undefined;
let db: Firestore | undefined;
let pubsub: PubSub | undefined;

beforeAll(async () => {
  [firestore, pubsubEmulator] = await Promise.all([startFirestoreEmulator(), startPubSubEmulator()]);
  useGcpEmulators({ firestore: firestore.host, pubsub: pubsubEmulator.host });
  db = new Firestore({ projectId: EMULATOR_PROJECT });
  pubsub = new PubSub({ projectId: EMULATOR_PROJECT });
}, 120_000);

afterAll(async () => {
  await pubsub?.close();
  await db?.terminate();
  await Promise.all([firestore?.stop(), pubsubEmulator?.stop()]);
});

// One store per test over the shared emulator: the suite writes under partition keys unique
// to each test, and the clock is the test's own.
stateStoreConformance('Firestore (emulator)', async () => {
  if (!db) throw new Error('Firestore emulator is not running');
  const clock = new ManualClock(START);
  return { store: new FirestoreStateStore(db, clock), clock, cleanup: async () => {} };
});

let queueRun = 0;
/**
 * Pub/Sub consumption is the platform's (push to the function); the harness consumes the same
 * subscriptions by pull with the same admission rules (delays, dedup claims in Firestore).
 * Each test gets topics and subscriptions of its own through a fresh name prefix. Pub/Sub
 * refuses a dead-letter policy below 5 delivery attempts, so maxReceives is 5. The emulator
 * runs on real time: the clock is the system clock and `advance` waits; the subscriptions get
 * no retry backoff (production's is 10 s doubling to 600 s), since the suite's leases are 1 s.
 */
queueConformance('Pub/Sub (emulator)', async () => {
  if (!db || !pubsub) throw new Error('emulators are not running');
  const names = new PubSubNames(`q${++queueRun}-${Date.now().toString(36)}-`);
  await provisionPubSub(pubsub, names, { maxDeliveryAttempts: 5, retryBackoffSeconds: null });
  const store = new FirestoreStateStore(db, systemClock);
  const queue = new PubSubQueue(pubsub, { names, clock: systemClock });
  const consumer = new PubSubPullConsumer({ projectId: EMULATOR_PROJECT, pubsub, names, store, clock: systemClock });
  const dead = new Map<QueueName, { id: string; body: unknown }[]>();
  return {
    queue,
    receive: (name, max, vt) => consumer.receive(name, max, vt),
    ack: (name, id) => consumer.ack(name, id),
    nack: (name, id, delayMs) => consumer.nack(name, id, delayMs),
    deadLetters: async (name) => {
      // The emulator moves a message to its dead-letter topic a moment after the last failure.
      const got = await consumer.drainSubscription(names.deadLetterSubscription(name), 1000);
      const all = [...(dead.get(name) ?? []), ...got.map(({ id, body }) => ({ id, body }))];
      dead.set(name, all);
      return all;
    },
    advance: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    maxReceives: 5,
    cleanup: () => consumer.close(),
  };
});

describe('Firestore layout', () => {
  const pk = `layout-${Date.now().toString(36)}`;
  let store: FirestoreStateStore;
  let clock: ManualClock;
  beforeEach(() => {
    if (!db) throw new Error('Firestore emulator is not running');
    clock = new ManualClock(START);
    store = new FirestoreStateStore(db, clock);
  });

  it('stores keys that are not valid document IDs, and keys longer than an ID allows', async () => {
    const keys = ['..', '.', '__name__', 'a/b/c', '%2F', 'k'.repeat(1600)];
    for (const sk of keys) await store.put(`${pk}/odd/..`, sk, sk.length);
    for (const sk of keys) expect((await store.get(`${pk}/odd/..`, sk))?.value).toBe(sk.length);
    const listed = (await store.query(`${pk}/odd/..`)).items.map((i) => i.sk);
    expect(listed).toEqual([...keys].sort());
  });

  it('writes the TTL policy field as a Timestamp next to the exact milliseconds, and removes both with the expiry', async () => {
    const expiresAt = START + 86_400_123;
    await store.put(pk, 'ttl', 'v', { expiresAt });
    const doc = (await store.ref(pk, 'ttl').get()).data();
    expect(doc?.expiresAt?.toMillis()).toBe(expiresAt);
    expect(doc).toMatchObject({ pk, sk: 'ttl', version: 1, value: '"v"', expiresAtMs: expiresAt });
    await store.put(pk, 'ttl', 'v2');
    const after = (await store.ref(pk, 'ttl').get()).data();
    expect(after).toEqual({ pk, sk: 'ttl', version: 2, value: '"v2"' });
  });

  it('refuses bad input before writing anything', async () => {
    await expect(store.query(pk, { cursor: 'not-a-cursor' })).rejects.toThrow('invalid query cursor');
    await expect(store.transact(Array.from({ length: 101 }, (_, i) => ({ type: 'put' as const, pk, sk: `t${i}`, value: i })))).rejects.toThrow(RangeError);
    await expect(store.batchWrite([{ type: 'put', pk, sk: 'b', value: 1, ifVersion: 0 }])).rejects.toThrow(/unconditional/);
    await expect(store.put(pk, '', 1)).rejects.toThrow(TypeError);
    expect(await store.get(pk, 't0')).toBeUndefined();
    expect(await store.get(pk, 'b')).toBeUndefined();
  });
});

describe('EventBus: Pub/Sub (emulator)', () => {
  it('publishes domain events with type and tenant attributes, in order per tenant', async () => {
    if (!pubsub) throw new Error('Pub/Sub emulator is not running');
    const names = new PubSubNames(`ev-${Date.now().toString(36)}-`);
    const [topic] = await pubsub.createTopic(names.eventsTopic());
    const [subscription] = await topic.createSubscription(`${names.eventsTopic()}-sub`, { enableMessageOrdering: true });
    const bus = new PubSubEventBus(pubsub, names.eventsTopic());
    const events: DomainEvent[] = [
      { type: 'AlertFired', tenant: 'a', time: START, detail: { alertname: 'CpuHigh', n: 1 } },
      { type: 'AlertFired', tenant: 'b', time: START + 1, detail: { alertname: 'DiskFull' } },
      { type: 'AlertResolved', tenant: 'a', time: START + 2, detail: { alertname: 'CpuHigh', n: 2 } },
    ];
    await bus.publish(events);
    const consumer = new PubSubPullConsumer({ projectId: EMULATOR_PROJECT, pubsub, names, store: new FirestoreStateStore(db!, systemClock), clock: systemClock });
    try {
      const got = await consumer.drainSubscription(subscription.name.split('/').pop() ?? '', 1000);
      expect(got.map((m) => m.body)).toEqual(expect.arrayContaining(events.map((e) => expect.objectContaining(e))));
      expect(got).toHaveLength(3);
      expect(got.filter((m) => m.attributes.tenant === 'a').map((m) => m.attributes.type)).toEqual(['AlertFired', 'AlertResolved']);
      for (const m of got) expect(m.attributes).toEqual({ type: (m.body as DomainEvent).type, tenant: (m.body as DomainEvent).tenant });
    } finally {
      await consumer.close();
    }
  });
});

/**
 * Faults injected at the client boundary of a real emulator: commits refused with a gRPC
 * status before they reach Firestore (throttling), or applied and then reported as failed
 * (a timeout that hid a success).
 */
describe('Firestore under injected faults', () => {
  type Fault = { code: number; after: boolean };
  function faulty(faults: Fault[]): Firestore {
    const real = db!;
    return new Proxy(real, {
      get(target, prop) {
        if (prop === 'batch') {
          return () => {
            const batch = target.batch();
            const commit = batch.commit.bind(batch);
            batch.commit = async () => {
              const fault = faults.shift();
              if (fault && !fault.after) throw Object.assign(new Error('injected'), { code: fault.code });
              const result = await commit();
              if (fault) throw Object.assign(new Error('injected'), { code: fault.code });
              return result;
            };
            return batch;
          };
        }
        const value = Reflect.get(target, prop, target) as unknown;
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
  }
  const RESOURCE_EXHAUSTED = 8;
  const DEADLINE_EXCEEDED = 4;
  const pk = () => `faults-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;

  it('retries throttled batch commits until every item is written once', async () => {
    const clock = new ManualClock(START);
    const store = new FirestoreStateStore(faulty([{ code: RESOURCE_EXHAUSTED, after: false }, { code: RESOURCE_EXHAUSTED, after: false }]), clock);
    const p = pk();
    await store.batchWrite(Array.from({ length: 600 }, (_, i) => ({ type: 'put' as const, pk: p, sk: `k${String(i).padStart(4, '0')}`, value: i })));
    const all = await queryAll(store, p);
    expect(all.map((i) => i.value)).toEqual(Array.from({ length: 600 }, (_, i) => i));
    expect(new Set(all.map((i) => i.version))).toEqual(new Set([1]));
  });

  it('re-applies an unconditional batch whose success was hidden by a timeout, without duplicating items', async () => {
    const clock = new ManualClock(START);
    const store = new FirestoreStateStore(faulty([{ code: DEADLINE_EXCEEDED, after: true }]), clock);
    const p = pk();
    await store.batchWrite([
      { type: 'put', pk: p, sk: 'a', value: 'A' },
      { type: 'put', pk: p, sk: 'b', value: 'B' },
    ]);
    const all = await queryAll(store, p);
    expect(all.map((i) => [i.sk, i.value])).toEqual([
      ['a', 'A'],
      ['b', 'B'],
    ]);
  });

  it('surfaces a timeout on a conditional write instead of guessing; the write is there once', async () => {
    const clock = new ManualClock(START);
    const plain = new FirestoreStateStore(db!, clock);
    const p = pk();
    await plain.put(p, 'k', 'v1');
    const store = new FirestoreStateStore(faulty([{ code: DEADLINE_EXCEEDED, after: true }]), clock);
    let caught: unknown;
    try {
      await store.put(p, 'k', 'v2', { ifVersion: 1 });
    } catch (err) {
      caught = err;
    }
    expect(caught).toMatchObject({ code: DEADLINE_EXCEEDED });
    expect(caught).not.toBeInstanceOf(ConditionFailedError);
    expect(await plain.get(p, 'k')).toEqual({ pk: p, sk: 'k', value: 'v2', version: 2 });
    // The caller's retry sees its own write: the condition fails, nothing is applied twice.
    await expect(plain.put(p, 'k', 'v2', { ifVersion: 1 })).rejects.toBeInstanceOf(ConditionFailedError);
  });
});
