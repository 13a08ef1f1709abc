import type { Clock, StateStore } from '../ports';
import { fingerprint, METRIC_NAME, type Labels } from '../model';
import { casUpdate } from '../alertmanager/store';
import { seriesKeys } from '../tsdb/series-store';
import { LimitError } from './errors';
import { checkSeriesLabels } from './labels';
import { DEFAULT_LIMITS, LIMIT_NAMES, tenantLimitsSchema, type TenantLimits, type TenantLimitsInput } from './schema';
import { TokenBucket } from './token-bucket';
import { ValidationError, type Issue } from '../errors';

/** One series of a request as every ingest format decodes it: labels once, then its samples. */
export interface SeriesInput {
  labels: Labels;
  samples: { t: number; v: number }[];
  /** The labels' fingerprint, when the decoder has it already. */
  id?: string;
  /** The metric name (`labels.__name__`), when the decoder has it already. */
  metric?: string;
}

/** What admit() reserved, handed back to commit() once the write landed. */
export interface Admission {
  tenant: string;
  samples: number;
}

/** How long a read of a tenant's series count serves the series-limit check (the exact check, by index, runs near the limit whatever it says). */
const COUNT_FRESH_MS = 1_000;

export const limitKeys = {
  counters: (tenant: string) => `lim#${tenant}`,
};

interface SeriesCounter {
  series: number;
  [key: string]: number;
}

export interface IngestLimiterOptions {
  /** Limits per tenant; defaults apply to tenants it does not name. */
  limits?: (tenant: string) => TenantLimitsInput | undefined;
}

/**
 * Enforces a tenant's ingest limits on every path (HTTP JSON, remote write, OTLP, queue).
 *
 * - label syntax and sizes, future timestamps, request size: 400, nothing stored;
 * - series: the tenant's series count is a counter item raised by the series a write really
 *   created (create-only index writes, so racing writers never count one series twice). A
 *   request is checked series by series against the index only when it could cross the limit;
 * - rate: a token bucket per tenant in this warm instance → 429 with a retry hint.
 */
export class IngestLimiter {
  private readonly buckets = new Map<string, TokenBucket>();
  private readonly resolved = new Map<string, TenantLimits>();
  private readonly counted = new Map<string, { series: number; readAt: number }>();
  /**
   * Frozen label sets (the remote-write decoder hands the same object back for a series it has
   * seen) already found valid under a tenant's limits: a series sent every scrape round is
   * checked once. Keyed by the limits object, so new limits check everything again.
   */
  private readonly validLabelSets = new WeakMap<TenantLimits, WeakSet<Labels>>();

  constructor(
    private readonly store: StateStore,
    private readonly clock: Clock,
    private readonly options: IngestLimiterOptions = {},
  ) {}

  limitsFor(tenant: string): TenantLimits {
    let limits = this.resolved.get(tenant);
    if (!limits) {
      const input = this.options.limits?.(tenant);
      limits = input ? tenantLimitsSchema.parse(input) : DEFAULT_LIMITS;
      this.resolved.set(tenant, limits);
    }
    return limits;
  }

  /** Syntax and per-series limits of a decoded request; throws a 400 listing up to 10 problems. */
  checkShape(tenant: string, series: SeriesInput[], pathOf: (i: number) => string = (i) => `timeseries[${i}]`): void {
    const limits = this.limitsFor(tenant);
    const issues: Issue[] = [];
    let limit: string | undefined;
    let total = 0;
    const latest = this.clock.now() + limits.creationGracePeriodMs;
    let valid = this.validLabelSets.get(limits);
    if (!valid) this.validLabelSets.set(limits, (valid = new WeakSet()));
    for (let i = 0; i < series.length && issues.length < 10; i++) {
      const s = series[i]!;
      total += s.samples.length;
      if (!valid.has(s.labels)) {
        // The path is only spelled out for a problem: building it for every series costs more than the check.
        const problem = checkSeriesLabels(s.labels, limits, '');
        if (problem) {
          limit ??= problem.limit;
          issues.push({ path: pathOf(i), message: problem.message });
          continue;
        }
        if (Object.isFrozen(s.labels)) valid.add(s.labels);
      }
      for (const sample of s.samples) {
        if (!Number.isSafeInteger(sample.t) || sample.t < 0) {
          issues.push({ path: pathOf(i), message: `invalid sample timestamp ${sample.t}: must be milliseconds since 1970` });
          break;
        }
        if (sample.t > latest) {
          limit ??= LIMIT_NAMES.future;
          issues.push({ path: pathOf(i), message: `sample timestamp ${new Date(sample.t).toISOString()} is too far in the future (limit ${LIMIT_NAMES.future})` });
          break;
        }
      }
    }
    if (issues.length > 0) throw limit ? new LimitError(limit, issues, 400) : new ValidationError(issues);
    if (total > limits.maxSamplesPerRequest) {
      throw new LimitError(LIMIT_NAMES.requestSize, [{ path: '', message: `request has ${total} samples, more than ${limits.maxSamplesPerRequest} (limit ${LIMIT_NAMES.requestSize})` }], 400);
    }
  }

