import { promql, type ModelTensor } from '@vigil/core';

/** How long a sample stays the current value of its series (PromQL's lookback delta). */
export const STALENESS_MS = 5 * 60_000;

export interface Window {
  /** Sample times in epoch ms, ascending. */
  times: number[];
  values: number[];
}

/**
 * A series resampled onto `points` evenly spaced instants ending at `at`, each taking the
 * latest sample at or before it (within the staleness period), as a PromQL instant query would.
 * Instants without a value are left out, so a young or gappy series gives a shorter window.
 */
export function gridWindow(samples: readonly promql.SamplePoint[], at: number, windowMs: number, points: number): Window {
  const step = windowMs / points;
  const out: Window = { times: [], values: [] };
  let j = -1;
  for (let i = 0; i < points; i++) {
    const t = Math.round(at - windowMs + (i + 1) * step);
    while (j + 1 < samples.length && samples[j + 1]!.t <= t) j++;
    const s = samples[j];
    if (!s || t - s.t > STALENESS_MS || promql.isStaleMarker(s.v) || !Number.isFinite(s.v)) continue;
    out.times.push(t);
    out.values.push(s.v);
  }
  return out;
}

/** Rows of equal length packed into [rows, n] float32 tensors. */
export interface Batch<T> {
  items: T[];
  n: number;
  /** Each row's mean, subtracted before the float32 cast and added back to value outputs. */
  offsets: number[];
  values: ModelTensor;
  /** Seconds relative to `at` (≤ 0). */
  times: ModelTensor;
}

/**
 * Groups windows by length (a model's batch shares one n) and centres each row on its mean in
 * float64: float32 keeps ~7 digits, so a counter at 1e9 would lose its variation otherwise.
 * Both default models are shift-invariant, which makes the centring exact.
 */
export function batches<T extends { window: Window }>(items: readonly T[], at: number): Batch<T>[] {
  const byLength = new Map<number, T[]>();
  for (const item of items) {
    const n = item.window.values.length;
    byLength.set(n, [...(byLength.get(n) ?? []), item]);
  }
  const out: Batch<T>[] = [];
  for (const [n, group] of [...byLength].sort((a, b) => a[0] - b[0])) {
    const values = new Float32Array(group.length * n);
    const times = new Float32Array(group.length * n);
    const offsets: number[] = [];
    group.forEach((item, row) => {
      const { values: v, times: t } = item.window;
      const mean = v.reduce((a, b) => a + b, 0) / n;
      offsets.push(mean);
      for (let i = 0; i < n; i++) {
        values[row * n + i] = v[i]! - mean;
        times[row * n + i] = (t[i]! - at) / 1000;
      }
    });
    out.push({ items: group, n, offsets, values: { data: values, dims: [group.length, n] }, times: { data: times, dims: [group.length, n] } });
  }
  return out;
}
