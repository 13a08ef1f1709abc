import type { Clock, StateStore, WriteOp } from '../ports';
import { ConditionFailedError, MAX_TRANSACT_OPS, queryAll, systemClock } from '../ports';
import { fingerprint, METRIC_NAME, type Labels, type Sample } from '../model';
import type { LabelMatcher, SeriesData, SeriesSource } from '../promql';
import { matchesAll } from '../promql';
import { decodeChunk, type ChunkSample } from './chunk';
import { Compactor, type CompactionReport } from './compaction';
import { registerTenant } from '../tenants';
import {
  bucketOfSlice,
  CLOCK_SKEW_MS,
  contentHash,
  DEFAULT_COMPACTION_GRACE_MS,
  DEFAULT_RETENTION_MS,
  DEFAULT_SHARDS,
  MAX_WRITE_MS,
  ON_TIME_MS,
  pad,
  seriesKeys,
  shardOf,
  sliceOf,
  SLICE_MS,
} from './layout';
import { ByteLru } from './lru';
import { preferred, SampleMerger } from './merge';
import { decodeSegment, encodeSegment, type SegmentSeries } from './segment';

export { BUCKET_MS, DEFAULT_COMPACTION_GRACE_MS, DEFAULT_RETENTION_MS, DEFAULT_SHARDS, SLICE_MS, seriesKeys, shardOf, sliceOf } from './layout';
export { decodeSegment, type SegmentSeries } from './segment';
export type { CompactionReport } from './compaction';

/** A series to write. Properties in the order the remote-write decoder creates them, so both kinds share one object shape. */
interface SeriesEntry {
  labels: Labels;
  samples: ChunkSample[];
  id: string;
  metric: string;
}

/** Head partitions whose segments an instance tracks for incremental reads. */
const MAX_HEAD_VIEWS = 10_000;

interface SeriesIndexValue {
  labels: Labels;
  [key: string]: Labels;
}

/** A compacted chunk (`ck#`): the samples of one series in one hour, base64 chunk encoding. */
export interface ChunkValue {
  n: number;
  c: string;
  [key: string]: string | number;
}

/** A head segment (`hs#`): samples of `s` series, `n` in all, base64 segment encoding. */
export interface SegmentValue {
  n: number;
  s: number;
  c: string;
  [key: string]: string | number;
}

export interface WatermarkValue {
  through: number;
  [key: string]: number;
}

export interface WriteResult {
  series: number;
  samples: number;
  newSeries: number;
  metrics: string[];
}

export interface SeriesStoreOptions {
  retentionMs?: number;
  /** Bound on concurrent store calls one read fans out into. */
  readConcurrency?: number;
  /** Judges which slices are closed (and so may be compacted). The same time source as the compaction's `now`. */
  clock?: Clock;
  /** How long after its end a slice is compacted. Samples arriving later are still kept. */
  compactionGraceMs?: number;
  /** Bytes of decoded segments and chunks a warm instance keeps. */
  cacheBytes?: number;
}

/** Raw segment bytes per item: base64 of this stays far below DynamoDB's 400 KB and Table Storage's 480K characters. */
const MAX_SEGMENT_BYTES = 192 * 1024;
/** Upper bounds of encoded sizes, used to split a request into segments before encoding it. */
const SERIES_OVERHEAD_BYTES = 16;
const SAMPLE_BOUND_BYTES = 18;
/** Room for a segment's header besides its metric names (the writer grows past it if needed). */
const SEGMENT_HEADER_BOUND = 4096;
/** A metric with this many series not yet known to the instance has its index read at once, instead of one conditional write per series. */
const INDEX_PRELOAD_MIN = 8;
const DEFAULT_CACHE_BYTES = 64 * 1024 * 1024;
/** Bound on the metrics remembered as read (past it the memory starts again: a read more, never a wrong answer). */
const MAX_INDEX_READS = 100_000;

type Decoded = SegmentSeries[];

/**
 * The time-series side of the StateStore: a per-metric series index, head segments that ingest
 * appends (one content-addressed item per request, shard and slice, so a redelivered request
 * rewrites the same keys and never double-counts), and per-series chunks that compaction makes
 * of closed slices. See docs/ARCHITECTURE.md for the keys and what each operation costs.
 */
