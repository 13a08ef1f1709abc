import * as z from 'zod';
import { parseWith } from '@vigil/core';

/** The environment a deployed function reads; every value is checked once, at cold start. */
export const gcpEnvSchema = z.object({
  /** Project of Firestore and Pub/Sub; the client libraries discover it on GCP when absent. */
  GOOGLE_CLOUD_PROJECT: z.string().min(1).optional(),
  /** Prefix of topic and subscription names (`{prefix}evaluate`, ...). */
  VIGIL_PUBSUB_PREFIX: z.string().default('vigil-'),
  /** Root collection of the state store. */
  VIGIL_FIRESTORE_COLLECTION: z.string().regex(/^[^/]+$/, 'must be a collection ID (no "/")').default('vigil'),
  /** Base URL users reach the API at (generatorURL, externalURL). */
  VIGIL_EXTERNAL_URL: z.url().optional(),
  /** Hosts or CIDRs outbound calls may reach despite the SSRF guard. */
  VIGIL_OUTBOUND_ALLOW: z.string().optional(),
  /** Admin key of the `default` tenant, stored (hashed) when the api function starts. */
  VIGIL_API_KEY: z.string().min(16, 'must be at least 16 characters').optional(),
  VIGIL_LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  /** How long a queue message's dedup key is remembered, in ms. */
  VIGIL_DEDUP_WINDOW_MS: z.coerce.number().int().positive().default(5 * 60_000),
});
export type GcpEnv = z.output<typeof gcpEnvSchema>;

export function parseGcpEnv(env: Record<string, string | undefined>): GcpEnv {
  // GCLOUD_PROJECT is the older spelling some runtimes and tools still set.
  const project = env.GOOGLE_CLOUD_PROJECT ?? env.GCLOUD_PROJECT;
  const known = Object.fromEntries(Object.keys(gcpEnvSchema.shape).map((k) => [k, env[k] === '' ? undefined : env[k]]));
  return parseWith(gcpEnvSchema, { ...known, GOOGLE_CLOUD_PROJECT: project });
}
