import {
  ANOMALY_SCORE_METRIC,
  FORECAST_METRIC,
  fingerprint,
  formatHorizon,
  listTenants,
  promql,
  ModelContractError,
  SOURCE_METRIC_LABEL,
  withoutName,
  type Context,
  type Labels,
  type ModelRunner,
  type Sample,
} from '@vigil/core';
import type { PredictMessage } from '@vigil/events';
import { batches, FORECAST_QUANTILE_LEVELS, gridWindow, MlConfigRepository, ModelRegistry, OnnxModelRunner, STALENESS_MS, type Window } from '@vigil/ml';
import { predictTargets, type PredictTarget } from './targets';

export { predictTargets, type PredictTarget } from './targets';

export interface PredictResult {
  tenants: number;
  targets: number;
  /** Source series that got a score or forecast. */
  series: number;
  /** Samples written (scores plus forecast quantiles). */
  samples: number;
  /** Source series left out for too few recent points. */
  skipped: number;
  /** Targets that failed (unknown model, broken contract); logged, the rest still ran. */
  failed: number;
}

export interface PredictDeps {
  runner?: ModelRunner;
  registry?: ModelRegistry;
}

/** Fewer points than this in a window say too little about a series to score or forecast it. */
export const MIN_POINTS = 10;
const WRITE_CHUNK = 5_000;

let shared: { runner: OnnxModelRunner; registry: ModelRegistry } | undefined;
/** One runner per warm instance: sessions load once, at the first tick that needs them. */
function sharedDeps(): { runner: ModelRunner; registry: ModelRegistry } {
  if (!shared) {
    const runner = new OnnxModelRunner();
    shared = { runner, registry: runner.registry };
  }
  return shared;
}

/**
 * A schedule tick: for each tenant (or the one named), scores and forecasts the series its rules
 * and ML configuration ask about, and writes the results as ordinary series at the tick's time —
 * `vigil_anomaly_score` and `vigil_forecast` — which the rule functions read. Writing the same
 * tick twice writes the same samples, so a redelivered tick is harmless.
 */
export async function handle(input: PredictMessage, ctx: Context, deps: PredictDeps = {}): Promise<PredictResult> {
  const at = input.at ?? ctx.clock.now();
  const fallback = deps.runner && deps.registry ? undefined : sharedDeps();
  const runner = deps.runner ?? fallback!.runner;
  const registry = deps.registry ?? (deps.runner ? new ModelRegistry() : fallback!.registry);
  const configs = new MlConfigRepository(ctx.store);
  const tenants = input.tenant ? [input.tenant] : await listTenants(ctx.store);
  const result: PredictResult = { tenants: tenants.length, targets: 0, series: 0, samples: 0, skipped: 0, failed: 0 };
  for (const tenant of tenants) {
    const targets = await predictTargets(tenant, await configs.get(tenant), ctx);
    result.targets += targets.length;
    const out: Sample[] = [];
    // Two targets may select the same series: the first one scores (or forecasts) it.
    const seen = new Set<string>();
    // Anomaly and forecast targets of one selector read the same series once.
    const reads = new Map<string, Promise<promql.SeriesData[]>>();
    for (const target of targets) {
      try {
        if (!registry.has(target.model, target.kind)) throw new ModelContractError(`no ${target.kind} model named "${target.model}"`);
        const r = await predictTarget(tenant, target, at, runner, ctx, seen, reads);
        out.push(...r.samples);
        result.series += r.series;
        result.skipped += r.skipped;
      } catch (err) {
        if (!(err instanceof ModelContractError)) throw err;
        result.failed++;
        ctx.logger.warn('predict target failed', { tenant, selector: target.selector, model: target.model, error: err.message });
      }
    }
    for (let i = 0; i < out.length; i += WRITE_CHUNK) await ctx.services.series.write(tenant, out.slice(i, i + WRITE_CHUNK));
    result.samples += out.length;
  }
  return result;
}

interface Item {
  labels: Labels;
  window: Window;
}

/** Reads the target's series, runs its model in one batch per window length, and returns the samples to write. */
export async function predictTarget(
  tenant: string,
  target: PredictTarget,
  at: number,
  runner: ModelRunner,
  ctx: Context,
  seen = new Set<string>(),
  reads = new Map<string, Promise<promql.SeriesData[]>>(),
): Promise<{ samples: Sample[]; series: number; skipped: number }> {
  const start = at - target.windowMs - STALENESS_MS;
  const readKey = `${target.selector}\u0000${start}`;
  let read = reads.get(readKey);
  if (!read) reads.set(readKey, (read = ctx.services.series.source(tenant).select(target.matchers, start, at)));
  const data = await read;
  const items: Item[] = [];
  let skipped = 0;
  for (const s of data) {
    const id = `${target.kind}\u0000${fingerprint(s.labels)}`;
    if (seen.has(id)) continue;
    seen.add(id);
    const window = gridWindow(s.samples, at, target.windowMs, target.points);
    // An anomaly score is about the series now: a series without a current value gets none.
    const current = window.times[window.times.length - 1] === at;
    if (window.values.length < MIN_POINTS || (target.kind === 'anomaly' && !current)) skipped++;
    else items.push({ labels: withoutName(s.labels), window });
  }
  const samples: Sample[] = [];
  for (const batch of batches(items, at)) {
    if (target.kind === 'anomaly') {
      const out = await runner.run(target.model, { window: batch.values });
      batch.items.forEach((item, row) => {
        const v = out.score!.data[row]!;
        if (Number.isFinite(v)) samples.push({ labels: { ...item.labels, [SOURCE_METRIC_LABEL]: target.metric, __name__: ANOMALY_SCORE_METRIC }, t: at, v: Math.min(1, Math.max(0, v)) });
      });
      continue;
    }
    for (const h of target.horizonsMs) {
      const horizon = { data: new Float32Array(batch.items.length).fill(h / 1000), dims: [batch.items.length, 1] };
      const out = await runner.run(target.model, { values: batch.values, times: batch.times, horizon });
      const q = FORECAST_QUANTILE_LEVELS.length;
      batch.items.forEach((item, row) => {
        for (const [bound, tensor] of [
          ['max', out.max_quantiles!],
          ['min', out.min_quantiles!],
        ] as const) {
          for (let i = 0; i < q; i++) {
            const v = tensor.data[row * q + i]! + batch.offsets[row]!;
            if (!Number.isFinite(v)) continue;
            samples.push({
              labels: { ...item.labels, [SOURCE_METRIC_LABEL]: target.metric, horizon: formatHorizon(h), bound, quantile: String(FORECAST_QUANTILE_LEVELS[i]), __name__: FORECAST_METRIC },
              t: at,
              v,
            });
          }
        }
      });
    }
  }
  return { samples, series: items.length, skipped };
}
