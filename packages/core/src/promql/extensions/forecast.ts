/** One stored quantile of a forecast distribution: `x` is the value at probability level `q`. */
export interface QuantilePoint {
  q: number;
  x: number;
}

/**
 * The cumulative probability F(threshold) of a distribution known only by some of its quantiles,
 * interpolated linearly between them. Quantile values that cross (a higher level with a lower
 * value, possible with independently fitted quantiles) are sorted into order first, the usual
 * rearrangement. Outside the stored quantiles F is clamped to the lowest and highest stored
 * level: the tails are unknown, so nothing more extreme is claimed.
 * Returns NaN when no point has a number.
 */
export function interpolatedCdf(points: readonly QuantilePoint[], threshold: number): number {
  const usable = points.filter((p) => Number.isFinite(p.q) && !Number.isNaN(p.x));
  if (usable.length === 0 || Number.isNaN(threshold)) return NaN;
  const qs = usable.map((p) => p.q).sort((a, b) => a - b);
  const xs = usable.map((p) => p.x).sort((a, b) => a - b);
  const last = xs.length - 1;
  if (threshold <= xs[0]!) return qs[0]!;
  if (threshold > xs[last]!) return qs[last]!;
  for (let i = 0; i < last; i++) {
    const lo = xs[i]!;
    const hi = xs[i + 1]!;
    if (threshold > lo && threshold <= hi) {
      // lo < threshold <= hi, so hi > lo and the division is safe.
      return qs[i]! + ((qs[i + 1]! - qs[i]!) * (threshold - lo)) / (hi - lo);
    }
  }
  return qs[last]!;
}

/** P(max over the horizon >= threshold) from quantiles of the predicted maximum. */
export function breachProbability(maxQuantiles: readonly QuantilePoint[], threshold: number): number {
  return 1 - interpolatedCdf(maxQuantiles, threshold);
}

/** P(min over the horizon <= threshold) from quantiles of the predicted minimum. */
export function dropProbability(minQuantiles: readonly QuantilePoint[], threshold: number): number {
  return interpolatedCdf(minQuantiles, threshold);
}
