import {
  DRIFT_SCORE_METRIC,
  fingerprint,
  formatLabels,
  listTenants,
  promql,
  SOURCE_METRIC_LABEL,
  withoutName,
  type Context,
  type DomainEvent,
  type JsonValue,
  type Labels,
  type Sample,
  type WriteOp,
} from '@vigil/core';
import type { DriftMessage, PostableAlert } from '@vigil/events';
import { DRIFT_TESTS, driftStatistics, ksCritical, MlConfigRepository, type DriftTest, type MlConfig } from '@vigil/ml';
import { DRIFT_DETECTED_METRIC, driftTargets, TEST_LABEL, type DriftTarget } from './targets';

export { DRIFT_DETECTED_METRIC, driftTargets, type DriftTarget } from './targets';

export interface DriftResult {
  tenants: number;
  targets: number;
  /** Series compared (enough samples in both windows). */
  series: number;
  /** Series left out for too few samples in either window. */
  skipped: number;
  /** (series, test) pairs over their threshold: one DriftDetected alert each. */
  detected: number;
}

/** What drift-detect keeps per series and tick (`dr#{tenant}`, `{series fingerprint}#{at}`). */
export interface DriftReport {
  metric: string;
  labels: Labels;
  at: number;
  windowMs: number;
  referenceOffsetMs: number;
  referenceSamples: number;
  currentSamples: number;
  statistics: Record<DriftTest, number>;
  thresholds: Partial<Record<DriftTest, number>>;
  detected: DriftTest[];
}

export const driftReportKey = (tenant: string, labels: Labels, at: number) => ({ pk: `dr#${tenant}`, sk: `${fingerprint(labels)}#${String(at).padStart(15, '0')}` });

const ALERTS_PER_MESSAGE = 500;

function values(samples: readonly promql.SamplePoint[], from: number, to: number): number[] {
  return samples.filter((s) => s.t > from && s.t <= to && Number.isFinite(s.v) && !promql.isStaleMarker(s.v)).map((s) => s.v);
}

function thresholdsFor(config: MlConfig['drift'], n: number, m: number): Partial<Record<DriftTest, number>> {
  const t: Partial<Record<DriftTest, number>> = { psi: config.thresholds.psi, ks: config.thresholds.ks ?? ksCritical(n, m) };
  if (config.thresholds.wasserstein !== undefined) t.wasserstein = config.thresholds.wasserstein;
  return t;
}

/**
 * A schedule tick: for each tenant (or the one named) compares, per watched series, the recent
 * window with the same-length window `referenceOffset` earlier (a week by default) by PSI, KS and
 * Wasserstein; writes `vigil_drift_score` and `vigil_drift_detected`, keeps a drift report, and
 * sends each drift over its threshold to notify as a `DriftDetected` alert, so routing, silences
 * and inhibition apply as to any alert. Everything is keyed by the tick's time: a redelivered tick
 * rewrites the same items and sends with the same dedup key.
 */
