import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createContext, http, noopEventBus, silentLogger, type Clock, type Context, type EventBus, type Logger } from '@vigil/core';
import { SqliteStateStore } from './store';
import { SqliteQueue } from './queue';

export interface LocalContext {
  ctx: Context;
  store: SqliteStateStore;
  queue: SqliteQueue;
  /** Closes the databases and removes their folder. */
  close(): void;
}

/**
 * A handler context on a fresh SQLite store and queue in a temporary folder, without the HTTP
 * server or workers: what tests and benchmarks of a single handler drive by hand.
 */
export function openLocalContext(clock: Clock, options: { events?: EventBus; logger?: Logger; outboundAllow?: string; prefix?: string } = {}): LocalContext {
  const dir = mkdtempSync(join(tmpdir(), options.prefix ?? 'vigil-'));
  const store = new SqliteStateStore(join(dir, 'state.db'), clock);
  const queue = new SqliteQueue(join(dir, 'queue.db'), clock);
  const ctx = createContext({
    store,
    queue,
    clock,
    events: options.events ?? noopEventBus,
    logger: options.logger ?? silentLogger,
    http: http.createHttpClient({ policy: http.OutboundPolicy.fromEnv(options.outboundAllow) }),
  });
  return {
    ctx,
    store,
    queue,
    close() {
      queue.close();
      store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
