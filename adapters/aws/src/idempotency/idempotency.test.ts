import { ManualClock, silentLogger } from '@vigil/core';
import { SqliteStateStore } from '@vigil/adapter-local';
import { DEDUP_WINDOW_MS, IdempotencyGuard } from './index';

describe('IdempotencyGuard', () => {
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  let store: SqliteStateStore;
  let guard: IdempotencyGuard;
  let runs: string[];
  const effect = (name: string) => async () => {
    runs.push(name);
  };

  beforeEach(() => {
    store = new SqliteStateStore(':memory:', clock);
    guard = new IdempotencyGuard(store, clock, silentLogger);
    runs = [];
  });
  afterEach(() => store.close());

  it('runs a key once, however often it is delivered', async () => {
    expect(await guard.run('q', 'm1', 60_000, effect('a'))).toBe(true);
    expect(await guard.run('q', 'm1', 60_000, effect('b'))).toBe(false);
    expect(await guard.run('other-queue', 'm1', 60_000, effect('c'))).toBe(true);
    expect(runs).toEqual(['a', 'c']);
  });

  it('releases the claim of a failed handler so the redelivery runs', async () => {
    await expect(guard.run('q', 'm1', 60_000, async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await guard.run('q', 'm1', 60_000, effect('retry'))).toBe(true);
    expect(runs).toEqual(['retry']);
  });

  it('refuses a key claimed by a live invocation, and takes over once that invocation is past its time', async () => {
    let release!: () => void;
    const first = guard.run('q', 'm1', 30_000, () => new Promise<void>((r) => (release = r)));
    await new Promise((r) => setImmediate(r));
    await expect(guard.run('q', 'm1', 30_000, effect('second'))).rejects.toThrow(/being handled/);
    release();
    await first;

    // A crashed invocation never finishes: its claim lapses with its lease.
    await store.put('idem#q#m2', 'm', { state: 'running' }, { expiresAt: clock.now() + 30_000 });
    await expect(guard.run('q', 'm2', 30_000, effect('early'))).rejects.toThrow(/being handled/);
    clock.advance(30_000);
    expect(await guard.run('q', 'm2', 30_000, effect('after crash'))).toBe(true);
    expect(runs).toEqual(['after crash']);
  });

  it('treats sends under one dedup key as one message only within the dedup window', async () => {
    const sent = clock.now();
    expect(await guard.run('q', 'k', 60_000, effect('first'), { sentAt: sent })).toBe(true);
    expect(await guard.run('q', 'k', 60_000, effect('producer retry'), { sentAt: sent + 2000 })).toBe(false);
    // A timer re-sent under its key long after the first send is a new message.
    expect(await guard.run('q', 'k', 60_000, effect('later timer'), { sentAt: sent + DEDUP_WINDOW_MS + 1 })).toBe(true);
    expect(await guard.run('q', 'k', 60_000, effect('its duplicate'), { sentAt: sent + DEDUP_WINDOW_MS + 500 })).toBe(false);
    expect(runs).toEqual(['first', 'later timer']);
  });
});
