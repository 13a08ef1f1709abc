import type { DeliveredMessage, Queue, QueueName } from '@vigil/core';

/**
 * What the suite needs beyond the Queue port. The port only sends (consumption goes through
 * each platform's trigger), so a backend supplies the consumer side the way its trigger uses
 * it: receive with a lease, ack, nack, and a view of the dead-letter queue.
 */
export interface QueueHarness {
  queue: Queue;
  /** Leases up to `max` visible messages for `visibilityTimeoutMs`. May return fewer. */
  receive(queue: QueueName, max: number, visibilityTimeoutMs: number): Promise<DeliveredMessage[]>;
  ack(queue: QueueName, id: string): Promise<void>;
  /** Gives a received message back as a failed handler would, visible again after `delayMs`. */
  nack(queue: QueueName, id: string, delayMs: number, error: string): Promise<void>;
  /** Bodies (and ids) of messages dead-lettered from `queue`. */
  deadLetters(queue: QueueName): Promise<{ id: string; body: unknown }[]>;
  /** Moves time on: a ManualClock for local, real waiting for an emulator. */
  advance(ms: number): Promise<void>;
  /** Receives after which a failed message is dead-lettered. */
  maxReceives: number;
  /** False for backends without dedup (e.g. SQS standard queues). Default true. */
  supportsDedup?: boolean;
  cleanup(): Promise<void>;
}

/**
 * The queue contract every backend must meet. `makeQueue` is called before each test and
 * must hand out queues no other test uses (fresh emulator queues, a fresh file, ...).
 * Durations are a second or two so that emulators running on real time stay quick.
 */
