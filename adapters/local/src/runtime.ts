import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { createContext, generateApiKey, http, jsonLogger, processBatch, systemClock, DEFAULT_TENANT, type Clock, type Context, type LimitsConfig, type Logger } from '@vigil/core';
import { evaluateMessageSchema, healMessageSchema, ingestMessageSchema, notifyMessageSchema } from '@vigil/events';
import { createApi } from '@vigil/api';
import * as ingest from '@vigil/fn-ingest';
import * as evaluate from '@vigil/fn-evaluate';
import * as notify from '@vigil/fn-notify';
import * as heal from '@vigil/fn-heal';
import { SqliteStateStore } from './store';
import { SqliteQueue, QueueWorker } from './queue';
import { RuleScheduler } from './scheduler';
import { PeriodicJobs, DEFAULT_INTERVALS, type PeriodicIntervals } from './periodic';
import { InProcessEventBus } from './events';

export interface LocalOptions {
  dataDir: string;
  port?: number;
  host?: string;
  /** Admin key of the `default` tenant; generated when absent. */
  apiKey?: string;
  /** `VIGIL_OUTBOUND_ALLOW`: hosts or CIDRs outbound calls may reach despite the SSRF guard. */
  outboundAllow?: string;
  externalUrl?: string;
  clock?: Clock;
  logger?: Logger;
  /** Run queue workers and the scheduler (tests may drive them by hand instead). */
  background?: boolean;
  /** Real-time poll interval of idle queue workers. */
  pollIntervalMs?: number;
  maxBodyBytes?: number;
  /** `VIGIL_LIMITS`: ingest limits per tenant. */
  limits?: LimitsConfig;
  /** Cadences of predict, drift-detect and sample compaction. */
  intervals?: Partial<PeriodicIntervals>;
}

export interface LocalRuntime {
  url: string;
  port: number;
  adminKey: string;
  adminKeyGenerated: boolean;
  ctx: Context;
  store: SqliteStateStore;
  queue: SqliteQueue;
  workers: Record<'ingest' | 'evaluate' | 'notify' | 'heal', QueueWorker>;
  scheduler: RuleScheduler;
  /** predict, drift-detect and compaction on their cadences. */
  periodic: PeriodicJobs;
  events: InProcessEventBus;
  /** Processes every visible queue message until all queues are idle. */
  drain(): Promise<void>;
  stop(): Promise<void>;
}

/** Vigil on one machine: SQLite for state and queues, queue workers, the rule scheduler and the HTTP API. */
export async function startLocal(options: LocalOptions): Promise<LocalRuntime> {
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? jsonLogger((process.env.VIGIL_LOG_LEVEL as 'info') ?? 'info');
  mkdirSync(options.dataDir, { recursive: true });
  const store = new SqliteStateStore(join(options.dataDir, 'state.db'), clock);
  const queue = new SqliteQueue(join(options.dataDir, 'queue.db'), clock);
  const events = new InProcessEventBus(logger);
  const policy = http.OutboundPolicy.fromEnv(options.outboundAllow);
  const port = options.port ?? 8080;
  const externalUrl = options.externalUrl ?? `http://localhost:${port}`;
  const ctx = createContext({ store, queue, events, clock, logger, http: http.createHttpClient({ policy }) }, { externalUrl, limits: options.limits });

  const adminKeyGenerated = !options.apiKey;
  const adminKey = options.apiKey ?? generateApiKey();
  await ctx.services.apiKeys.create(adminKey, { tenant: DEFAULT_TENANT, scopes: ['admin:all'], name: 'admin', createdAt: clock.now() });

  const worker = (name: 'ingest' | 'evaluate' | 'notify' | 'heal', handler: (messages: Parameters<typeof processBatch>[0]) => Promise<{ failed: { id: string; error: string }[] }>) =>
    new QueueWorker({ queue, name, handler, logger, pollIntervalMs: options.pollIntervalMs ?? 250, visibilityTimeoutMs: 60_000 });
  const workers = {
    ingest: worker('ingest', (m) => processBatch(m, ingestMessageSchema, (input) => ingest.handle(input, ctx), logger)),
    evaluate: worker('evaluate', (m) => processBatch(m, evaluateMessageSchema, (input) => evaluate.handle(input, ctx), logger)),
    notify: worker('notify', (m) => processBatch(m, notifyMessageSchema, (input) => notify.handle(input, ctx), logger)),
    heal: worker('heal', (m) => processBatch(m, healMessageSchema, (input) => heal.handle(input, ctx), logger)),
  };
  const scheduler = new RuleScheduler(ctx);
  const periodic = new PeriodicJobs(ctx, { ...DEFAULT_INTERVALS, ...options.intervals });
  const api = createApi(ctx, { maxBodyBytes: options.maxBodyBytes, onRulesChanged: (tenant) => scheduler.refresh(tenant) });

  const server: ServerType = await new Promise((resolve) => {
    const s = serve({ fetch: api.fetch, port, hostname: options.host ?? '127.0.0.1' }, () => resolve(s));
  });
  const actualPort = (server.address() as AddressInfo).port;

  const sweep = setInterval(() => store.sweepExpired(), 60_000);
  sweep.unref();
  if (options.background !== false) {
    Object.values(workers).forEach((w) => w.start());
    await scheduler.start();
    periodic.start();
  } else {
    await scheduler.reloadAll();
  }

  return {
    url: `http://${options.host ?? '127.0.0.1'}:${actualPort}`,
    port: actualPort,
    adminKey,
    adminKeyGenerated,
    ctx,
    store,
    queue,
    workers,
    scheduler,
    periodic,
    events,
    async drain() {
      for (let round = 0; round < 100; round++) {
        let n = 0;
        for (const w of Object.values(workers)) n += await w.drain();
        if (n === 0) return;
      }
    },
    async stop() {
      clearInterval(sweep);
      scheduler.stop();
      periodic.stop();
      await Promise.all(Object.values(workers).map((w) => w.stop()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
      queue.close();
      store.close();
    },
  };
}
