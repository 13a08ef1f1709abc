import { GraphBuilder } from '../onnx/builder';

/**
 * The default forecast model, `linear-trend`: a least-squares line through the window, and the
 * spread of the residuals around it. Over (now, now + horizon] the line's extremes lie at its
 * ends, so the predicted maximum is max(line(now), line(now + horizon)) and the minimum the
 * smaller one; the quantiles add the normal prediction error of one new observation at the
 * horizon: σ·√(1 + 1/n + (h − t̄)²/Sxx)·Φ⁻¹(q). This is the distribution of the trend's
 * extreme, not of the largest of many noisy future points: for noisy series it understates the
 * upper tail of the maximum (see docs/ML.md).
 *
 * Inputs  `values` [batch, n], `times` [batch, n] in seconds relative to now (≤ 0),
 *         `horizon` [batch, 1] in seconds; n ≥ 3.
 * Outputs `max_quantiles`, `min_quantiles` [batch, 9] at FORECAST_QUANTILE_LEVELS;
 *         `slope` [batch, 1] in units per second.
 */
export const FORECAST_QUANTILE_LEVELS = [0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99] as const;
/** Φ⁻¹ of the levels above (standard normal quantiles). */
export const NORMAL_QUANTILES = [-2.3263478740408408, -1.6448536269514729, -1.2815515655446004, -0.6744897501960817, 0, 0.6744897501960817, 1.2815515655446004, 1.6448536269514729, 2.3263478740408408] as const;
const TINY = 1e-12;

export function buildForecastModel(): Uint8Array {
  const g = new GraphBuilder();
  const values = g.input('values', ['batch', 'n']);
  const times = g.input('times', ['batch', 'n']);
  const horizon = g.input('horizon', ['batch', 1]);
  const axis1 = g.int64s([1]);
  const mean = (x: string) => g.op('ReduceMean', [x], { axes: { ints: [1] }, keepdims: { int: 1 } });
  const sum = (x: string) => g.op('ReduceSum', [x, axis1], { keepdims: { int: 1 } });

  const tMean = mean(times);
  const vMean = mean(values);
  const dt = g.op('Sub', [times, tMean]);
  const dv = g.op('Sub', [values, vMean]);
  const sxx = g.op('Max', [sum(g.op('Mul', [dt, dt])), g.floats([TINY], [])]);
  const slope = g.op('Div', [sum(g.op('Mul', [dt, dv])), sxx]);
  const atNow = g.op('Sub', [vMean, g.op('Mul', [slope, tMean])]);
  const atEnd = g.op('Add', [atNow, g.op('Mul', [slope, horizon])]);

  const residual = g.op('Sub', [dv, g.op('Mul', [slope, dt])]);
  const n = g.op('Cast', [g.op('Gather', [g.op('Shape', [values]), g.int64s([1])], { axis: { int: 0 } })], { to: { int: 1 } });
  const dof = g.op('Max', [g.op('Sub', [n, g.floats([2], [])]), g.floats([1], [])]);
  const variance = g.op('Div', [sum(g.op('Mul', [residual, residual])), dof]);
  const lever = g.op('Sub', [horizon, tMean]);
  const inflation = g.op('Add', [g.op('Add', [g.floats([1], []), g.op('Reciprocal', [n])]), g.op('Div', [g.op('Mul', [lever, lever]), sxx])]);
  const spread = g.op('Sqrt', [g.op('Mul', [variance, inflation])]);
  const z = g.floats([...NORMAL_QUANTILES], [NORMAL_QUANTILES.length]);
  const offsets = g.op('Mul', [spread, z]);

  g.output(g.op('Add', [g.op('Max', [atNow, atEnd]), offsets]), 'max_quantiles', ['batch', NORMAL_QUANTILES.length]);
  g.output(g.op('Add', [g.op('Min', [atNow, atEnd]), offsets]), 'min_quantiles', ['batch', NORMAL_QUANTILES.length]);
  g.output(slope, 'slope', ['batch', 1]);
  return g.toBytes({ name: 'linear-trend', doc: 'least-squares trend with residual spread: quantiles of the max/min of the trend over the horizon', opset: 13, version: 1 });
}

/** The same math in plain TypeScript (float64), the reference the ONNX model is tested against. */
export function linearTrendReference(values: readonly number[], times: readonly number[], horizon: number): { max: number[]; min: number[]; slope: number } {
  const n = values.length;
  const tMean = times.reduce((a, b) => a + b, 0) / n;
  const vMean = values.reduce((a, b) => a + b, 0) / n;
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    sxx += (times[i]! - tMean) ** 2;
    sxy += (times[i]! - tMean) * (values[i]! - vMean);
  }
  sxx = Math.max(sxx, TINY);
  const slope = sxy / sxx;
  const atNow = vMean - slope * tMean;
  const atEnd = atNow + slope * horizon;
  let sse = 0;
  for (let i = 0; i < n; i++) sse += (values[i]! - vMean - slope * (times[i]! - tMean)) ** 2;
  const variance = sse / Math.max(n - 2, 1);
  const spread = Math.sqrt(variance * (1 + 1 / n + (horizon - tMean) ** 2 / sxx));
  return {
    max: NORMAL_QUANTILES.map((q) => Math.max(atNow, atEnd) + spread * q),
    min: NORMAL_QUANTILES.map((q) => Math.min(atNow, atEnd) + spread * q),
    slope,
  };
}
