import * as z from 'zod';
import {
  limitsFromEnv,
  createContext,
  DEFAULT_TENANT,
  http,
  jsonLogger,
  parseWith,
  systemClock,
  type Clock,
  type Context,
  type Logger,
  type LogLevel,
  type Ports,
} from '@vigil/core';
import { dynamoClient, eventBridgeClient, sqsClient, type AwsClientOptions } from '../clients';
import { DynamoStateStore } from '../store';
import { SqsQueue } from '../queue';
import { EventBridgeBus } from '../events';
import { IdempotencyGuard } from '../idempotency';

// Schemas are z.lazy: built at their first parse, not when a function's bundle loads (cold start).

const optional = z.lazy(() => z.string().optional().transform((v) => (v === '' ? undefined : v)));

/** The environment every AWS handler reads (set by serverless.yml / CDK). */
export const awsEnvSchema = z.lazy(() =>
  z.object({
    VIGIL_TABLE: z.string().min(1, 'the DynamoDB table name is required'),
    VIGIL_EVENT_BUS: optional,
    AWS_REGION: z.string().min(1).default('us-east-1'),
    VIGIL_AWS_ENDPOINT: optional.pipe(z.url().optional()),
    VIGIL_QUEUE_URL_INGEST: optional,
    VIGIL_QUEUE_URL_EVALUATE: optional,
    VIGIL_QUEUE_URL_NOTIFY: optional,
    VIGIL_QUEUE_URL_HEAL: optional,
    VIGIL_OUTBOUND_ALLOW: optional,
    VIGIL_EXTERNAL_URL: optional,
    VIGIL_LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
    /** Optional bootstrap admin key of tenant `default`, created once if absent. */
    VIGIL_API_KEY: optional,
  }),
);
export type AwsEnv = z.output<typeof awsEnvSchema>;

export interface AwsRuntime {
  ctx: Context;
  guard: IdempotencyGuard;
  env: AwsEnv;
  /** Closes the SDK clients (tests; Lambda freezes instead). */
  destroy(): void;
}

export interface AwsRuntimeOverrides {
  clock?: Clock;
  logger?: Logger;
  /** Client options beyond region and endpoint (tests: emulator credentials, short timeouts). */
  client?: Partial<AwsClientOptions>;
  /** Wraps the ports before the context is built (instrumentation, fault injection). */
  wrapPorts?: (ports: Ports) => Ports;
}

/** Builds ports and context from the environment; the handlers do this once per cold start. */
export async function createAwsRuntime(source: NodeJS.ProcessEnv = process.env, overrides: AwsRuntimeOverrides = {}): Promise<AwsRuntime> {
  const env = parseWith(awsEnvSchema, source, 'env');
  const clock = overrides.clock ?? systemClock;
  const logger = overrides.logger ?? jsonLogger(env.VIGIL_LOG_LEVEL as LogLevel);
  const clientOptions: AwsClientOptions = { region: env.AWS_REGION, endpoint: env.VIGIL_AWS_ENDPOINT, ...overrides.client };
  const dynamo = dynamoClient(clientOptions);
  const sqs = sqsClient(clientOptions);
  const eventBridge = eventBridgeClient(clientOptions);
  const store = new DynamoStateStore({ client: dynamo, tableName: env.VIGIL_TABLE, clock });
  const queue = new SqsQueue({ client: sqs, urls: SqsQueue.urlsFromEnv(source) });
  const events = new EventBridgeBus({ client: eventBridge, busName: env.VIGIL_EVENT_BUS });
  const policy = http.OutboundPolicy.fromEnv(env.VIGIL_OUTBOUND_ALLOW);
  const base: Ports = { store, queue, events, clock, logger, http: http.createHttpClient({ policy }) };
  const ports = overrides.wrapPorts ? overrides.wrapPorts(base) : base;
  const ctx = createContext(ports, { ...(env.VIGIL_EXTERNAL_URL ? { externalUrl: env.VIGIL_EXTERNAL_URL } : {}), limits: limitsFromEnv(process.env.VIGIL_LIMITS) });
  if (env.VIGIL_API_KEY) await ensureAdminKey(ctx, env.VIGIL_API_KEY);
  return {
    ctx,
    guard: new IdempotencyGuard(ports.store, clock, logger),
    env,
    destroy() {
      dynamo.destroy();
      sqs.destroy();
      eventBridge.destroy();
    },
  };
}

async function ensureAdminKey(ctx: Context, key: string): Promise<void> {
  // Concurrent cold starts may both write it: the same record, so either write is fine.
  if (await ctx.services.apiKeys.lookup(key)) return;
  await ctx.services.apiKeys.create(key, { tenant: DEFAULT_TENANT, scopes: ['admin:all'], name: 'admin', createdAt: ctx.clock.now() });
}

let cached: Promise<AwsRuntime> | undefined;

/** The runtime of this warm instance, built on first use; a failed build is retried on the next call. */
export function getRuntime(): Promise<AwsRuntime> {
  if (!cached) {
    cached = createAwsRuntime().catch((err) => {
      cached = undefined;
      throw err;
    });
  }
  return cached;
}

/** Replaces the instance's runtime (tests, `invoke local` with emulators). */
export function setRuntime(runtime: AwsRuntime | Promise<AwsRuntime> | undefined): void {
  cached = runtime === undefined ? undefined : Promise.resolve(runtime);
}
