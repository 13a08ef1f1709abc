import { SqliteStateStore } from '@vigil/adapter-local';
import { listTenants, ManualClock, queryAll, type JsonValue, type StateStore, type WriteOp } from '../index';
import { fingerprint, type Labels, type Sample } from '../model';
import type { LabelMatcher } from '../promql';
import { DEFAULT_COMPACTION_GRACE_MS, DEFAULT_SHARDS, SLICE_MS, seriesKeys, shardOf, sliceOf } from './layout';
import { SeriesStore } from './series-store';

/** A slice start, so tests know which slice each sample lands in. */
const T0 = 1_000 * SLICE_MS;
const name = (value: string): LabelMatcher => ({ name: '__name__', type: '=', value }) as LabelMatcher;
const labelsOf = (i: number, metric = 'cpu'): Labels => ({ __name__: metric, host: `h${String(i).padStart(5, '0')}` });

/** Forwards to a real store and records what was asked of it; `fail` makes one call throw, as a crash would. */
class Recording implements StateStore {
  batches: WriteOp[][] = [];
  queries: string[] = [];
  queryFrom: { pk: string; skFrom?: string }[] = [];
  gets: string[] = [];
  fail?: (kind: 'put' | 'batchWrite', ops: WriteOp[]) => boolean;
  constructor(private readonly inner: StateStore) {}
  get: StateStore['get'] = (pk, sk) => {
    this.gets.push(pk);
    return this.inner.get(pk, sk);
  };
  put: StateStore['put'] = (pk, sk, value, options) => {
    if (this.fail?.('put', [{ type: 'put', pk, sk, value }])) return Promise.reject(new Error('crash'));
    return this.inner.put(pk, sk, value, options);
  };
  delete: StateStore['delete'] = (pk, sk, options) => this.inner.delete(pk, sk, options);
  query: StateStore['query'] = (pk, options) => {
    this.queries.push(pk);
    this.queryFrom.push({ pk, skFrom: options?.skFrom });
    return this.inner.query(pk, options);
  };
  transactions: WriteOp[][] = [];
  /** Runs before a transaction reaches the store, as another instance's write would. */
  beforeTransact?: (ops: WriteOp[]) => Promise<void>;
  transact: StateStore['transact'] = async (ops) => {
    this.transactions.push(ops);
    await this.beforeTransact?.(ops);
    return this.inner.transact(ops);
  };
  batchWrite: StateStore['batchWrite'] = (ops) => {
    if (this.fail?.('batchWrite', ops)) return Promise.reject(new Error('crash'));
    this.batches.push(ops);
    return this.inner.batchWrite(ops);
  };
  reset(): void {
    this.batches = [];
    this.queries = [];
    this.queryFrom = [];
    this.gets = [];
  }
}

