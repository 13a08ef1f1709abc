/**
 * Two-sample drift statistics between a reference window and a recent window of one series.
 * All take the raw sample values; none assumes a distribution.
 */

function sorted(values: readonly number[]): number[] {
  return values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
}

/** The q-quantile of sorted values, interpolating linearly between ranks (Prometheus' quantile_over_time rule). */
function quantileOfSorted(s: readonly number[], q: number): number {
  const rank = q * (s.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.min(lo + 1, s.length - 1);
  return s[lo]! + (s[hi]! - s[lo]!) * (rank - lo);
}

/** Number of sorted values ≤ x. */
function countAtMost(s: readonly number[], x: number): number {
  let lo = 0;
  let hi = s.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (s[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Proportions below this floor are raised to it, so an empty bin does not make PSI infinite. */
export const PSI_FLOOR = 1e-4;

/**
 * Population stability index over `bins` bins whose edges are the reference's quantiles, so each
 * bin holds about 1/bins of the reference: Σ (cur − ref) · ln(cur / ref). Repeated edges (a
 * reference with ties) merge their bins. Common reading: < 0.1 stable, 0.1–0.25 moderate, > 0.25 shift.
 */
export function psi(reference: readonly number[], current: readonly number[], bins = 10): number {
  const ref = sorted(reference);
  const cur = sorted(current);
  if (ref.length === 0 || cur.length === 0) return NaN;
  const edges: number[] = [];
  for (let i = 1; i < bins; i++) {
    const e = quantileOfSorted(ref, i / bins);
    if (edges.length === 0 || e > edges[edges.length - 1]!) edges.push(e);
  }
  let total = 0;
  let refBelow = 0;
  let curBelow = 0;
  for (let b = 0; b <= edges.length; b++) {
    const refUpTo = b < edges.length ? countAtMost(ref, edges[b]!) : ref.length;
    const curUpTo = b < edges.length ? countAtMost(cur, edges[b]!) : cur.length;
    const p = Math.max((refUpTo - refBelow) / ref.length, PSI_FLOOR);
    const q = Math.max((curUpTo - curBelow) / cur.length, PSI_FLOOR);
    total += (q - p) * Math.log(q / p);
    refBelow = refUpTo;
    curBelow = curUpTo;
  }
  return total;
}

/** Two-sample Kolmogorov–Smirnov statistic: the largest gap between the two empirical CDFs. */
export function ks(reference: readonly number[], current: readonly number[]): number {
  const a = sorted(reference);
  const b = sorted(current);
  if (a.length === 0 || b.length === 0) return NaN;
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < a.length || j < b.length) {
    // Step past every copy of the next value in both samples before comparing the CDFs.
    const x = Math.min(a[i] ?? Infinity, b[j] ?? Infinity);
    while (i < a.length && a[i] === x) i++;
    while (j < b.length && b[j] === x) j++;
    d = Math.max(d, Math.abs(i / a.length - j / b.length));
  }
  return d;
}

/** The KS statistic above which the samples differ at significance `alpha` (asymptotic). */
export function ksCritical(n: number, m: number, alpha = 0.01): number {
  const c = Math.sqrt(-Math.log(alpha / 2) / 2);
  return c * Math.sqrt((n + m) / (n * m));
}

/** 1-D Wasserstein (earth mover's) distance, ∫ |F_ref(x) − F_cur(x)| dx, in the series' own unit. */
export function wasserstein(reference: readonly number[], current: readonly number[]): number {
  const a = sorted(reference);
  const b = sorted(current);
  if (a.length === 0 || b.length === 0) return NaN;
  let i = 0;
  let j = 0;
  let total = 0;
  let prev = Math.min(a[0]!, b[0]!);
  while (i < a.length || j < b.length) {
    const x = Math.min(a[i] ?? Infinity, b[j] ?? Infinity);
    total += Math.abs(i / a.length - j / b.length) * (x - prev);
    while (i < a.length && a[i] === x) i++;
    while (j < b.length && b[j] === x) j++;
    prev = x;
  }
  return total;
}

export type DriftTest = 'psi' | 'ks' | 'wasserstein';
export const DRIFT_TESTS: readonly DriftTest[] = ['psi', 'ks', 'wasserstein'];

export function driftStatistics(reference: readonly number[], current: readonly number[]): Record<DriftTest, number> {
  return { psi: psi(reference, current), ks: ks(reference, current), wasserstein: wasserstein(reference, current) };
}
