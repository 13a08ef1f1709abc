import { matchesAll, type LabelMatcher, type SeriesData, type SeriesSource } from '../../promql';
import { seriesKey, type AppendSample } from './memory';

/**
 * A series source with samples of the evaluation in progress laid over the store: the evaluate
 * handler writes `ALERTS` only after committing the group's transitions, yet later rules of the
 * group must read the `ALERTS` of earlier ones at the same timestamp, as in Prometheus. A sample
 * here replaces the store's sample of the same series and time.
 */
export class OverlaySource implements SeriesSource {
  private readonly pending = new Map<string, SeriesData>();

  constructor(private readonly base: SeriesSource) {}

  add(samples: readonly AppendSample[]): void {
    for (const s of samples) {
      const key = seriesKey(s.labels);
      let series = this.pending.get(key);
      if (!series) this.pending.set(key, (series = { labels: s.labels, samples: [] }));
      const at = series.samples.findIndex((p) => p.t === s.t);
      if (at >= 0) series.samples[at] = { t: s.t, v: s.v };
      else {
        series.samples.push({ t: s.t, v: s.v });
        series.samples.sort((a, b) => a.t - b.t);
      }
    }
  }

  async select(matchers: LabelMatcher[], startMs: number, endMs: number): Promise<SeriesData[]> {
    const stored = await this.base.select(matchers, startMs, endMs);
    if (this.pending.size === 0) return stored;
    const out = new Map<string, SeriesData>();
    for (const s of stored) out.set(seriesKey(s.labels), s);
    for (const [key, extra] of this.pending) {
      if (!matchesAll(extra.labels, matchers)) continue;
      const inWindow = extra.samples.filter((p) => p.t >= startMs && p.t <= endMs);
      if (inWindow.length === 0) continue;
      const base = out.get(key);
      const times = new Set(inWindow.map((p) => p.t));
      // A new array: the store's may be shared with a cache.
      const merged = [...(base?.samples.filter((p) => !times.has(p.t)) ?? []), ...inWindow].sort((a, b) => a.t - b.t);
      out.set(key, { labels: base?.labels ?? extra.labels, samples: merged });
    }
    return [...out.values()];
  }
}