describe('SeriesStore (head segments and compaction)', () => {
  let clock: ManualClock;
  let sqlite: SqliteStateStore;
  let store: Recording;
  let series: SeriesStore;
  const fresh = () => new SeriesStore(store, { clock });

  beforeEach(() => {
    clock = new ManualClock(T0 + 30 * 60_000);
    sqlite = new SqliteStateStore(':memory:', clock);
    store = new Recording(sqlite);
    series = fresh();
  });
  afterEach(() => sqlite.close());

  const batchOf = (count: number, t: number, value: (i: number) => number = (i) => i, metric = 'cpu'): Sample[] =>
    Array.from({ length: count }, (_, i) => ({ labels: labelsOf(i, metric), t, v: value(i) }));

  const headItems = async (tenant = 't', metric = 'cpu', slice = sliceOf(T0)) => queryAll(sqlite, seriesKeys.head(tenant, shardOf(tenant, metric, DEFAULT_SHARDS), slice));

  it('writes one request for 1000 series as one immutable segment, and reads every sample back', async () => {
    clock.set(T0 + 3000); // samples of now: no marker
    await series.write('t', batchOf(1000, T0 + 1000, (i) => i * 0.5));
    const puts = store.batches.flat();
    expect(puts).toHaveLength(1);
    expect(puts[0]).toMatchObject({ type: 'put', immutable: true, pk: seriesKeys.head('t', shardOf('t', 'cpu', DEFAULT_SHARDS), sliceOf(T0)) });
    // Far below one item per series: ~20 bytes per sample, base64.
    expect(((puts[0] as unknown as { value: { c: string } }).value.c.length * 3) / 4).toBeLessThan(1000 * 22);

    const out = await fresh().source('t').select([name('cpu')], T0, T0 + 2000);
    expect(out).toHaveLength(1000);
    const byHost = new Map(out.map((s) => [s.labels.host, s.samples]));
    expect(byHost.get('h00007')).toEqual([{ t: T0 + 1000, v: 3.5 }]);
    expect(await series.samples('t', fingerprint(labelsOf(7)), T0, T0 + 2000)).toEqual([{ t: T0 + 1000, v: 3.5 }]);
    // Registered, so the scheduled sweeps compact a tenant that has data but no rules.
    expect(await listTenants(sqlite)).toContain('t');
  });

  it('reads each needed head partition once per select, not once per series', async () => {
    await series.write('t', batchOf(500, T0 + 1000));
    await series.write('t', batchOf(500, T0 + 16_000));
    await series.write('t', batchOf(5, T0 + 16_000, (i) => i, 'mem'));
    store.reset();
    const out = await series.source('t').select([name('cpu'), { name: 'host', type: '=~', value: 'h0000[0-4]' } as LabelMatcher], T0, T0 + 20_000);
    expect(out.map((s) => s.samples.length)).toEqual([2, 2, 2, 2, 2]);
    // Warm instance: labels are known, the one head partition of cpu's shard is all it reads.
    expect(store.queries).toEqual([seriesKeys.head('t', shardOf('t', 'cpu', DEFAULT_SHARDS), sliceOf(T0))]);
    expect(store.gets).toEqual([]);

    const cold = fresh();
    store.reset();
    expect(await cold.source('t').select([name('cpu')], T0, T0 + 20_000)).toHaveLength(500);
    expect(store.queries.filter((q) => q.startsWith('sx#'))).toEqual([seriesKeys.seriesIndex('t', 'cpu')]);
  });

  it('a warm reader refreshes only what may be new, and still sees backfilled segments', async () => {
    const writer = fresh();
    const reader = fresh();
    const head = seriesKeys.head('t', shardOf('t', 'cpu', DEFAULT_SHARDS), sliceOf(T0));
    const window = (end: number) => reader.source('t').select([name('cpu')], end - 5 * 60_000, end);
    const count = async (end: number) => (await window(end)).map((s) => s.samples.length);

    let now = T0 + 20 * 60_000;
    clock.set(now);
    await writer.write('t', batchOf(3, now - 2000));
    expect(await count(now)).toEqual([1, 1, 1]);

    now += 15_000;
    clock.set(now);
    await writer.write('t', batchOf(3, now - 2000));
    store.reset();
    expect(await count(now)).toEqual([2, 2, 2]);
    // The refresh asks only for segments ending after the last refresh, less the on-time allowance and skew.
    const refresh = store.queryFrom.find((q) => q.pk === head)!;
    expect(Number(refresh.skFrom)).toBe(now - 15_000 - 60_000 - 5_000);

    // Samples three minutes old (backfill): outside that range, found through their marker.
    await writer.write('t', batchOf(3, now - 3 * 60_000));
    expect(store.batches.flat().filter((op) => op.pk.startsWith('hr#'))).toHaveLength(1);
    expect(await count(now)).toEqual([3, 3, 3]);
    // A reader with nothing cached agrees.
    expect((await fresh().source('t').select([name('cpu')], now - 5 * 60_000, now)).map((s) => s.samples.length)).toEqual([3, 3, 3]);
  });

  it('skips segments that end before the range', async () => {
    await series.write('t', batchOf(10, T0 + 1000));
    await series.write('t', batchOf(10, T0 + 600_000));
    const out = await series.source('t').select([name('cpu')], T0 + 300_000, T0 + 700_000);
    expect(out.every((s) => s.samples.length === 1 && s.samples[0]!.t === T0 + 600_000)).toBe(true);
  });

  it('indexes new series in transactions of at most 100, and counts only those it created when another instance raced it', async () => {
    // Another instance creates series 150 between this one's index read and its own writes.
    store.beforeTransact = async (ops) => {
      if (ops.some((op) => op.sk === fingerprint(labelsOf(150)))) {
        store.beforeTransact = undefined;
        await sqlite.put(seriesKeys.seriesIndex('t', 'cpu'), fingerprint(labelsOf(150)), { labels: labelsOf(150) }, { ifVersion: 0 });
      }
    };
    const result = await series.write('t', [...batchOf(250, T0 + 1000), ...batchOf(250, T0 + 2000)]);
    expect(result.newSeries).toBe(249);
    expect(store.transactions.map((ops) => ops.length)).toEqual([100, 100, 50]);
    expect(await queryAll(sqlite, seriesKeys.seriesIndex('t', 'cpu'))).toHaveLength(250);
    expect(await series.metricNames('t')).toEqual(['cpu']);
    expect((await series.write('t', batchOf(250, T0 + 3000))).newSeries).toBe(0);
    expect((await fresh().write('t', batchOf(251, T0 + 4000))).newSeries).toBe(1);
  });

  it('reads a metric\'s index once per instance: later new series are created without reading it again', async () => {
    const index = seriesKeys.seriesIndex('t', 'cpu');
    const hosts = (from: number, count: number) => Array.from({ length: count }, (_, i) => ({ labels: labelsOf(from + i), t: T0 + 1000, v: i }));
    expect((await series.write('t', hosts(0, 100))).newSeries).toBe(100);
    expect(store.queries.filter((pk) => pk === index)).toHaveLength(1);
    store.reset();
    expect((await series.write('t', hosts(100, 100))).newSeries).toBe(100);
    expect(store.queries).not.toContain(index);
    // A cold instance reads it once and creates nothing that exists.
    const cold = fresh();
    store.reset();
    expect((await cold.write('t', hosts(50, 200))).newSeries).toBe(50);
    expect(store.queries.filter((pk) => pk === index)).toHaveLength(1);
  });

  it('a redelivered request rewrites the same keys and is never counted twice', async () => {
    const batch = batchOf(100, T0 + 1000);
    await series.write('t', batch);
    const before = await headItems();
    await fresh().write('t', batch);
    expect(await headItems()).toEqual(before);
    const out = await series.source('t').select([name('cpu')], T0, T0 + 2000);
    expect(out.reduce((n, s) => n + s.samples.length, 0)).toBe(100);
  });

  it('the same samples in another order make another segment, and reads still count each sample once', async () => {
    const batch = batchOf(100, T0 + 1000);
    await series.write('t', batch);
    const before = await headItems();
    await fresh().write('t', [...batch].reverse());
    expect((await headItems()).length).toBe(before.length + 1);
    const out = await series.source('t').select([name('cpu')], T0, T0 + 2000);
    expect(out.reduce((n, s) => n + s.samples.length, 0)).toBe(100);
  });

  it('keeps stale markers bit-exact and resolves equal timestamps the same whatever the write order', async () => {
    const view = new DataView(new ArrayBuffer(8));
    view.setBigUint64(0, 0x7ff0000000000002n);
    const stale = view.getFloat64(0);
    // a's segment sorts after b's (it ends later), so "last read wins" would keep 1.5.
    const a: Sample[] = [{ labels: labelsOf(1), t: T0 + 5, v: 1.5 }, { labels: labelsOf(1), t: T0 + 20, v: 0 }];
    const b: Sample[] = [{ labels: labelsOf(1), t: T0 + 5, v: 2.5 }, { labels: labelsOf(1), t: T0 + 9, v: stale }];
    await series.write('t', a);
    await series.write('t', b);
    const other = new SqliteStateStore(':memory:', clock);
    const second = new SeriesStore(other, { clock });
    await second.write('t', b);
    await second.write('t', a);
    const first = await series.samples('t', fingerprint(labelsOf(1)), T0, T0 + 10);
    expect(await second.samples('t', fingerprint(labelsOf(1)), T0, T0 + 10)).toEqual(first);
    expect(first.map((s) => s.t)).toEqual([T0 + 5, T0 + 9]);
    // The larger bit pattern wins: 2.5 (0x4004…) over 1.5 (0x3ff8…), before and after compaction.
    expect(first[0]!.v).toBe(2.5);
    clock.set((sliceOf(T0) + 1) * SLICE_MS + DEFAULT_COMPACTION_GRACE_MS);
    await series.compact('t', clock.now());
    await series.write('t', [{ labels: labelsOf(1), t: T0 + 5, v: 1 }]);
    const after = await fresh().samples('t', fingerprint(labelsOf(1)), T0, T0 + 10);
    expect(after[0]!.v).toBe(2.5);
    view.setFloat64(0, after[1]!.v);
    expect(view.getBigUint64(0)).toBe(0x7ff0000000000002n);
    view.setFloat64(0, first[1]!.v);
    expect(view.getBigUint64(0)).toBe(0x7ff0000000000002n);
    other.close();
  });

  it('splits a large request into segments that every store can hold', async () => {
    await series.write('t', batchOf(20_000, T0 + 1000, (i) => i + 0.1));
    const items = await headItems();
    expect(items.length).toBeGreaterThan(1);
    for (const item of items) expect(JSON.stringify(item.value).length).toBeLessThan(300 * 1024);
    const out = await series.source('t').select([name('cpu')], T0, T0 + 2000);
    expect(out).toHaveLength(20_000);
  });

  it('cuts a series with more samples than one segment holds, and reads every sample back in order', async () => {
    const long = Array.from({ length: 25_000 }, (_, i) => ({ labels: labelsOf(0), t: T0 + i * 10, v: i + 0.5 }));
    await series.write('t', [...batchOf(3, T0 + 5), ...long, ...batchOf(3, T0 + 7)]);
    const items = await headItems();
    expect(items.length).toBeGreaterThan(2);
    for (const item of items) expect(JSON.stringify(item.value).length).toBeLessThan(300 * 1024);
    const samples = await fresh().samples('t', fingerprint(labelsOf(0)), T0, T0 + 250_000);
    expect(samples).toHaveLength(25_002);
    expect(samples.slice(0, 3)).toEqual([{ t: T0, v: 0.5 }, { t: T0 + 5, v: 0 }, { t: T0 + 7, v: 0 }]);
    expect(samples.at(-1)).toEqual({ t: T0 + 249_990, v: 24_999.5 });
  });

  describe('compaction', () => {
    const closedAt = (slice: number) => (slice + 1) * SLICE_MS + DEFAULT_COMPACTION_GRACE_MS;
    const chunkItems = (i: number) => queryAll(sqlite, seriesKeys.chunks('t', fingerprint(labelsOf(i)), Math.floor(T0 / SLICE_MS)));
    const total = async (s: SeriesStore, from = T0, to = T0 + SLICE_MS) =>
      (await s.source('t').select([name('cpu')], from, to)).reduce((n, x) => n + x.samples.length, 0);

    beforeEach(async () => {
      for (let step = 0; step < 4; step++) await series.write('t', batchOf(50, T0 + step * 15_000, (i) => i + step));
    });

    it('does nothing while the slice is open, then turns it into per-series chunks and deletes its segments', async () => {
      expect(await series.compact('t', closedAt(sliceOf(T0)) - 1)).toMatchObject({ slices: 0, segments: 0 });
      expect(await headItems()).toHaveLength(4);

      clock.set(closedAt(sliceOf(T0)));
      const report = await series.compact('t', clock.now());
      expect(report).toMatchObject({ slices: 1, segments: 4, chunks: 50 });
      expect(await headItems()).toHaveLength(0);
      const [chunk] = await chunkItems(3);
      expect(chunk).toBeDefined();
      expect(await total(fresh())).toBe(200);
      expect(await fresh().samples('t', fingerprint(labelsOf(3)), T0, T0 + SLICE_MS)).toEqual(
        [0, 1, 2, 3].map((step) => ({ t: T0 + step * 15_000, v: 3 + step })),
      );
      // Idempotent: a second run finds nothing left.
      expect(await series.compact('t', clock.now())).toMatchObject({ slices: 0, segments: 0, chunks: 0 });
    });

    it('two runs at once write the same chunks and count nothing twice', async () => {
      clock.set(closedAt(sliceOf(T0)));
      await Promise.all([fresh().compact('t', clock.now()), fresh().compact('t', clock.now())]);
      expect(await chunkItems(3)).toHaveLength(1);
      expect(await headItems()).toHaveLength(0);
      expect(await total(fresh())).toBe(200);
    });

    it.each([
      ['after writing chunks, before the watermark moves', (kind: string, ops: WriteOp[]) => kind === 'put' && ops[0]!.pk.startsWith('hw#')],
      ['after the watermark moved, before segments are deleted', (kind: string, ops: WriteOp[]) => kind === 'batchWrite' && ops.some((op) => op.type === 'delete')],
    ])('a crash %s loses nothing and counts nothing twice', async (_when, crash) => {
      clock.set(closedAt(sliceOf(T0)));
      store.fail = crash;
      await expect(fresh().compact('t', clock.now())).rejects.toThrow('crash');
      store.fail = undefined;
      expect(await total(fresh())).toBe(200);
      await fresh().compact('t', clock.now());
      expect(await total(fresh())).toBe(200);
      expect(await fresh().samples('t', fingerprint(labelsOf(3)), T0, T0 + SLICE_MS)).toHaveLength(4);
    });

    it('keeps late samples for a compacted slice readable and compacts them on the next run', async () => {
      clock.set(closedAt(sliceOf(T0)));
      await series.compact('t', clock.now());
      await series.write('t', batchOf(50, T0 + 60_000, () => 7));
      expect(await queryAll(sqlite, seriesKeys.late('t'))).toHaveLength(1);
      expect(await total(fresh())).toBe(250);

      const report = await fresh().compact('t', clock.now());
      expect(report).toMatchObject({ lateSegments: 1, chunks: 50 });
      expect(await queryAll(sqlite, seriesKeys.late('t'))).toHaveLength(0);
      expect(await headItems()).toHaveLength(0);
      expect(await chunkItems(3)).toHaveLength(2);
      expect(await total(fresh())).toBe(250);
    });

    it('reads a window that spans compacted and head slices', async () => {
      clock.set(closedAt(sliceOf(T0)));
      await series.compact('t', clock.now());
      await series.write('t', batchOf(50, T0 + SLICE_MS + 1000, () => 1));
      const out = await fresh().source('t').select([name('cpu'), { name: 'host', type: '=', value: 'h00002' } as LabelMatcher], T0 + 30_000, T0 + SLICE_MS + 5000);
      expect(out).toHaveLength(1);
      expect(out[0]!.samples.map((s) => s.t)).toEqual([T0 + 30_000, T0 + 45_000, T0 + SLICE_MS + 1000]);
    });
  });
});

