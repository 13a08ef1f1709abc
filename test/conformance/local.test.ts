import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '@vigil/core';
import { SqliteStateStore } from '@vigil/adapter-local';
import { SqliteQueue } from '@vigil/adapter-local';
import { stateStoreConformance } from './state-store.suite';
import { queueConformance } from './queue.suite';

const START = Date.UTC(2026, 0, 1);

function tempDir(): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-conformance-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

stateStoreConformance('SQLite (file)', async () => {
  const { dir, remove } = tempDir();
  const clock = new ManualClock(START);
  const store = new SqliteStateStore(join(dir, 'state.db'), clock);
  return {
    store,
    clock,
    cleanup: async () => {
      store.close();
      remove();
    },
  };
});

stateStoreConformance('SQLite (:memory:)', async () => {
  const clock = new ManualClock(START);
  const store = new SqliteStateStore(':memory:', clock);
  return { store, clock, cleanup: async () => store.close() };
});

queueConformance('SQLite queue', async () => {
  const { dir, remove } = tempDir();
  const clock = new ManualClock(START);
  const maxReceives = 3;
  const queue = new SqliteQueue(join(dir, 'queue.db'), clock, { maxReceives });
  return {
    queue,
    receive: (name, max, vt) => queue.receive(name, max, vt),
    ack: (_name, id) => queue.ack(id),
    nack: (_name, id, delayMs, error) => queue.nack(id, delayMs, error),
    deadLetters: (name) => queue.deadLetters(name),
    advance: async (ms) => clock.advance(ms),
    maxReceives,
    cleanup: async () => {
      queue.close();
      remove();
    },
  };
});
