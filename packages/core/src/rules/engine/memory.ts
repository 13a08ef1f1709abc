import type { Labels } from '../../model';
import { matchesAll, type LabelMatcher, type SamplePoint, type SeriesData, type SeriesSource } from '../../promql';

export interface AppendSample {
  labels: Labels;
  t: number;
  v: number;
}

/** Canonical identity of a label set (empty values are absent labels, as in Prometheus). */
export function seriesKey(labels: Labels): string {
  return JSON.stringify(
    Object.keys(labels)
      .filter((k) => labels[k] !== '')
      .sort()
      .map((k) => [k, labels[k]]),
  );
}

/**
 * An in-memory series store for evaluating rules on virtual time (rule unit tests, backtests,
 * benchmarks). `visibleUntil` hides samples after a time, as Prometheus' lazy test loader only
 * appends input samples up to the evaluation in progress.
 */
export class MemorySeries implements SeriesSource {
  private readonly series = new Map<string, SeriesData>();
  private readonly byName = new Map<string, SeriesData[]>();
  visibleUntil = Infinity;

  /** Appends one sample; a second sample at an existing timestamp is dropped, as the TSDB refuses it. */
  append(labels: Labels, t: number, v: number): void {
    const key = seriesKey(labels);
    let s = this.series.get(key);
    if (!s) {
      const clean: Labels = {};
      for (const [k, val] of Object.entries(labels)) if (val !== '') clean[k] = val;
      s = { labels: clean, samples: [] };
      this.series.set(key, s);
      const name = clean.__name__ ?? '';
      const list = this.byName.get(name) ?? [];
      list.push(s);
      this.byName.set(name, list);
    }
    const samples = s.samples;
    const last = samples[samples.length - 1];
    if (!last || last.t < t) {
      samples.push({ t, v });
      return;
    }
    // Out of order: insert at its place unless the timestamp is taken.
    let lo = 0;
    let hi = samples.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (samples[mid]!.t < t) lo = mid + 1;
      else hi = mid;
    }
    if (samples[lo]?.t === t) return;
    samples.splice(lo, 0, { t, v });
  }

  appendAll(samples: readonly AppendSample[]): void {
    for (const s of samples) this.append(s.labels, s.t, s.v);
  }

  async select(matchers: LabelMatcher[], startMs: number, endMs: number): Promise<SeriesData[]> {
    const end = Math.min(endMs, this.visibleUntil);
    const nameEq = matchers.find((m) => m.name === '__name__' && m.type === '=');
    const candidates = nameEq ? (this.byName.get(nameEq.value) ?? []) : [...this.series.values()];
    const out: SeriesData[] = [];
    for (const s of candidates) {
      if (!matchesAll(s.labels, matchers)) continue;
      const samples = window(s.samples, startMs, end);
      if (samples.length > 0) out.push({ labels: s.labels, samples });
    }
    return out;
  }

  /** Every series (for inspection in tests). */
  all(): SeriesData[] {
    return [...this.series.values()];
  }
}

function lowerBound(samples: readonly SamplePoint[], t: number): number {
  let lo = 0;
  let hi = samples.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (samples[mid]!.t < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function window(samples: SamplePoint[], start: number, end: number): SamplePoint[] {
  const from = lowerBound(samples, start);
  const to = lowerBound(samples, end + 1);
  if (from === 0 && to === samples.length) return samples;
  return samples.slice(from, to);
}