describe('segment codec', () => {
  it('round-trips ids, metric names and special values', async () => {
    const { encodeSegment, decodeSegment } = await import('./segment');
    const input = [
      { id: '0123456789abcdef', metric: 'a', samples: [{ t: 5, v: -0 }, { t: 10, v: 2 ** 60 }, { t: 11, v: -3 }] },
      { id: 'fedcba9876543210', metric: 'ünï', samples: [{ t: 3, v: Number.NaN }, { t: 4, v: Infinity }, { t: 9, v: 0.1 }] },
    ];
    const out = decodeSegment(encodeSegment(input));
    expect(out.map((s) => [s.id, s.metric])).toEqual(input.map((s) => [s.id, s.metric]));
    out.forEach((s, i) => s.samples.forEach((x, k) => expect(Object.is(x.v, input[i]!.samples[k]!.v) && x.t === input[i]!.samples[k]!.t).toBe(true)));
    expect(() => encodeSegment([{ id: 'not-hex', metric: 'a', samples: [] }])).toThrow(/fingerprint/);
  });
});

describe('ByteLru', () => {
  it('evicts the least recently used entries past its byte bound', async () => {
    const { ByteLru } = await import('./lru');
    const lru = new ByteLru<JsonValue>(10);
    lru.set('a', 1, 4);
    lru.set('b', 2, 4);
    expect(lru.get('a')).toBe(1);
    lru.set('c', 3, 4);
    expect(lru.get('b')).toBeUndefined();
    expect(lru.get('a')).toBe(1);
    expect(lru.bytes).toBe(8);
    lru.set('huge', 4, 11);
    expect(lru.get('huge')).toBeUndefined();
  });
});