  /**
   * Reserves the request's samples from the rate and checks the series limit. Throws LimitError
   * (429 rate, 400 series); on success the caller writes, then calls commit().
   */
  async admit(tenant: string, series: SeriesInput[]): Promise<Admission> {
    const limits = this.limitsFor(tenant);
    const samples = series.reduce((n, s) => n + s.samples.length, 0);
    const now = this.clock.now();
    let bucket = this.buckets.get(tenant);
    if (!bucket) this.buckets.set(tenant, (bucket = new TokenBucket(limits.ingestionRate, limits.ingestionBurstSize, now)));
    else bucket.reconfigure(limits.ingestionRate, limits.ingestionBurstSize);
    const taken = bucket.take(samples, now);
    if (!taken.ok) {
      const message =
        taken.retryAfterMs === Infinity
          ? `request of ${samples} samples is larger than the burst size ${limits.ingestionBurstSize} (limit ${LIMIT_NAMES.rate})`
          : `ingestion rate limit of ${limits.ingestionRate} samples/s with burst ${limits.ingestionBurstSize} exceeded (limit ${LIMIT_NAMES.rate})`;
      // A request that can never fit is permanently bad: 400, or a retrying client loops forever.
      throw new LimitError(LIMIT_NAMES.rate, [{ path: '', message }], taken.retryAfterMs === Infinity ? 400 : 429, taken.retryAfterMs);
    }
    try {
      await this.checkSeries(tenant, series, limits);
    } catch (err) {
      bucket.giveBack(samples);
      throw err;
    }
    return { tenant, samples };
  }

  /** Counts the series a write created against the tenant's limit. */
  async commit(tenant: string, newSeries: number): Promise<void> {
    if (newSeries <= 0) return;
    const updated = await casUpdate<SeriesCounter>(this.store, limitKeys.counters(tenant), 'series', (c) => ({ series: (c?.series ?? 0) + newSeries }));
    if (updated) this.counted.set(tenant, { series: updated.series, readAt: this.clock.now() });
  }

  async seriesCount(tenant: string): Promise<number> {
    const series = (await this.store.get<SeriesCounter>(limitKeys.counters(tenant), 'series'))?.value.series ?? 0;
    this.counted.set(tenant, { series, readAt: this.clock.now() });
    return series;
  }

  /**
   * The tenant's series count as of at most COUNT_FRESH_MS ago: the read every request would
   * otherwise make costs as much as a small request's own write. This instance's own creations
   * are in it at once; other instances' within that time.
   */
  private async recentSeriesCount(tenant: string): Promise<number> {
    const known = this.counted.get(tenant);
    if (known && this.clock.now() - known.readAt < COUNT_FRESH_MS) return known.series;
    return this.seriesCount(tenant);
  }

  private async checkSeries(tenant: string, series: SeriesInput[], limits: TenantLimits): Promise<void> {
    if (limits.maxSeries === 0) return;
    const current = await this.recentSeriesCount(tenant);
    // Only a request that could cross the limit pays for identifying and looking up its series.
    if (current + series.length <= limits.maxSeries) return;
    const ids = new Map<string, Labels>();
    for (const s of series) ids.set(s.id ?? fingerprint(s.labels), s.labels);
    let fresh = 0;
    for (const [id, labels] of ids) {
      const known = await this.store.get(seriesKeys.seriesIndex(tenant, labels[METRIC_NAME] ?? ''), id);
      if (!known) fresh++;
    }
    if (fresh > 0 && current + fresh > limits.maxSeries) {
      throw new LimitError(
        LIMIT_NAMES.series,
        [{ path: '', message: `tenant has ${current} series; ${fresh} new series would pass the limit of ${limits.maxSeries} (limit ${LIMIT_NAMES.series})` }],
        400,
      );
    }
  }
}