export class SeriesStore {
  /** Series known to be indexed: a warm instance skips their index writes. Correctness never depends on it. */
  private readonly knownSeries = new Map<string, Set<string>>();
  /** Labels of series ids: a fingerprint's labels never change, so entries never go stale. */
  private readonly labels: ByteLru<Labels>;
  /** Decoded immutable segments and chunks by key: the warm instance window cache. */
  private readonly decoded: ByteLru<Decoded | ChunkSample[]>;
  private readonly shardOfMetric = new Map<string, number>();
  /**
   * Metrics (tenant NUL metric) whose whole index this instance has read: from then on it knows
   * every series that existed, and learns of others' later creations from its conditional
   * writes, so a batch of new series never reads a large index again.
   */
  private readonly indexRead = new Set<string>();
  private readonly watermarked = new Set<string>();
  /** Per head partition: which segments this instance has seen, from which time, as of when. */
  private readonly headViews = new Map<string, { floor: number; refreshedAt: number; segments: Set<string> }>();
  private readonly retentionMs: number;
  private readonly readConcurrency: number;
  private readonly clock: Clock;
  private readonly graceMs: number;
  private readonly compactor: Compactor;

  constructor(
    private readonly store: StateStore,
    options: SeriesStoreOptions = {},
  ) {
    this.retentionMs = options.retentionMs ?? DEFAULT_RETENTION_MS;
    this.readConcurrency = options.readConcurrency ?? 32;
    this.clock = options.clock ?? systemClock;
    this.graceMs = options.compactionGraceMs ?? DEFAULT_COMPACTION_GRACE_MS;
    const cacheBytes = options.cacheBytes ?? DEFAULT_CACHE_BYTES;
    this.decoded = new ByteLru(cacheBytes);
    this.labels = new ByteLru(Math.max(1, Math.floor(cacheBytes / 4)));
    this.compactor = new Compactor(store, {
      retentionMs: this.retentionMs,
      graceMs: this.graceMs,
      shards: DEFAULT_SHARDS,
      decodeSegment: (key, text) => this.decodeCached(key, text, (t) => decodeSegment(Buffer.from(t, 'base64'))),
    });
  }

  async write(tenant: string, samples: Sample[]): Promise<WriteResult> {
    const bySeries = new Map<string, SeriesEntry>();
    // Decoders hand consecutive samples of one series the same labels object: hash it once.
    let lastLabels: Labels | undefined;
    let lastId = '';
    for (const s of samples) {
      const id = s.labels === lastLabels ? lastId : fingerprint(s.labels);
      lastLabels = s.labels;
      lastId = id;
      let entry = bySeries.get(id);
      if (!entry) bySeries.set(id, (entry = { labels: s.labels, samples: [], id, metric: s.labels[METRIC_NAME] ?? '' }));
      entry.samples.push({ t: s.t, v: s.v });
    }
    return this.writeEntries(tenant, [...bySeries.values()], samples.length);
  }

  /**
   * Writes samples already grouped by series, as decoders deliver them (no regrouping). A label
   * set repeated in the input is fine: readers merge a series' samples by fingerprint.
   */
  async writeSeries(tenant: string, series: readonly { labels: Labels; samples: readonly ChunkSample[]; id?: string; metric?: string }[]): Promise<WriteResult> {
    const entries: SeriesEntry[] = new Array(series.length);
    let count = 0;
    for (let i = 0; i < series.length; i++) {
      const s = series[i]!;
      count += s.samples.length;
      // A single-sample series that comes identified (the remote-write decoder's) is used as it is.
      if (s.samples.length === 1 && s.id !== undefined && s.metric !== undefined) {
        entries[i] = s as SeriesEntry;
        continue;
      }
      // Sorting (several samples) works on a copy: the caller's arrays stay as they were.
      entries[i] = { labels: s.labels, samples: s.samples.length === 1 ? (s.samples as ChunkSample[]) : s.samples.slice(), id: s.id ?? fingerprint(s.labels), metric: s.labels[METRIC_NAME] ?? '' };
    }
    return this.writeEntries(tenant, entries, count);
  }

