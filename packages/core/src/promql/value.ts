import type { Labels } from '../model/labels';
import { EvaluationError } from './errors';
import type { Pos } from './ast';
import { formatLabelSet, labelsKey } from './labelset';
import type { SamplePoint } from './source';

/** One element of an instant vector. `t` is the sample's own time, kept for timestamp(). */
export interface Sample {
  labels: Labels;
  value: number;
  t?: number;
}

export interface RangeSeries {
  labels: Labels;
  points: SamplePoint[];
}

/** A range vector and the window it was taken from (rate and friends extrapolate to its edges). */
export interface Matrix {
  type: 'matrix';
  series: RangeSeries[];
  rangeMs: number;
  /** The window's end: the evaluation time minus offset, or the `@` time minus offset. */
  endMs: number;
}

export type Value =
  | { type: 'scalar'; value: number }
  | { type: 'string'; value: string }
  | { type: 'vector'; samples: Sample[] }
  | Matrix;

/** Prometheus refuses a result vector in which two elements have the same labels. */
export function assertUniqueLabelsets(samples: readonly { labels: Labels }[], pos?: Pos): void {
  const seen = new Set<string>();
  for (const s of samples) {
    const key = labelsKey(s.labels);
    if (seen.has(key)) throw new EvaluationError('vector cannot contain metrics with the same labelset', pos);
    seen.add(key);
  }
}

export { formatLabelSet };
