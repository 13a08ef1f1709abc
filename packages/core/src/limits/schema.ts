import { z } from 'zod';
import { SERIES_LIMITS } from '../model';

/**
 * Per-tenant ingest limits. Defaults follow Mimir's (`ingestion_rate`, `max_global_series_per_user`,
 * `max_label_names_per_series`, ...), scaled for one machine; every field may be overridden per tenant.
 */
export const tenantLimitsSchema = z.object({
  /** Sustained samples per second, per warm instance (token bucket refill rate). */
  ingestionRate: z.number().positive().default(1_000_000),
  /** Samples a burst may take above the rate (token bucket size). */
  ingestionBurstSize: z.number().int().positive().default(2_000_000),
  /** Series the tenant may have in its index; a request that would create more is refused. 0 = unlimited. */
  maxSeries: z.number().int().nonnegative().default(1_000_000),
  /** Labels per series, `__name__` included. */
  maxLabelNamesPerSeries: z.number().int().positive().default(SERIES_LIMITS.maxLabelNames),
  maxLabelNameLength: z.number().int().positive().default(SERIES_LIMITS.maxLabelNameLength),
  maxLabelValueLength: z.number().int().positive().default(SERIES_LIMITS.maxLabelValueLength),
  /** Samples further in the future than this (ms after now) are refused, as Mimir's creation grace period. */
  creationGracePeriodMs: z.number().int().nonnegative().default(10 * 60_000),
  /** Samples per request (after decoding). */
  maxSamplesPerRequest: z.number().int().positive().default(1_000_000),
});

export type TenantLimits = z.output<typeof tenantLimitsSchema>;
export type TenantLimitsInput = z.input<typeof tenantLimitsSchema>;

export const DEFAULT_LIMITS: TenantLimits = tenantLimitsSchema.parse({});

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
