import { limitsFromEnv, createContext, DEFAULT_TENANT, http, jsonLogger, systemClock, type Clock, type Context, type Logger } from '@vigil/core';
import { createApi } from '@vigil/api';
import { TableStateStore } from '../store';
import { StorageQueue } from '../queue';
import { QueueEventBus } from '../events';
import { readSettings, storageConnection, type AzureSettings } from './settings';

/** What every trigger wrapper works with: the handler context plus the Azure pieces behind it. */
export interface AzureRuntime {
  ctx: Context;
  store: TableStateStore;
  queue: StorageQueue;
  api: ReturnType<typeof createApi>;
}

export interface AzureRuntimeOptions {
  settings: AzureSettings;
  clock?: Clock;
  logger?: Logger;
}

/** Builds the runtime: creates the table if missing and registers the admin key when one is set. */
export async function createAzureRuntime(options: AzureRuntimeOptions): Promise<AzureRuntime> {
  const { settings } = options;
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? jsonLogger(settings.VIGIL_LOG_LEVEL);
  const connection = storageConnection(settings);
  const store = await TableStateStore.fromConnectionString(connection, settings.VIGIL_AZURE_TABLE, clock, { logger });
  const queue = StorageQueue.fromConnectionString(connection, { prefix: settings.VIGIL_AZURE_QUEUE_PREFIX });
  const events = new QueueEventBus(queue);
  const policy = http.OutboundPolicy.fromEnv(settings.VIGIL_OUTBOUND_ALLOW);
  const ctx = createContext(
    { store, queue, events, clock, logger, http: http.createHttpClient({ policy }) },
    { ...(settings.VIGIL_EXTERNAL_URL ? { externalUrl: settings.VIGIL_EXTERNAL_URL } : {}), limits: limitsFromEnv(process.env.VIGIL_LIMITS) },
  );
  if (settings.VIGIL_API_KEY) {
    // Written on every cold start: the same key, so the put only refreshes its record.
    await ctx.services.apiKeys.create(settings.VIGIL_API_KEY, { tenant: DEFAULT_TENANT, scopes: ['admin:all'], name: 'admin', createdAt: clock.now() });
  }
  return { ctx, store, queue, api: createApi(ctx) };
}

let instance: Promise<AzureRuntime> | undefined;

/**
 * The runtime of this warm instance, built once from the environment on first use. A failed
 * build is forgotten, so the next invocation tries again instead of failing forever.
 */
export function runtimeFromEnv(): Promise<AzureRuntime> {
  if (!instance) {
    instance = Promise.resolve().then(() => createAzureRuntime({ settings: readSettings() }));
    instance.catch(() => {
      instance = undefined;
    });
  }
  return instance;
}