export async function handle(input: DriftMessage, ctx: Context): Promise<DriftResult> {
  const at = input.at ?? ctx.clock.now();
  const configs = new MlConfigRepository(ctx.store);
  const tenants = input.tenant ? [input.tenant] : await listTenants(ctx.store);
  const result: DriftResult = { tenants: tenants.length, targets: 0, series: 0, skipped: 0, detected: 0 };
  for (const tenant of tenants) {
    const config = await configs.get(tenant);
    const groups = await ctx.services.ruleGroups.list(tenant);
    const targets = driftTargets(
      groups.map((g) => g.group),
      config,
    );
    result.targets += targets.length;
    const samples: Sample[] = [];
    const reports: WriteOp[] = [];
    const alerts: PostableAlert[] = [];
    // Two targets may select the same series; it is compared, reported and alerted once.
    const seen = new Set<string>();
    for (const target of targets) {
      for (const report of await compareTarget(tenant, target, at, config.drift, ctx)) {
        if (!report) {
          result.skipped++;
          continue;
        }
        const id = fingerprint({ ...report.labels, __name__: report.metric });
        if (seen.has(id)) continue;
        seen.add(id);
        result.series++;
        reports.push({ type: 'put', ...driftReportKey(tenant, { ...report.labels, __name__: report.metric }, at), value: report as unknown as JsonValue, expiresAt: at + config.drift.reportTtl });
        for (const test of DRIFT_TESTS) {
          const base = { ...report.labels, [SOURCE_METRIC_LABEL]: report.metric, [TEST_LABEL]: test };
          const value = report.statistics[test];
          if (Number.isFinite(value)) samples.push({ labels: { ...base, __name__: DRIFT_SCORE_METRIC }, t: at, v: value });
          samples.push({ labels: { ...base, __name__: DRIFT_DETECTED_METRIC }, t: at, v: report.detected.includes(test) ? 1 : 0 });
        }
        for (const test of report.detected) alerts.push(driftAlert(report, test, config.drift, ctx));
      }
    }
    result.detected += alerts.length;
    if (samples.length > 0) await ctx.services.series.write(tenant, samples);
    if (reports.length > 0) await ctx.store.batchWrite(reports);
    for (let i = 0; i < alerts.length; i += ALERTS_PER_MESSAGE) {
      await ctx.queue.send('notify', { body: { kind: 'alerts', tenant, alerts: alerts.slice(i, i + ALERTS_PER_MESSAGE) }, dedupKey: `drift#${tenant}#${at}#${i / ALERTS_PER_MESSAGE}` });
    }
    if (alerts.length > 0) {
      const events: DomainEvent[] = alerts.map((a) => ({ type: 'DriftDetected', tenant, time: at, detail: { labels: a.labels, annotations: a.annotations } }));
      await ctx.events.publish(events);
    }
  }
  return result;
}

/** One report per series of the target; `undefined` for a series with too few samples in a window. */
async function compareTarget(tenant: string, target: DriftTarget, at: number, config: MlConfig['drift'], ctx: Context): Promise<(DriftReport | undefined)[]> {
  const source = ctx.services.series.source(tenant);
  const refEnd = at - config.referenceOffset;
  const [current, reference] = await Promise.all([
    source.select(target.matchers, at - config.window, at),
    source.select(target.matchers, refEnd - config.window, refEnd),
  ]);
  const refByKey = new Map(reference.map((s) => [fingerprint(s.labels), s]));
  return current.map((s) => {
    const cur = values(s.samples, at - config.window, at);
    const ref = values(refByKey.get(fingerprint(s.labels))?.samples ?? [], refEnd - config.window, refEnd);
    if (cur.length < config.minSamples || ref.length < config.minSamples) return undefined;
    const statistics = driftStatistics(ref, cur);
    const thresholds = thresholdsFor(config, ref.length, cur.length);
    const detected = DRIFT_TESTS.filter((t) => thresholds[t] !== undefined && statistics[t] > thresholds[t]!);
    return {
      metric: target.metric,
      labels: withoutName(s.labels),
      at,
      windowMs: config.window,
      referenceOffsetMs: config.referenceOffset,
      referenceSamples: ref.length,
      currentSamples: cur.length,
      statistics,
      thresholds,
      detected,
    };
  });
}

function driftAlert(report: DriftReport, test: DriftTest, config: MlConfig['drift'], ctx: Context): PostableAlert {
  const value = report.statistics[test];
  const threshold = report.thresholds[test]!;
  const source = { ...report.labels, __name__: report.metric };
  const expr = `${DRIFT_SCORE_METRIC}${formatLabels({ ...report.labels, [SOURCE_METRIC_LABEL]: report.metric, [TEST_LABEL]: test })}`;
  return {
    labels: { ...report.labels, alertname: 'DriftDetected', [SOURCE_METRIC_LABEL]: report.metric, [TEST_LABEL]: test, severity: config.severity },
    annotations: {
      summary: `${report.metric} drifted from its reference window (${test} ${value.toPrecision(4)} > ${threshold.toPrecision(4)})`,
      description: `${formatLabels(source)}: the last ${Math.round(report.windowMs / 60_000)}m (${report.currentSamples} samples) against the same window ${Math.round(report.referenceOffsetMs / 3_600_000)}h earlier (${report.referenceSamples} samples).`,
      statistic: String(value),
      threshold: String(threshold),
    },
    startsAt: report.at,
    endsAt: report.at + config.alertFor,
    generatorURL: `${ctx.settings.externalUrl}/prometheus/graph?g0.expr=${encodeURIComponent(expr)}&g0.tab=1`,
  };
}
