import type { Labels } from '../../model/labels';
import { EvaluationError } from '../errors';
import type { CallContext } from '../functions';
import { labelsKey } from '../labelset';
import type { Matrix, Sample, Value } from '../value';
import { breachProbability, dropProbability, type QuantilePoint } from './forecast';
import { ANOMALY_LABELS, PREDICTION_LABELS, QUANTILE_LABEL } from './names';

/**
 * The extension functions, evaluated over the calls rewriteExtensionCall produced: the first
 * argument is a range of predict's series, of which each series' latest sample counts.
 */
function predictions(ctx: CallContext): Matrix {
  const m = ctx.args[0];
  if (m?.type !== 'matrix') throw new EvaluationError('extension function called without its rewritten selector');
  return m;
}

function without(labels: Labels, drop: ReadonlySet<string>): Labels {
  const out: Labels = {};
  for (const [k, v] of Object.entries(labels)) if (!drop.has(k)) out[k] = v;
  return out;
}

function anomalyScore(ctx: CallContext): Value {
  const samples: Sample[] = [];
  for (const s of predictions(ctx).series) {
    const last = s.points[s.points.length - 1];
    if (last) samples.push({ labels: without(s.labels, ANOMALY_LABELS), value: last.v });
  }
  return { type: 'vector', samples };
}

/** Groups the latest forecast quantiles by source series and applies `probability` to each. */
function forecastProbability(probability: (points: readonly QuantilePoint[], threshold: number) => number) {
  return (ctx: CallContext): Value => {
    const threshold = ctx.args[2];
    if (threshold?.type !== 'scalar') throw new EvaluationError('argument 3 must be a scalar');
    const bySource = new Map<string, { labels: Labels; points: QuantilePoint[] }>();
    for (const s of predictions(ctx).series) {
      const last = s.points[s.points.length - 1];
      const q = Number(s.labels[QUANTILE_LABEL]);
      // A series without a usable quantile level cannot be placed in the distribution.
      if (!last || s.labels[QUANTILE_LABEL] === undefined || !Number.isFinite(q) || q < 0 || q > 1) continue;
      const labels = without(s.labels, PREDICTION_LABELS);
      const key = labelsKey(labels);
      let entry = bySource.get(key);
      if (!entry) bySource.set(key, (entry = { labels, points: [] }));
      entry.points.push({ q, x: last.v });
    }
    const samples: Sample[] = [];
    for (const { labels, points } of bySource.values()) {
      const p = probability(points, threshold.value);
      if (!Number.isNaN(p)) samples.push({ labels, value: p });
    }
    return { type: 'vector', samples };
  };
}

export const EXTENSION_FUNCTIONS: Readonly<Record<string, (ctx: CallContext) => Value>> = {
  anomaly_score: anomalyScore,
  forecast_breach_probability: forecastProbability(breachProbability),
  forecast_drop_probability: forecastProbability(dropProbability),
};
