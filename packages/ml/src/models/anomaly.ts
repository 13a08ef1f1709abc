import { GraphBuilder } from '../onnx/builder';

/**
 * The default anomaly model, `robust-z`: how far the newest point of a window lies from the
 * window's median, in units of the scaled median absolute deviation (MAD × 1.4826, which equals
 * the standard deviation for normal data), squashed into [0, 1) with erf(z / √2) — the share of
 * a normal distribution that lies closer to the centre than the point. z = 3 scores 0.9973.
 * Median and MAD ignore up to half the window being outliers, so a past spike does not mask
 * the next one. A flat window has MAD 0: the tiny floor below turns any change into score ≈ 1.
 *
 * Input  `window` [batch, n] float32, oldest first (n ≥ 1, the same for the whole batch).
 * Output `score` [batch, 1] in [0, 1]; `z` [batch, 1] the robust z-score itself.
 */
export const MAD_SCALE = 1.4826;
export const ABS_FLOOR = 1e-9;
export const REL_FLOOR = 1e-6;

export function buildAnomalyModel(): Uint8Array {
  const g = new GraphBuilder();
  const window = g.input('window', ['batch', 'n']);
  const n = g.op('Gather', [g.op('Shape', [window]), g.int64s([1])], { axis: { int: 0 } });
  const one = g.int64s([1]);
  const two = g.int64s([2]);
  const lo = g.op('Div', [g.op('Sub', [n, one]), two]);
  const hi = g.op('Div', [n, two]);
  // The median of each row: sort ascending, average the two middle entries (the same one when n is odd).
  const median = (x: string) => {
    const [sorted] = g.opN('TopK', [x, n], 2, { axis: { int: 1 }, largest: { int: 0 }, sorted: { int: 1 } });
    const a = g.op('Gather', [sorted!, lo], { axis: { int: 1 } });
    const b = g.op('Gather', [sorted!, hi], { axis: { int: 1 } });
    return g.op('Mul', [g.op('Add', [a, b]), g.floats([0.5], [])]);
  };
  const med = median(window);
  const mad = median(g.op('Abs', [g.op('Sub', [window, med])]));
  const last = g.op('Gather', [window, g.op('Sub', [n, one])], { axis: { int: 1 } });
  const floor = g.op('Add', [g.floats([ABS_FLOOR], []), g.op('Mul', [g.op('Abs', [med]), g.floats([REL_FLOOR], [])])]);
  const scale = g.op('Add', [g.op('Mul', [mad, g.floats([MAD_SCALE], [])]), floor]);
  const z = g.op('Div', [g.op('Abs', [g.op('Sub', [last, med])]), scale]);
  const score = g.op('Erf', [g.op('Mul', [z, g.floats([Math.SQRT1_2], [])])]);
  g.output(score, 'score', ['batch', 1]);
  g.output(z, 'z', ['batch', 1]);
  return g.toBytes({ name: 'robust-z', doc: 'robust z-score of the newest point against the window median and MAD, squashed with erf(z/sqrt(2))', opset: 13, version: 1 });
}

function medianOf(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const n = s.length;
  return (s[Math.floor((n - 1) / 2)]! + s[Math.floor(n / 2)]!) / 2;
}

/** The same math in plain TypeScript (float64), the reference the ONNX model is tested against. */
export function robustZReference(window: readonly number[]): { score: number; z: number } {
  const med = medianOf(window);
  const mad = medianOf(window.map((v) => Math.abs(v - med)));
  const scale = mad * MAD_SCALE + ABS_FLOOR + Math.abs(med) * REL_FLOOR;
  const z = Math.abs(window[window.length - 1]! - med) / scale;
  return { z, score: erf(z * Math.SQRT1_2) };
}

/**
 * erf by its Maclaurin series for small x and its continued fraction tail for large x,
 * accurate to ~1e-12 in double precision: enough for a reference of a float32 model.
 */
export function erf(x: number): number {
  if (x < 0) return -erf(-x);
  if (x < 2.5) {
    let term = x;
    let sum = x;
    for (let k = 1; k < 100; k++) {
      term *= (-x * x) / k;
      const add = term / (2 * k + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    return (2 / Math.sqrt(Math.PI)) * sum;
  }
  // erfc(x) = exp(-x²)/√π · 1/(x + 1/2/(x + 1/(x + 3/2/(x + ...)))), evaluated from the tail.
  let f = x;
  for (let k = 60; k >= 1; k--) f = x + k / 2 / f;
  return 1 - Math.exp(-x * x) / Math.sqrt(Math.PI) / f;
}
