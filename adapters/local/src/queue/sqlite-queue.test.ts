import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock, type QueueName } from '@vigil/core';
import { SqliteStateStore } from '../store';
import { SqliteQueue, type SqliteQueueOptions } from './sqlite-queue';

describe('SqliteQueue', () => {
  let dir: string;
  let file: string;
  let clock: ManualClock;
  const open: { close(): void }[] = [];
  const make = (options?: SqliteQueueOptions) => {
    const queue = new SqliteQueue(file, clock, options);
    open.push(queue);
    return queue;
  };
  const Q: QueueName = 'notify';

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-queue-'));
    file = join(dir, 'queue.db');
    clock = new ManualClock(5_000_000);
  });
  afterEach(() => {
    for (const q of open.splice(0)) q.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('redelivers a message leased by a process that died, after its lease runs out', async () => {
    const crashed = make();
    await crashed.send(Q, { body: { alert: 'cpu' } });
    const [leased] = await crashed.receive(Q, 10, 30_000);
    expect(leased?.attempt).toBe(1);
    crashed.close(); // never acked: the process is gone

    const restarted = make();
    expect(await restarted.receive(Q, 10, 30_000)).toEqual([]);
    clock.advance(29_999);
    expect(await restarted.receive(Q, 10, 30_000)).toEqual([]);
    clock.advance(1);
    const [again] = await restarted.receive(Q, 10, 30_000);
    expect(again).toEqual({ id: leased?.id, body: { alert: 'cpu' }, attempt: 2 });
    await restarted.ack(again?.id ?? '');
    clock.advance(60_000);
    expect(await restarted.receive(Q, 10, 30_000)).toEqual([]);
  });

  it('keeps unreceived messages across a restart', async () => {
    const first = make();
    await first.sendBatch(Q, [{ body: 1 }, { body: 2 }, { body: 3, delaySeconds: 10 }]);
    first.close();
    const second = make();
    expect((await second.receive(Q, 10, 60_000)).map((m) => m.body)).toEqual([1, 2]);
    clock.advance(10_000);
    expect((await second.receive(Q, 10, 1000)).map((m) => m.body)).toEqual([3]);
  });

  it('never leases one message to two consumers sharing the file', async () => {
    const a = make();
    const b = make();
    await a.sendBatch(Q, Array.from({ length: 30 }, (_, i) => ({ body: i })));
    const seen: number[] = [];
    for (let round = 0; round < 10; round++) {
      for (const consumer of [a, b]) {
        for (const m of await consumer.receive(Q, 4, 60_000)) seen.push(m.body as number);
      }
    }
    expect(seen.sort((x, y) => x - y)).toEqual(Array.from({ length: 30 }, (_, i) => i));
  });

  it('delivers in send order, and a delayed message takes its place when it becomes visible', async () => {
    const q = make();
    await q.send(Q, { body: 'a' });
    await q.send(Q, { body: 'late', delaySeconds: 1 });
    await q.send(Q, { body: 'b' });
    expect((await q.receive(Q, 1, 1000)).map((m) => m.body)).toEqual(['a']);
    clock.advance(1000);
    // 'b' became visible at send time, before 'late'; 'a' came back when its lease ran out.
    expect((await q.receive(Q, 10, 1000)).map((m) => m.body)).toEqual(['b', 'a', 'late']);
  });

  it('forgets a dedup key once the window has passed', async () => {
    const q = make({ dedupWindowMs: 300_000 });
    await q.send(Q, { body: 1, dedupKey: 'k' });
    clock.advance(299_999);
    await q.send(Q, { body: 2, dedupKey: 'k' });
    clock.advance(1);
    await q.send(Q, { body: 3, dedupKey: 'k' });
    expect((await q.receive(Q, 10, 1000)).map((m) => m.body)).toEqual([1, 3]);
  });

  it('defaults the dedup window to five minutes and shares it between instances', async () => {
    const a = make();
    const b = make();
    await a.send(Q, { body: 'a', dedupKey: 'k' });
    clock.advance(4 * 60_000);
    await b.send(Q, { body: 'b', dedupKey: 'k' });
    clock.advance(60_000);
    await b.send(Q, { body: 'c', dedupKey: 'k' });
    expect((await b.receive(Q, 10, 1000)).map((m) => m.body)).toEqual(['a', 'c']);
  });

  it('dead-letters after maxReceives with the last error, and redrives with a fresh budget', async () => {
    const q = make({ maxReceives: 2 });
    await q.send(Q, { body: 'poison', dedupKey: 'p1' });
    const [m1] = await q.receive(Q, 1, 1000);
    await q.nack(m1?.id ?? '', 0, 'first failure');
    const [m2] = await q.receive(Q, 1, 1000);
    expect(m2?.attempt).toBe(2);
    await q.nack(m2?.id ?? '', 0, 'second failure');
    expect(await q.receive(Q, 1, 1000)).toEqual([]);
    expect(await q.stats(Q)).toEqual({ visible: 0, invisible: 0, dead: 1 });

    const [dead] = await q.deadLetters(Q);
    expect(dead).toEqual({
      id: m1?.id,
      queue: Q,
      body: 'poison',
      dedupKey: 'p1',
      attempts: 2,
      firstEnqueuedAt: 5_000_000,
      deadAt: clock.now(),
      lastError: 'second failure',
    });
    expect(await q.deadLetters('heal')).toEqual([]);

    expect(await q.redrive(Q)).toBe(1);
    expect(await q.deadLetters(Q)).toEqual([]);
    const [back] = await q.receive(Q, 1, 1000);
    expect(back).toEqual({ id: m1?.id, body: 'poison', attempt: 1 });
  });

  it('dead-letters a message whose last lease ran out, naming the earlier error', async () => {
    const q = make({ maxReceives: 2 });
    await q.send(Q, { body: 'hangs' });
    const [m1] = await q.receive(Q, 1, 1000);
    await q.nack(m1?.id ?? '', 0, 'timeout talking to slack');
    await q.receive(Q, 1, 1000);
    clock.advance(1000);
    expect(await q.receive(Q, 1, 1000)).toEqual([]);
    const [dead] = await q.deadLetters(Q);
    expect(dead?.lastError).toBe('lease expired without ack (earlier error: timeout talking to slack)');
    expect(dead?.attempts).toBe(2);
  });

  it('reports visible, invisible and dead counts', async () => {
    const q = make();
    await q.sendBatch(Q, [{ body: 1 }, { body: 2 }, { body: 3, delaySeconds: 5 }]);
    await q.receive(Q, 1, 1000);
    expect(await q.stats(Q)).toEqual({ visible: 1, invisible: 2, dead: 0 });
    expect(await q.stats('ingest')).toEqual({ visible: 0, invisible: 0, dead: 0 });
  });

  it('sends a batch all or nothing', async () => {
    const q = make();
    await expect(q.sendBatch(Q, [{ body: 'ok' }, { body: 'too late', delaySeconds: 901 }])).rejects.toThrow(RangeError);
    await expect(q.sendBatch(Q, [{ body: 'ok' }, { body: undefined }])).rejects.toThrow(/JSON/);
    await expect(q.send(Q, { body: 'x', delaySeconds: -1 })).rejects.toThrow(RangeError);
    await expect(q.send(Q, { body: 'x', dedupKey: '' })).rejects.toThrow(TypeError);
    expect(await q.stats(Q)).toEqual({ visible: 0, invisible: 0, dead: 0 });
  });

  it('tells in-process listeners about committed sends only', async () => {
    const q = make({ dedupWindowMs: 1000 });
    const heard: string[] = [];
    const unsubscribe = q.onSend((name) => heard.push(name));
    await q.send(Q, { body: 1, dedupKey: 'd' });
    await q.send(Q, { body: 2, dedupKey: 'd' });
    await q.sendBatch('heal', []);
    await q.send('heal', { body: 3 });
    unsubscribe();
    await q.send(Q, { body: 4 });
    expect(heard).toEqual([Q, 'heal']);
  });

  it('ignores ack and nack of unknown ids', async () => {
    const q = make();
    await expect(q.ack('nope')).resolves.toBeUndefined();
    await expect(q.nack('nope', 10, 'x')).resolves.toBeUndefined();
    await expect(q.nack('nope', -1, 'x')).rejects.toThrow(RangeError);
  });

  it('can live in the same file as the state store', async () => {
    const store = new SqliteStateStore(file, clock);
    open.push(store);
    const q = make();
    await store.put('p', 's', 1);
    await q.send(Q, { body: 'shared file' });
    expect((await store.get('p', 's'))?.value).toBe(1);
    expect((await q.receive(Q, 1, 1000)).map((m) => m.body)).toEqual(['shared file']);
  });
});