  private async writeEntries(tenant: string, bySeries: SeriesEntry[], sampleCount: number): Promise<WriteResult> {
    const { newSeries, metrics } = await this.index(tenant, bySeries);

    // Series of one shard and slice share a segment.
    const groups = new Map<number, { shard: number; slice: number; series: SegmentSeries[] }>();
    let minSlice = Number.POSITIVE_INFINITY;
    // Decoders deliver the series of one metric together: its shard is looked up once a run.
    let lastMetric: string | undefined;
    let shard = 0;
    for (const entry of bySeries) {
      if (entry.metric !== lastMetric) {
        lastMetric = entry.metric;
        shard = this.shard(tenant, entry.metric);
      }
      // Most requests carry one sample per series: the entry is its own segment series.
      if (entry.samples.length === 1) {
        const slice = sliceOf(entry.samples[0]!.t);
        minSlice = Math.min(minSlice, slice);
        this.groupOf(groups, shard, slice).push(entry);
        continue;
      }
      for (const [slice, sliceSamples] of bySlice(entry.samples)) {
        minSlice = Math.min(minSlice, slice);
        this.groupOf(groups, shard, slice).push({ id: entry.id, metric: entry.metric, samples: sliceSamples });
      }
    }
    // The watermark starts just below the first data, so compaction has a place to begin, and
    // the tenant is registered so the scheduled sweeps compact it even without rules; an
    // instance makes sure of both once per tenant.
    if (!this.watermarked.has(tenant) && Number.isFinite(minSlice)) {
      await this.createIfAbsent(seriesKeys.watermark(tenant), seriesKeys.watermarkSort, { through: minSlice - 1 } satisfies WatermarkValue);
      await registerTenant(this.store, tenant);
      this.watermarked.add(tenant);
    }

    const ops: WriteOp[] = [];
    const heads: { shard: number; slice: number; sk: string; maxT: number }[] = [];
    const now = this.clock.now();
    for (const { shard, slice, series } of groups.values()) {
      // In the order they came: a retried or redelivered request carries the same bytes, so it
      // makes the same segments (same keys). The same samples in another order make another
      // segment, which reads and compaction merge by series and timestamp like any overlap.
      // (Sorting 10k ids by string cost more than encoding the segment.)
      const expiresAt = (slice + 1) * SLICE_MS + this.retentionMs;
      // A slice closed by now may be compacted already: mark the segment so compaction returns for it.
      const late = (slice + 1) * SLICE_MS + this.graceMs / 2 <= now;
      for (const { part, bytes: bound } of splitBySize(series)) {
        const bytes = encodeSegment(part, bound + SEGMENT_HEADER_BOUND);
        let maxT = 0;
        let n = 0;
        for (const s of part) {
          n += s.samples.length;
          maxT = Math.max(maxT, s.samples[s.samples.length - 1]!.t);
        }
        const sk = seriesKeys.headSort(maxT, contentHash(bytes));
        const value: SegmentValue = { n, s: part.length, c: Buffer.from(bytes).toString('base64') };
        ops.push({ type: 'put', pk: seriesKeys.head(tenant, shard, slice), sk, value, expiresAt, immutable: true });
        if (late) ops.push({ type: 'put', pk: seriesKeys.late(tenant), sk: seriesKeys.lateSort(slice, shard, sk), value: {}, expiresAt, immutable: true });
        heads.push({ shard, slice, sk, maxT });
      }
    }
    if (ops.length > 0) await this.store.batchWrite(ops);
    // Segments that ended long before the write finished are outside the key range an
    // incremental read refreshes: a marker (written after the segment, keyed by when the write
    // began) points readers at them. Normal traffic ends within seconds of now and needs none.
    const finished = this.clock.now();
    const markers: WriteOp[] = heads
      .filter((h) => h.maxT < finished - ON_TIME_MS)
      .map((h) => ({ type: 'put', pk: seriesKeys.recent(tenant, h.shard, h.slice), sk: seriesKeys.recentSort(now, h.sk), value: {}, expiresAt: finished + 2 * MAX_WRITE_MS + SLICE_MS, immutable: true }));
    if (markers.length > 0) await this.store.batchWrite(markers);
    return { series: bySeries.length, samples: sampleCount, newSeries, metrics: [...metrics] };
  }

