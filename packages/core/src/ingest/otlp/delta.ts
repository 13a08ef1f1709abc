import type { StateStore, WriteOp } from '../../ports';
import { fingerprint, METRIC_NAME, type Labels } from '../../model';
import type { SeriesInput } from '../../limits';
import { addHistogram, type DeltaPoint } from './translate';

export const deltaKeys = {
  state: (tenant: string) => `otd#${tenant}`,
};

/** Running totals of a delta series stay this long after its last point; a later point starts from zero (a counter reset). */
export const DELTA_STATE_TTL_MS = 7 * 24 * 3_600_000;

interface SumState {
  t: number;
  v: number;
}
interface HistogramState {
  t: number;
  count: number;
  sum: number | null;
  bounds: number[];
  buckets: number[];
}
type State = SumState | HistogramState;

export interface Accumulated {
  series: SeriesInput[];
  /** Delta points skipped because a point at or after their time was already applied (a retried export). */
  duplicates: number;
  /** Stores the new running totals. Call it only after the samples are stored. */
  commit(): Promise<void>;
}

/**
 * Delta temporality → cumulative, the way Prometheus expects counters: a running total per
 * series, kept in the store so every instance continues the same sum.
 *
 * Idempotent under retries: the totals are stored after the samples, and a point whose time is
 * not after the stored total's time is skipped. A retry after a crash before the commit computes
 * the same totals (same chunks, content-addressed); a retry after the commit skips the points.
 * Points of one series within a request are applied in time order. A histogram whose bounds
 * change starts its totals again from that point. Two writers racing on one series: the
 * loser's commit fails (ConditionFailedError), so the request fails and is retried.
 */
export class DeltaAccumulator {
  constructor(
    private readonly store: StateStore,
    private readonly now: () => number,
  ) {}

  async apply(tenant: string, deltas: DeltaPoint[]): Promise<Accumulated> {
    const bySeries = new Map<string, DeltaPoint[]>();
    for (const d of deltas) {
      const key = fingerprint(d.kind === 'sum' ? d.labels : { ...d.labels, [METRIC_NAME]: d.family });
      let list = bySeries.get(key);
      if (!list) bySeries.set(key, (list = []));
      list.push(d);
    }
    const series: SeriesInput[] = [];
    const ops: WriteOp[] = [];
    let duplicates = 0;
    const pk = deltaKeys.state(tenant);
    const expiresAt = this.now() + DELTA_STATE_TTL_MS;

    for (const [key, points] of bySeries) {
      points.sort((a, b) => a.t - b.t);
      const item = await this.store.get<State>(pk, key);
      let state: State | undefined = item?.value;
      const out = new Map<string, SeriesInput>();
      const add = (family: string, suffix: string, base: Labels, extra: Labels | undefined, t: number, v: number) => {
        const labels: Labels = { ...base, ...extra, [METRIC_NAME]: family + suffix };
        const k = JSON.stringify(Object.entries(labels).sort());
        let s = out.get(k);
        if (!s) out.set(k, (s = { labels, samples: [] }));
        s.samples.push({ t, v });
      };
      let changed = false;
      for (const p of points) {
        if (state && p.t <= state.t) {
          duplicates++;
          continue;
        }
        changed = true;
        if (p.kind === 'sum') {
          const v = (state && 'v' in state ? state.v : 0) + p.value;
          state = { t: p.t, v };
          add(p.labels[METRIC_NAME]!, '', p.labels, undefined, p.t, v);
        } else {
          const prev = state && 'buckets' in state && sameBounds(state.bounds, p.bounds) ? state : undefined;
          const buckets = p.buckets.map((c, i) => c + (prev?.buckets[i] ?? 0));
          const sum = p.sum === undefined ? null : p.sum + (prev?.sum ?? 0);
          const next: HistogramState = { t: p.t, count: p.count + (prev?.count ?? 0), sum, bounds: p.bounds, buckets };
          state = next;
          addHistogram(add, p.family, p.labels, p.t, false, next.count, sum ?? undefined, next.bounds, next.buckets);
        }
      }
      if (changed && state) {
        ops.push({ type: 'put', pk, sk: key, value: state as never, ifVersion: item?.version ?? 0, expiresAt });
        series.push(...out.values());
      }
    }
    return {
      series,
      duplicates,
      commit: async () => {
        // One conditional write per series: a lost race fails this request only for a retry.
        for (const op of ops) {
          if (op.type === 'put') await this.store.put(op.pk, op.sk, op.value, { ifVersion: op.ifVersion, expiresAt: op.expiresAt });
        }
      },
    };
  }
}

function sameBounds(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
