import * as z from 'zod';
import { SERIES_LIMITS } from '../model';

// Schemas are built at their first parse (z.lazy), not when a function's bundle loads (cold start).

/** The limits of a tenant nobody configured (the schema's defaults). */
export const DEFAULT_LIMITS = {
  ingestionRate: 1_000_000,
  ingestionBurstSize: 2_000_000,
  maxSeries: 1_000_000,
  maxLabelNamesPerSeries: SERIES_LIMITS.maxLabelNames,
  maxLabelNameLength: SERIES_LIMITS.maxLabelNameLength,
  maxLabelValueLength: SERIES_LIMITS.maxLabelValueLength,
  creationGracePeriodMs: 10 * 60_000,
  maxSamplesPerRequest: 1_000_000,
};

/**
 * Per-tenant ingest limits. Defaults follow Mimir's (`ingestion_rate`, `max_global_series_per_user`,
 * `max_label_names_per_series`, ...), scaled for one machine; every field may be overridden per tenant.
 */
const tenantLimitsShape = () => ({
  /** Sustained samples per second, per warm instance (token bucket refill rate). */
  ingestionRate: z.number().positive().default(DEFAULT_LIMITS.ingestionRate),
  /** Samples a burst may take above the rate (token bucket size). */
  ingestionBurstSize: z.number().int().positive().default(DEFAULT_LIMITS.ingestionBurstSize),
  /** Series the tenant may have in its index; a request that would create more is refused. 0 = unlimited. */
  maxSeries: z.number().int().nonnegative().default(DEFAULT_LIMITS.maxSeries),
  /** Labels per series, `__name__` included. */
  maxLabelNamesPerSeries: z.number().int().positive().default(DEFAULT_LIMITS.maxLabelNamesPerSeries),
  maxLabelNameLength: z.number().int().positive().default(DEFAULT_LIMITS.maxLabelNameLength),
  maxLabelValueLength: z.number().int().positive().default(DEFAULT_LIMITS.maxLabelValueLength),
  /** Samples further in the future than this (ms after now) are refused, as Mimir's creation grace period. */
  creationGracePeriodMs: z.number().int().nonnegative().default(DEFAULT_LIMITS.creationGracePeriodMs),
  /** Samples per request (after decoding). */
  maxSamplesPerRequest: z.number().int().positive().default(DEFAULT_LIMITS.maxSamplesPerRequest),
});

export const tenantLimitsSchema = z.lazy(() => z.object(tenantLimitsShape()));

export type TenantLimits = z.output<typeof tenantLimitsSchema>;
export type TenantLimitsInput = z.input<typeof tenantLimitsSchema>;

/** The names users see in rejections, so a 4xx says exactly which limit was hit. */
export const LIMIT_NAMES = {
  rate: 'ingestion_rate',
  series: 'max_series',
  labelCount: 'max_label_names_per_series',
  labelName: 'max_label_name_length',
  labelValue: 'max_label_value_length',
  future: 'creation_grace_period',
  requestSize: 'max_samples_per_request',
} as const;

/** Operator configuration of limits: defaults for every tenant, and per-tenant overrides. */
export const limitsConfigSchema = z.lazy(() => {
  const overrides = z.object(tenantLimitsShape()).partial();
  return z.strictObject({
    default: overrides.default({}),
    tenants: z.record(z.string(), overrides).default({}),
  });
});
export type LimitsConfig = z.output<typeof limitsConfigSchema>;

/**
 * `VIGIL_LIMITS`, as JSON: `{"default":{"ingestionRate":50000},"tenants":{"team-a":{"maxSeries":200000}}}`.
 * A bad value stops start-up with the field named, rather than running without the limits meant.
 */
export function limitsFromEnv(value: string | undefined): LimitsConfig {
  if (value === undefined || value.trim() === '') return limitsConfigSchema.parse({});
  let raw: unknown;
  try {
    raw = JSON.parse(value);
  } catch (err) {
    throw new Error(`VIGIL_LIMITS is not valid JSON: ${(err as Error).message}`);
  }
  const parsed = limitsConfigSchema.safeParse(raw);
  if (!parsed.success) {
    throw new Error(`VIGIL_LIMITS: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  return parsed.data;
}

/** The limits in force for one tenant under a configuration. */
export function limitsFor(config: LimitsConfig, tenant: string): TenantLimitsInput {
  return { ...config.default, ...(config.tenants[tenant] ?? {}) };
}
