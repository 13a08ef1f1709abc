import type { Labels } from '../model/labels';
import type { LabelMatcher } from './ast';

/** One sample: epoch milliseconds and value. */
export interface SamplePoint {
  t: number;
  v: number;
}

export interface SeriesData {
  /** All labels of the series, `__name__` included. */
  labels: Labels;
  /** Sorted ascending by `t`, at most one sample per timestamp. */
  samples: SamplePoint[];
}

/**
 * Where the evaluator reads series from (the series store, a test fixture, a backtest).
 *
 * `select` returns every series matching all `matchers`, with at least its samples in
 * [startMs, endMs] (both inclusive). Returning more series or samples than asked for is allowed:
 * the evaluator applies the matchers and the time window itself.
 *
 * Stale markers must reach the evaluator bit-exact. V8 canonicalises NaN payloads when a NaN is
 * stored in a plain number array or read back through JSON, so carry sample values in objects
 * (as `SamplePoint` does) or typed arrays written element by element, never through number[].
 */
export interface SeriesSource {
  select(matchers: LabelMatcher[], startMs: number, endMs: number): Promise<SeriesData[]>;
}

const staleView = new DataView(new ArrayBuffer(8));
staleView.setUint32(0, 0x7ff00000);
staleView.setUint32(4, 0x00000002);

/**
 * Prometheus' staleness marker: a NaN with the bit pattern 0x7ff0000000000002, written when a
 * series disappears. An ordinary NaN sample is a value; this one means "no value".
 */
export const STALE_NAN: number = staleView.getFloat64(0);

const probe = new DataView(new ArrayBuffer(8));

/** True only for the staleness marker, not for other NaNs (compares the bits, as NaN !== NaN). */
export function isStaleMarker(v: number): boolean {
  if (v === v) return false;
  probe.setFloat64(0, v);
  return probe.getUint32(0) === 0x7ff00000 && probe.getUint32(4) === 0x00000002;
}
