import * as z from 'zod';
import { parseDuration, parseWith, promql, ValidationError, type StateStore } from '@vigil/core';

// Schemas are z.lazy: built at their first parse, not when a function's bundle loads (cold start).

/** A Prometheus duration (`90s`, `1h`, `1w`), parsed to milliseconds. */
const duration = z.lazy(() =>
  z.string().transform((text, ctx) => {
    try {
      const ms = parseDuration(text);
      if (ms > 0) return ms;
      ctx.addIssue({ code: 'custom', message: 'must be longer than 0s' });
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message });
    }
    return z.NEVER;
  }),
);

/** A PromQL vector selector with a metric name, e.g. `http_latency_seconds{job="api"}`. */
const selector = z.lazy(() =>
  z
    .string()
    .min(1)
    .max(2048)
    .superRefine((text, ctx) => {
      try {
        const expr = promql.parsePromQL(text);
        if (expr.kind !== 'VectorSelector' || !expr.name) ctx.addIssue({ code: 'custom', message: 'must be a vector selector with a metric name, e.g. up{job="api"}' });
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
      }
    }),
);

const DAY_MS = 24 * 60 * 60_000;
/** A duration with an upper bound: windows are read on every tick, so their size is the tick's cost. */
const durationAtMost = (maxMs: number, max: string) => duration.refine((ms) => ms <= maxMs, `must be at most ${max}`);

const modelName = z.lazy(() => z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'must be a model name of the registry'));

export const DEFAULT_WINDOW_MS = 60 * 60_000;
export const DEFAULT_POINTS = 60;
export const DEFAULT_HORIZONS_MS = [4 * 60 * 60_000];

/**
 * A tenant's explicit ML configuration, next to what its rules ask for: extra series to score or
 * forecast (with a model, window and horizons of their own), and the drift detector's settings.
 */
export const mlConfigSchema = z.lazy(() =>
  z
    .object({
      targets: z
        .array(
          z
            .object({
              kind: z.enum(['anomaly', 'forecast']),
              selector,
              model: modelName.optional(),
              window: durationAtMost(7 * DAY_MS, '7d').optional(),
              points: z.number().int().min(3).max(1440).optional(),
              horizons: z.array(durationAtMost(30 * DAY_MS, '30d')).min(1).max(8).optional(),
            })
            .strict(),
        )
        .max(200)
        .default([]),
      drift: z
        .object({
          targets: z.array(z.object({ selector }).strict()).max(200).default([]),
          window: durationAtMost(7 * DAY_MS, '7d').default(DEFAULT_WINDOW_MS),
          /** Sample retention is 15 days: a reference further back would always be empty. */
          referenceOffset: durationAtMost(14 * DAY_MS, '14d').default(7 * DAY_MS),
          minSamples: z.number().int().min(2).max(100_000).default(20),
          thresholds: z
            .object({
              psi: z.number().positive().default(0.25),
              /** Absent: the KS critical value at α = 0.01 for the two sample sizes. */
              ks: z.number().positive().max(1).optional(),
              /** In the series' own unit; absent: Wasserstein is reported, never alerted on. */
              wasserstein: z.number().positive().optional(),
            })
            .strict()
            .default({ psi: 0.25 }),
          severity: z.string().min(1).max(64).default('warning'),
          /** How long a drift alert stays active without being detected again. */
          alertFor: duration.default(2 * 60 * 60_000),
          /** How long drift reports are kept. */
          reportTtl: duration.default(14 * 24 * 60 * 60_000),
        })
        .strict()
        .prefault({}),
    })
    .strict(),
);

export type MlConfig = z.output<typeof mlConfigSchema>;
export type MlConfigInput = z.input<typeof mlConfigSchema>;

const key = (tenant: string) => ({ pk: `mlcfg#${tenant}`, sk: 'config' });

/** The ML configuration of each tenant, stored as given (validated) and read with defaults applied. */
export class MlConfigRepository {
  constructor(private readonly store: StateStore) {}

  /** Validates and stores; a bad document is a ValidationError with the field path. */
  async put(tenant: string, input: unknown): Promise<MlConfig> {
    const parsed = parseWith(mlConfigSchema, input);
    const { pk, sk } = key(tenant);
    await this.store.put(pk, sk, JSON.parse(JSON.stringify(input)));
    return parsed;
  }

  async get(tenant: string): Promise<MlConfig> {
    const { pk, sk } = key(tenant);
    const item = await this.store.get(pk, sk);
    try {
      return parseWith(mlConfigSchema, item?.value ?? {});
    } catch (err) {
      // A stored document that no longer validates (a schema change) must not stop prediction.
      if (err instanceof ValidationError) return parseWith(mlConfigSchema, {});
      throw err;
    }
  }
}