  /**
   * Makes sure every series is in the index. A warm instance knows most of them; a cold one
   * reads a metric's index partition once when many of its series are unknown (a query costs by
   * bytes, one conditional write per series by item), and only once: later new series are
   * created by conditional writes straight away.
   */
  private async index(tenant: string, bySeries: readonly SeriesEntry[]): Promise<{ newSeries: number; metrics: Set<string> }> {
    const metrics = new Set<string>();
    const known = this.knownOf(tenant);
    const unknown = new Map<string, { id: string; labels: Labels }[]>();
    let lastMetric: string | undefined;
    for (const { id, labels, metric } of bySeries) {
      // Decoders deliver a metric's series together: the set is touched once a run.
      if (metric !== lastMetric) metrics.add((lastMetric = metric));
      if (known.has(id)) continue;
      const list = unknown.get(metric);
      if (list) list.push({ id, labels });
      else unknown.set(metric, [{ id, labels }]);
    }
    let newSeries = 0;
    for (const [metric, list] of unknown) {
      if (list.length >= INDEX_PRELOAD_MIN && !this.indexRead.has(`${tenant}\u0000${metric}`)) await this.loadIndex(tenant, metric);
      const fresh = new Map<string, Labels>();
      for (const { id, labels } of list) if (!known.has(id)) fresh.set(id, labels);
      const pk = seriesKeys.seriesIndex(tenant, metric);
      // In key order: each transaction's entries then lie together in the store's key space
      // (in SQLite's B-tree a few pages per transaction instead of one page per series).
      const entries = [...fresh].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      let created = 0;
      for (let i = 0; i < entries.length; i += MAX_TRANSACT_OPS) created += await this.createAllIfAbsent(pk, entries.slice(i, i + MAX_TRANSACT_OPS));
      for (const [id, labels] of entries) {
        known.add(id);
        this.rememberLabels(tenant, id, labels);
      }
      if (created > 0) await this.createIfAbsent(seriesKeys.metricNames(tenant), metric, {});
      newSeries += created;
    }
    return { newSeries, metrics };
  }

  /**
   * Creates the index entries of series (id, labels) of one metric that are not there yet; returns
   * how many it created. All at once in one transaction, as nearly always none exists; when one
   * does (another instance created it meanwhile), one by one.
   */
  private async createAllIfAbsent(pk: string, series: [string, Labels][]): Promise<number> {
    if (series.length > 1) {
      try {
        await this.store.transact(series.map(([id, labels]) => ({ type: 'put', pk, sk: id, value: { labels } satisfies SeriesIndexValue, ifVersion: 0 })));
        return series.length;
      } catch (err) {
        if (!(err instanceof ConditionFailedError)) throw err;
      }
    }
    let created = 0;
    for (const [id, labels] of series) if (await this.createIfAbsent(pk, id, { labels })) created++;
    return created;
  }

