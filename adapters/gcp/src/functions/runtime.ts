import { Firestore } from '@google-cloud/firestore';
import { PubSub } from '@google-cloud/pubsub';
import { limitsFromEnv, createContext, DEFAULT_TENANT, http, jsonLogger, systemClock, type Clock, type Context, type Logger } from '@vigil/core';
import { FirestoreStateStore } from '../firestore';
import { PubSubEventBus, PubSubNames, PubSubQueue } from '../pubsub';
import { parseGcpEnv, type GcpEnv } from './env';

/** What the function wrappers share within one instance. */
export interface GcpRuntime {
  ctx: Context;
  names: PubSubNames;
  env: GcpEnv;
  close(): Promise<void>;
}

export interface RuntimeOverrides {
  clock?: Clock;
  logger?: Logger;
}

/**
 * Builds the ports from the environment: Firestore for state, Pub/Sub for queues and domain
 * events. The client libraries honour FIRESTORE_EMULATOR_HOST and PUBSUB_EMULATOR_HOST.
 */
export function createGcpRuntime(rawEnv: Record<string, string | undefined> = process.env, overrides: RuntimeOverrides = {}): GcpRuntime {
  const env = parseGcpEnv(rawEnv);
  const clock = overrides.clock ?? systemClock;
  const logger = overrides.logger ?? jsonLogger(env.VIGIL_LOG_LEVEL);
  const projectId = env.GOOGLE_CLOUD_PROJECT;
  const firestore = new Firestore(projectId ? { projectId } : {});
  const pubsub = new PubSub(projectId ? { projectId } : {});
  const names = new PubSubNames(env.VIGIL_PUBSUB_PREFIX);
  const store = new FirestoreStateStore(firestore, clock, { collection: env.VIGIL_FIRESTORE_COLLECTION });
  const queue = new PubSubQueue(pubsub, { names, clock });
  const events = new PubSubEventBus(pubsub, names.eventsTopic());
  const policy = http.OutboundPolicy.fromEnv(env.VIGIL_OUTBOUND_ALLOW);
  const ctx = createContext(
    { store, queue, events, clock, logger, http: http.createHttpClient({ policy }) },
    { ...(env.VIGIL_EXTERNAL_URL ? { externalUrl: env.VIGIL_EXTERNAL_URL } : {}), limits: limitsFromEnv(process.env.VIGIL_LIMITS) },
  );
  return {
    ctx,
    names,
    env,
    async close() {
      await pubsub.close();
      await firestore.terminate();
    },
  };
}

let current: Promise<GcpRuntime> | undefined;

/** The instance's runtime, built on first use and kept while the instance is warm. */
export function getRuntime(): Promise<GcpRuntime> {
  current ??= (async () => createGcpRuntime())().catch((err: unknown) => {
    current = undefined; // a bad environment is reported on every call, not cached
    throw err;
  });
  return current;
}

/** Replaces (or, with no argument, drops) the instance's runtime; for tests and local runs. */
export async function setRuntime(runtime?: GcpRuntime): Promise<void> {
  const previous = current;
  current = runtime ? Promise.resolve(runtime) : undefined;
  if (previous) await (await previous.catch(() => undefined))?.close();
}

/** Stores the admin key from VIGIL_API_KEY (hashed) once per instance. */
const bootstrapped = new WeakSet<GcpRuntime>();
export async function bootstrapAdminKey(runtime: GcpRuntime): Promise<void> {
  if (bootstrapped.has(runtime) || !runtime.env.VIGIL_API_KEY) return;
  await runtime.ctx.services.apiKeys.create(runtime.env.VIGIL_API_KEY, {
    tenant: DEFAULT_TENANT,
    scopes: ['admin:all'],
    name: 'admin',
    createdAt: runtime.ctx.clock.now(),
  });
  bootstrapped.add(runtime);
}