export function queueConformance(name: string, makeQueue: () => Promise<QueueHarness>): void {
  describe(`Queue conformance: ${name}`, () => {
    let h: QueueHarness;
    const Q: QueueName = 'evaluate';
    const OTHER: QueueName = 'notify';
    const VT = 1000;

    beforeEach(async () => {
      h = await makeQueue();
    });
    afterEach(async () => {
      await h.cleanup();
    });

    /** Receives until `want` messages arrived or a few receives came back empty. */
    async function collect(queue: QueueName, want: number, visibilityTimeoutMs = VT): Promise<DeliveredMessage[]> {
      const out: DeliveredMessage[] = [];
      for (let empty = 0; out.length < want && empty < 3; ) {
        const got = await h.receive(queue, Math.min(10, want - out.length), visibilityTimeoutMs);
        if (got.length === 0) empty++;
        out.push(...got);
      }
      return out;
    }

    async function expectEmpty(queue: QueueName): Promise<void> {
      expect(await collect(queue, 1)).toEqual([]);
    }

    it('delivers a sent message with its body, then forgets it once acked', async () => {
      const body = { series: ['a', 'b'], n: 1.5, nested: { ok: true, none: null }, text: 'ünï 😀' };
      await h.queue.send(Q, { body });
      const [message, ...rest] = await collect(Q, 1);
      expect(rest).toEqual([]);
      expect(message?.body).toEqual(body);
      expect(message?.attempt).toBe(1);
      expect(typeof message?.id).toBe('string');
      await h.ack(Q, message?.id ?? '');
      await h.advance(VT + 100);
      await expectEmpty(Q);
    });

    it('returns nothing from an empty queue', async () => {
      expect(await h.receive(Q, 10, VT)).toEqual([]);
    });

    it('delivers every message of a batch exactly once', async () => {
      const n = 25;
      await h.queue.sendBatch(Q, Array.from({ length: n }, (_, i) => ({ body: { i } })));
      const got = await collect(Q, n);
      expect(got.map((m) => (m.body as { i: number }).i).sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i));
      expect(new Set(got.map((m) => m.id)).size).toBe(n);
      for (const m of got) await h.ack(Q, m.id);
      await expectEmpty(Q);
    });

    it('keeps queues apart', async () => {
      await h.queue.send(Q, { body: 'for evaluate' });
      await h.queue.send(OTHER, { body: 'for notify' });
      expect((await collect(OTHER, 2)).map((m) => m.body)).toEqual(['for notify']);
      expect((await collect(Q, 2)).map((m) => m.body)).toEqual(['for evaluate']);
    });

    it('hides a leased message and redelivers it with the next attempt number when the lease runs out', async () => {
      await h.queue.send(Q, { body: 'lease me' });
      const [first] = await collect(Q, 1);
      expect(first?.attempt).toBe(1);
      await expectEmpty(Q);
      await h.advance(VT + 100);
      const [second] = await collect(Q, 1);
      expect(second?.id).toBe(first?.id);
      expect(second?.body).toBe('lease me');
      expect(second?.attempt).toBe(2);
      await h.ack(Q, second?.id ?? '');
      await h.advance(VT + 100);
      await expectEmpty(Q);
    });

    it('holds a delayed message back until its delay has passed', async () => {
      await h.queue.send(Q, { body: 'later', delaySeconds: 2 });
      await h.queue.send(Q, { body: 'now' });
      const early = await collect(Q, 2);
      expect(early.map((m) => m.body)).toEqual(['now']);
      for (const m of early) await h.ack(Q, m.id);
      await h.advance(2100);
      expect((await collect(Q, 1)).map((m) => m.body)).toEqual(['later']);
    });

    it('makes a nacked message visible again after the nack delay', async () => {
      await h.queue.send(Q, { body: 'retry me' });
      const [first] = await collect(Q, 1, 60_000);
      await h.nack(Q, first?.id ?? '', 1000, 'boom');
      await expectEmpty(Q);
      await h.advance(1100);
      const [again] = await collect(Q, 1);
      expect(again?.id).toBe(first?.id);
      expect(again?.attempt).toBe(2);
    });

    it('drops a message whose dedup key was already sent to the queue', async () => {
      if (h.supportsDedup === false) return;
      await h.queue.send(Q, { body: 'first', dedupKey: 'same' });
      await h.queue.send(Q, { body: 'second', dedupKey: 'same' });
      await h.queue.sendBatch(Q, [
        { body: 'third', dedupKey: 'same' },
        { body: 'other', dedupKey: 'different' },
      ]);
      const got = await collect(Q, 3);
      expect(got.map((m) => m.body).sort()).toEqual(['first', 'other']);
      for (const m of got) await h.ack(Q, m.id);
      // Dedup is per queue, and acking does not reopen the window.
      await h.queue.send(Q, { body: 'after ack', dedupKey: 'same' });
      await h.queue.send(OTHER, { body: 'other queue', dedupKey: 'same' });
      await expectEmpty(Q);
      expect((await collect(OTHER, 1)).map((m) => m.body)).toEqual(['other queue']);
    });

    it('dead-letters a message that keeps failing and stops delivering it', async () => {
      await h.queue.send(Q, { body: { poison: true } });
      await h.queue.send(Q, { body: { healthy: true } });
      let healthyDone = false;
      for (let attempt = 1; attempt <= h.maxReceives; attempt++) {
        const got = await collect(Q, healthyDone ? 1 : 2);
        for (const m of got) {
          if ((m.body as { healthy?: boolean }).healthy) {
            await h.ack(Q, m.id);
            healthyDone = true;
          } else {
            expect(m.attempt).toBe(attempt);
            await h.nack(Q, m.id, 0, `failure ${attempt}`);
          }
        }
        await h.advance(50);
      }
      expect(healthyDone).toBe(true);
      await h.advance(VT + 100);
      await expectEmpty(Q);
      const dead = await h.deadLetters(Q);
      expect(dead.map((d) => d.body)).toEqual([{ poison: true }]);
      expect(await h.deadLetters(OTHER)).toEqual([]);
    });

    it('dead-letters a message whose consumer never acks it', async () => {
      await h.queue.send(Q, { body: 'abandoned' });
      for (let attempt = 1; attempt <= h.maxReceives; attempt++) {
        const [m] = await collect(Q, 1);
        expect(m?.attempt).toBe(attempt);
        await h.advance(VT + 100);
      }
      await expectEmpty(Q);
      expect((await h.deadLetters(Q)).map((d) => d.body)).toEqual(['abandoned']);
    });
  });
}