  private groupOf(groups: Map<number, { shard: number; slice: number; series: SegmentSeries[] }>, shard: number, slice: number): SegmentSeries[] {
    const key = slice * DEFAULT_SHARDS + shard;
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { shard, slice, series: [] }));
    return group.series;
  }

  /** Series of a tenant known to be indexed (one set per tenant, so lookups hash the id alone). */
  private knownOf(tenant: string): Set<string> {
    let known = this.knownSeries.get(tenant);
    if (!known) this.knownSeries.set(tenant, (known = new Set()));
    return known;
  }

  private async loadIndex(tenant: string, metric: string): Promise<SeriesIndexValue[]> {
    const items = await queryAll<SeriesIndexValue>(this.store, seriesKeys.seriesIndex(tenant, metric));
    if (this.indexRead.size >= MAX_INDEX_READS) this.indexRead.clear();
    this.indexRead.add(`${tenant}\u0000${metric}`);
    const known = this.knownOf(tenant);
    for (const item of items) {
      known.add(item.sk);
      this.rememberLabels(tenant, item.sk, item.value.labels);
    }
    return items.map((i) => i.value);
  }

  private rememberLabels(tenant: string, id: string, labels: Labels): void {
    let bytes = 64;
    for (const k in labels) bytes += k.length + (labels[k]?.length ?? 0);
    this.labels.set(`${tenant}\u0000${id}`, labels, bytes);
  }

  private shard(tenant: string, metric: string): number {
    const key = `${tenant}\u0000${metric}`;
    let shard = this.shardOfMetric.get(key);
    if (shard === undefined) {
      shard = shardOf(tenant, metric, DEFAULT_SHARDS);
      if (this.shardOfMetric.size > 100_000) this.shardOfMetric.clear();
      this.shardOfMetric.set(key, shard);
    }
    return shard;
  }

  private async createIfAbsent(pk: string, sk: string, value: SeriesIndexValue | WatermarkValue | Record<string, never>): Promise<boolean> {
    try {
      await this.store.put(pk, sk, value, { ifVersion: 0 });
      return true;
    } catch (err) {
      if (err instanceof ConditionFailedError) return false;
      throw err;
    }
  }

  async metricNames(tenant: string): Promise<string[]> {
    return (await queryAll(this.store, seriesKeys.metricNames(tenant))).map((i) => i.sk);
  }

  /** Series (labels and ids) matching every matcher, without samples. */
  async series(tenant: string, matchers: LabelMatcher[]): Promise<{ id: string; labels: Labels }[]> {
    const nameEq = matchers.find((m) => m.name === METRIC_NAME && m.type === '=');
    const names = nameEq ? [nameEq.value] : await this.metricNames(tenant);
    const nameMatchers = matchers.filter((m) => m.name === METRIC_NAME);
    const out: { id: string; labels: Labels }[] = [];
    for (const name of names) {
      if (!matchesAll({ [METRIC_NAME]: name }, nameMatchers)) continue;
      const items = await queryAll<SeriesIndexValue>(this.store, seriesKeys.seriesIndex(tenant, name));
      for (const item of items) {
        this.rememberLabels(tenant, item.sk, item.value.labels);
        if (matchesAll(item.value.labels, matchers)) out.push({ id: item.sk, labels: item.value.labels });
      }
    }
    return out;
  }

  /** Samples of one series in [startMs, endMs], sorted, one per timestamp. */
  async samples(tenant: string, seriesId: string, startMs: number, endMs: number): Promise<ChunkSample[]> {
    // Without the metric name the shard is unknown: every shard's head is read.
    const merged = await this.read(tenant, allShards(), startMs, endMs, (id) => id === seriesId, async () => [{ id: seriesId, metric: '' }]);
    return merged.get(seriesId)?.merger.sorted() ?? [];
  }

  /**
   * A PromQL sample source scoped to one tenant. One select reads each needed head partition
   * (shard × slice) once; only slices already compacted are read per series. Series without
   * samples in the range are left out, as Prometheus leaves them out.
   */
  source(tenant: string): SeriesSource {
    return {
      select: async (matchers, startMs, endMs) => {
        const nameMatchers = matchers.filter((m) => m.name === METRIC_NAME);
        const nameEq = nameMatchers.find((m) => m.type === '=');
        const shards = nameEq ? [this.shard(tenant, nameEq.value)] : allShards();
        const metricOk = new Map<string, boolean>();
        const accept = (_id: string, metric: string) => {
          let ok = metricOk.get(metric);
          if (ok === undefined) metricOk.set(metric, (ok = matchesAll({ [METRIC_NAME]: metric }, nameMatchers)));
          return ok;
        };
        const merged = await this.read(tenant, shards, startMs, endMs, accept, async () =>
          (await this.series(tenant, matchers)).map((s) => ({ id: s.id, metric: s.labels[METRIC_NAME] ?? '' })),
        );
        const out: SeriesData[] = [];
        for (const [id, { metric, merger }] of merged) {
          if (merger.size === 0) continue;
          const labels = await this.labelsOf(tenant, id, metric);
          if (labels && matchesAll(labels, matchers)) out.push({ labels, samples: merger.sorted() });
        }
        return out;
      },
    };
  }

  /**
   * Compacts the tenant's closed slices into per-series chunks and deletes their segments.
   * Idempotent and safe to run twice at once; call it from the scheduled sweep.
   */
  compact(tenant: string, now: number): Promise<CompactionReport> {
    return this.compactor.compact(tenant, now);
  }

  private async labelsOf(tenant: string, id: string, metric: string): Promise<Labels | undefined> {
    const key = `${tenant}\u0000${id}`;
    const known = this.labels.get(key);
    if (known) return known;
    // One read of the metric's index serves every other unknown series of that metric too.
    await this.loadIndex(tenant, metric);
    return this.labels.get(key);
  }

  /**
   * Samples in [startMs, endMs] by series: the head segments of the given shards in every slice
   * the range touches, plus — for slices compaction may have reached — the chunks of the series
   * `compactedIds` names.
   */
  private async read(
    tenant: string,
    shards: number[],
    startMs: number,
    endMs: number,
    accept: (id: string, metric: string) => boolean,
    compactedIds: () => Promise<{ id: string; metric: string }[]>,
  ): Promise<Map<string, { metric: string; merger: SampleMerger }>> {
    const out = new Map<string, { metric: string; merger: SampleMerger }>();
    if (!(endMs >= startMs)) return out;
    const slices: number[] = [];
    for (let s = sliceOf(startMs); s <= sliceOf(endMs); s++) slices.push(s);

    const partitions = slices.flatMap((slice) => shards.map((shard) => ({ shard, slice })));
    await mapLimit(partitions, this.readConcurrency, async ({ shard, slice }) => {
      for (const segment of await this.headSegments(tenant, shard, slice, startMs)) {
        for (const s of segment) {
          if (!accept(s.id, s.metric)) continue;
          let entry = out.get(s.id);
          if (!entry) out.set(s.id, (entry = { metric: s.metric, merger: new SampleMerger() }));
          entry.merger.addRange(s.samples, startMs, endMs);
        }
      }
    });

    const compacted = await this.compactedSlices(tenant, slices);
    if (compacted.length > 0) {
      const buckets = [...new Set(compacted.map(bucketOfSlice))];
      const ids = await compactedIds();
      const reads = ids.flatMap(({ id, metric }) => buckets.map((bucket) => ({ id, metric, pk: seriesKeys.chunks(tenant, id, bucket) })));
      await mapLimit(reads, this.readConcurrency, async ({ id, metric, pk }) => {
        const items = await queryAll<ChunkValue>(this.store, pk, { skFrom: pad(startMs) });
        if (items.length === 0) return;
        let entry = out.get(id);
        if (!entry) out.set(id, (entry = { metric, merger: new SampleMerger() }));
        for (const item of items) entry.merger.addRange(this.decodeCached(`${pk}\u0000${item.sk}`, item.value.c, decodeChunk), startMs, endMs);
      });
    }
    return out;
  }

  /**
   * The head segments of one partition that end at or after `startMs`. A warm instance that read
   * the partition before asks only for what may have arrived since: segments ending after its
   * last refresh (less the on-time allowance and clock skew), and the markers of segments written
   * since that ended earlier. Everything else comes from the decoded cache; with anything
   * missing there, the whole range is read again, so correctness never depends on the cache.
   */
  private async headSegments(tenant: string, shard: number, slice: number, startMs: number): Promise<Decoded[]> {
    const pk = seriesKeys.head(tenant, shard, slice);
    const refreshAt = this.clock.now();
    const view = this.headViews.get(pk);
    const keyOf = (sk: string) => `${pk}\u0000${sk}`;
    const decodeItem = (sk: string, value: SegmentValue) => this.decodeCached(keyOf(sk), value.c, (c) => decodeSegment(Buffer.from(c, 'base64')));
    const maxTOf = (sk: string) => Number(sk.slice(0, 16));

    if (view && view.floor <= startMs) {
      const fresh = await queryAll<SegmentValue>(this.store, pk, { skFrom: pad(Math.max(startMs, view.refreshedAt - ON_TIME_MS - CLOCK_SKEW_MS)) });
      const marked = await queryAll(this.store, seriesKeys.recent(tenant, shard, slice), { skFrom: pad(view.refreshedAt - CLOCK_SKEW_MS - MAX_WRITE_MS) });
      for (const item of fresh) {
        decodeItem(item.sk, item.value);
        view.segments.add(item.sk);
      }
      for (const marker of marked) {
        const sk = marker.sk.slice(marker.sk.indexOf('#') + 1);
        if (view.segments.has(sk) || maxTOf(sk) < startMs) continue;
        const item = await this.store.get<SegmentValue>(pk, sk);
        if (!item) continue; // compacted and deleted meanwhile: its samples are in the chunks
        decodeItem(sk, item.value);
        view.segments.add(sk);
      }
      const out: Decoded[] = [];
      let complete = true;
      for (const sk of view.segments) {
        if (maxTOf(sk) < startMs) {
          view.segments.delete(sk);
          continue;
        }
        const cached = this.decoded.get(keyOf(sk)) as Decoded | undefined;
        if (!cached) {
          complete = false;
          break;
        }
        out.push(cached);
      }
      if (complete) {
        view.floor = startMs;
        view.refreshedAt = refreshAt;
        return out;
      }
    }

    // Segments are sorted by their last timestamp, so skFrom drops the ones ending before the range.
    const items = await queryAll<SegmentValue>(this.store, pk, { skFrom: pad(startMs) });
    if (this.headViews.size >= MAX_HEAD_VIEWS) this.headViews.clear();
    this.headViews.set(pk, { floor: startMs, refreshedAt: refreshAt, segments: new Set(items.map((i) => i.sk)) });
    return items.map((item) => decodeItem(item.sk, item.value));
  }

  /**
   * Slices of the range that compaction may have reached: closed ones (by this instance's clock,
   * with half the grace as margin) at or below the watermark. The watermark is read only when
   * the range reaches a closed slice, so evaluating recent windows does not pay for it.
   */
  private async compactedSlices(tenant: string, slices: number[]): Promise<number[]> {
    const now = this.clock.now();
    const closed = slices.filter((s) => (s + 1) * SLICE_MS + this.graceMs / 2 <= now);
    if (closed.length === 0) return [];
    const mark = await this.store.get<WatermarkValue>(seriesKeys.watermark(tenant), seriesKeys.watermarkSort);
    if (!mark) return [];
    // Compaction writes chunks only for slices at or below the watermark (late segments included).
    // Read after the head: a segment deleted meanwhile was compacted before the watermark moved.
    return closed.filter((s) => s <= mark.value.through);
  }

  private decodeCached<T extends Decoded | ChunkSample[]>(key: string, text: string, decode: (text: string) => T): T {
    const hit = this.decoded.get(key) as T | undefined;
    if (hit) return hit;
    const value = decode(text);
    this.decoded.set(key, value, text.length);
    return value;
  }
}

