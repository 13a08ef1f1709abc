import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock, type DeliveredMessage, type Logger, type QueueName } from '@vigil/core';
import { QueueWorker, fullJitterBackoff, type BatchHandler, type QueueWorkerOptions } from './queue-worker';
import { SqliteQueue } from './sqlite-queue';

function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe('fullJitterBackoff', () => {
  it('draws uniformly below an exponentially growing ceiling capped at five minutes', () => {
    const top = () => 0.999999;
    expect(fullJitterBackoff(1, () => 0.5)).toBe(500);
    expect(fullJitterBackoff(2, () => 0.5)).toBe(1000);
    expect(fullJitterBackoff(3, () => 0.5)).toBe(2000);
    expect(fullJitterBackoff(1, () => 0)).toBe(0);
    expect(fullJitterBackoff(9, top)).toBe(255_999);
    expect(fullJitterBackoff(10, top)).toBe(299_999);
    expect(fullJitterBackoff(1000, top)).toBe(299_999);
    expect(fullJitterBackoff(4, () => 0.25, 200, 1000)).toBe(250);
  });
});

describe('QueueWorker', () => {
  let dir: string;
  let clock: ManualClock;
  let queue: SqliteQueue;
  const Q: QueueName = 'evaluate';
  const workers: QueueWorker[] = [];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-worker-'));
    clock = new ManualClock(10_000_000);
    queue = new SqliteQueue(join(dir, 'queue.db'), clock, { maxReceives: 3 });
  });
  afterEach(async () => {
    for (const w of workers.splice(0)) await w.stop();
    queue.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const worker = (handler: BatchHandler, options: Partial<QueueWorkerOptions> = {}) => {
    const w = new QueueWorker({ queue, name: Q, handler, random: () => 0.5, ...options });
    workers.push(w);
    return w;
  };

  it('acks the messages a handler succeeded on and retries only the reported failures', async () => {
    await queue.sendBatch(Q, [{ body: 'ok-1' }, { body: 'bad' }, { body: 'ok-2' }]);
    const calls: unknown[][] = [];
    const w = worker(async (messages) => {
      calls.push(messages.map((m) => m.body));
      return { failed: messages.filter((m) => m.body === 'bad').map((m) => ({ id: m.id, error: 'rejected' })) };
    });

    expect(await w.drain()).toBe(3);
    expect(calls).toEqual([['ok-1', 'bad', 'ok-2']]);
    expect(await queue.stats(Q)).toEqual({ visible: 0, invisible: 1, dead: 0 });

    clock.advance(500); // attempt 1 backs off 0.5 * 1 s
    expect(await w.drain()).toBe(1);
    expect(calls[1]).toEqual(['bad']);
  });

  it('backs off failed attempts exponentially using the injected random source', async () => {
    await queue.send(Q, { body: 'flaky' });
    const attempts: number[] = [];
    const w = worker(
      async (messages) => {
        attempts.push(...messages.map((m) => m.attempt));
        return { failed: messages.map((m) => ({ id: m.id, error: 'nope' })) };
      },
      { random: () => 0.25, backoffBaseMs: 1000 },
    );
    await w.drain();
    // Attempt 1 failed: delay 0.25 * 1000 = 250 ms.
    clock.advance(249);
    expect(await w.drain()).toBe(0);
    clock.advance(1);
    expect(await w.drain()).toBe(1);
    // Attempt 2 failed: delay 0.25 * 2000 = 500 ms.
    clock.advance(499);
    expect(await w.drain()).toBe(0);
    clock.advance(1);
    expect(await w.drain()).toBe(1);
    expect(attempts).toEqual([1, 2, 3]);
  });

  it('fails the whole batch when the handler throws', async () => {
    await queue.sendBatch(Q, [{ body: 1 }, { body: 2 }]);
    const errors: Record<string, unknown>[] = [];
    const logger: Logger = { debug() {}, info() {}, warn: (_m, f) => errors.push(f ?? {}), error() {} };
    let calls = 0;
    const w = worker(
      async () => {
        calls++;
        throw new Error('database down');
      },
      { logger },
    );
    expect(await w.drain()).toBe(2);
    expect(calls).toBe(1);
    expect(await queue.stats(Q)).toEqual({ visible: 0, invisible: 2, dead: 0 });
    expect(errors.map((e) => e.error)).toEqual(['Error: database down', 'Error: database down']);
  });

  it('dead-letters a message after maxReceives failed attempts, keeping its last error', async () => {
    await queue.sendBatch(Q, [{ body: 'poison' }, { body: 'fine' }]);
    const handled: string[] = [];
    const w = worker(async (messages) => {
      handled.push(...messages.map((m) => `${String(m.body)}#${m.attempt}`));
      return {
        failed: messages.filter((m) => m.body === 'poison').map((m) => ({ id: m.id, error: `bad attempt ${m.attempt}` })),
      };
    });
    for (let i = 0; i < 5; i++) {
      await w.drain();
      clock.advance(300_000);
    }
    expect(handled).toEqual(['poison#1', 'fine#1', 'poison#2', 'poison#3']);
    const dead = await queue.deadLetters(Q);
    expect(dead.map((d) => [d.body, d.attempts, d.lastError])).toEqual([['poison', 3, 'bad attempt 3']]);
    expect(await queue.stats(Q)).toEqual({ visible: 0, invisible: 0, dead: 1 });
  });

  it('ignores failures for ids outside the batch and treats a missing result as success', async () => {
    await queue.sendBatch(Q, [{ body: 'a' }, { body: 'b' }]);
    const w = worker(async () => ({ failed: [{ id: 'not-in-batch', error: 'x' }] }), { batchSize: 1 });
    expect(await w.drain()).toBe(2);
    await queue.send(Q, { body: 'c' });
    const w2 = worker((async () => undefined) as unknown as BatchHandler);
    expect(await w2.drain()).toBe(1);
    clock.advance(600_000);
    expect(await queue.stats(Q)).toEqual({ visible: 0, invisible: 0, dead: 0 });
  });

  it('respects the batch size and drains until nothing is visible', async () => {
    await queue.sendBatch(Q, Array.from({ length: 23 }, (_, i) => ({ body: i })));
    await queue.send(Q, { body: 'later', delaySeconds: 60 });
    const sizes: number[] = [];
    const seen: unknown[] = [];
    const w = worker(
      async (messages) => {
        sizes.push(messages.length);
        seen.push(...messages.map((m) => m.body));
        return { failed: [] };
      },
      { batchSize: 5 },
    );
    expect(await w.drain()).toBe(23);
    expect(sizes).toEqual([5, 5, 5, 5, 3]);
    expect(seen).toEqual(Array.from({ length: 23 }, (_, i) => i));
    clock.advance(60_000);
    expect(await w.drain()).toBe(1);
  });

  it('refuses to drain forever', async () => {
    const w = worker(async (messages: DeliveredMessage[]) => {
      await queue.send(Q, { body: messages.length });
      return { failed: [] };
    });
    await queue.send(Q, { body: 0 });
    await expect(w.drain(3)).rejects.toThrow(/after 3 batches/);
  });

  it('polls in the background once started and picks up new messages', async () => {
    const got: unknown[] = [];
    const two = deferred();
    const w = worker(
      async (messages) => {
        got.push(...messages.map((m) => m.body));
        if (got.length >= 2) two.resolve();
        return { failed: [] };
      },
      { pollIntervalMs: 5 },
    );
    w.start();
    w.start(); // idempotent
    expect(w.isRunning).toBe(true);
    await queue.send(Q, { body: 'one' });
    await queue.send(Q, { body: 'two' });
    await two.promise;
    await w.stop();
    expect(w.isRunning).toBe(false);
    expect(got).toEqual(['one', 'two']);
    expect(await queue.stats(Q)).toEqual({ visible: 0, invisible: 0, dead: 0 });
  });

  it('stop() waits for the batch in flight to be handled and acked', async () => {
    const started = deferred();
    const release = deferred();
    let handled = 0;
    const w = worker(
      async () => {
        started.resolve();
        await release.promise;
        handled++;
        return { failed: [] };
      },
      { pollIntervalMs: 5 },
    );
    await queue.send(Q, { body: 'slow' });
    w.start();
    await started.promise;

    let stopped = false;
    const stopping = w.stop().then(() => {
      stopped = true;
    });
    await new Promise((r) => setImmediate(r));
    expect(stopped).toBe(false);
    release.resolve();
    await stopping;
    expect(stopped).toBe(true);
    expect(handled).toBe(1);
    expect(await queue.stats(Q)).toEqual({ visible: 0, invisible: 0, dead: 0 });

    // Stopped means stopped: nothing is received afterwards.
    await queue.send(Q, { body: 'after stop' });
    await new Promise((r) => setTimeout(r, 20));
    expect(await queue.stats(Q)).toEqual({ visible: 1, invisible: 0, dead: 0 });
  });

  it('never runs two batches at once, even when drain() meets the background loop', async () => {
    await queue.sendBatch(Q, Array.from({ length: 12 }, (_, i) => ({ body: i })));
    let active = 0;
    let maxActive = 0;
    const seen: unknown[] = [];
    const w = worker(
      async (messages) => {
        active++;
        maxActive = Math.max(maxActive, active);
        await new Promise((r) => setImmediate(r));
        seen.push(...messages.map((m) => m.body));
        active--;
        return { failed: [] };
      },
      { batchSize: 2, pollIntervalMs: 1 },
    );
    w.start();
    await Promise.all([w.drain(), w.drain()]);
    await w.stop();
    expect(maxActive).toBe(1);
    expect([...seen].sort((a, b) => (a as number) - (b as number))).toEqual(Array.from({ length: 12 }, (_, i) => i));
  });
});