/** Samples of one series split by slice, each sorted and one per timestamp (the same rule as every read). */
function bySlice(list: ChunkSample[]): [number, ChunkSample[]][] {
  list.sort((a, b) => a.t - b.t);
  const out = new Map<number, ChunkSample[]>();
  let current: ChunkSample[] | undefined;
  let currentSlice = Number.NaN;
  for (const s of list) {
    const slice = sliceOf(s.t);
    if (slice !== currentSlice) {
      currentSlice = slice;
      current = out.get(slice);
      if (!current) out.set(slice, (current = []));
    }
    const last = current![current!.length - 1];
    if (last !== undefined && last.t === s.t) current![current!.length - 1] = preferred(last, s);
    else current!.push(s);
  }
  return [...out];
}

/** Consecutive runs of series whose encoding stays under the segment size limit, with a bound of each run's encoded size. */
function splitBySize(series: SegmentSeries[]): { part: SegmentSeries[]; bytes: number }[] {
  const boundOf = (s: SegmentSeries) => SERIES_OVERHEAD_BYTES + s.samples.length * SAMPLE_BOUND_BYTES;
  // A series too large for one segment is first cut into pieces that fit.
  if (series.some((s) => boundOf(s) > MAX_SEGMENT_BYTES)) {
    const room = Math.floor((MAX_SEGMENT_BYTES - SERIES_OVERHEAD_BYTES) / SAMPLE_BOUND_BYTES);
    series = series.flatMap((s) =>
      boundOf(s) <= MAX_SEGMENT_BYTES ? [s] : Array.from({ length: Math.ceil(s.samples.length / room) }, (_, k) => ({ id: s.id, metric: s.metric, samples: s.samples.slice(k * room, (k + 1) * room) })),
    );
  }
  // Runs of series that fit together are cut out of the array whole, not copied one by one.
  const parts: { part: SegmentSeries[]; bytes: number }[] = [];
  let start = 0;
  let bytes = 0;
  for (let i = 0; i < series.length; i++) {
    const size = boundOf(series[i]!);
    if (bytes + size > MAX_SEGMENT_BYTES) {
      parts.push({ part: series.slice(start, i), bytes });
      start = i;
      bytes = 0;
    }
    bytes += size;
  }
  if (series.length > start) parts.push({ part: series.slice(start), bytes });
  return parts;
}

function allShards(): number[] {
  return Array.from({ length: DEFAULT_SHARDS }, (_, i) => i);
}

async function mapLimit<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]!);
  });
  await Promise.all(workers);
}
