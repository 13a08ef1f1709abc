import type { StateStore, StoreItem, WriteOp } from '../ports';
import { ConditionFailedError, queryAll } from '../ports';
import { encodeChunk } from './chunk';
import { BUCKET_MS, bucketOfSlice, contentHash, pad, seriesKeys, SLICE_MS } from './layout';
import { SampleMerger } from './merge';
import type { SegmentSeries } from './segment';

export interface CompactionReport {
  /** Slices the watermark moved over in this run. */
  slices: number;
  /** Head segments turned into chunks and deleted. */
  segments: number;
  /** Chunk items written. */
  chunks: number;
  /** Segments that arrived after their slice was compacted, compacted now. */
  lateSegments: number;
}

export interface CompactorOptions {
  retentionMs: number;
  graceMs: number;
  shards: number;
  /** Decodes a segment's base64 value; `key` identifies the immutable item for caching. */
  decodeSegment: (key: string, base64: string) => SegmentSeries[];
  /** Slices one run compacts at most, so a tenant idle for long catches up over several sweeps. */
  maxSlicesPerRun?: number;
}

/** Samples per chunk item: base64 of the worst case stays under every store's item limit. */
const MAX_CHUNK_SAMPLES = 10_000;

interface SegmentValue {
  c: string;
}

/**
 * Turns closed head slices into per-series chunks. For each slice (all shards): write the
 * chunks, then move the watermark over the slice, then delete the segments. A crash anywhere
 * loses nothing — until the watermark moves readers read the segments, after it the chunks —
 * and counts nothing twice: chunks are content-addressed, and readers keep one sample per
 * timestamp. Two runs at once write the same chunks (or overlapping ones) and delete the same
 * segments. Segments written into a slice already compacted carry a late marker; they are
 * compacted the same way (their slice is already below the watermark, so chunks go first,
 * deletes after).
 */
export class Compactor {
  private readonly maxSlicesPerRun: number;

  constructor(
    private readonly store: StateStore,
    private readonly options: CompactorOptions,
  ) {
    this.maxSlicesPerRun = options.maxSlicesPerRun ?? 48;
  }

  async compact(tenant: string, now: number): Promise<CompactionReport> {
    const report: CompactionReport = { slices: 0, segments: 0, chunks: 0, lateSegments: 0 };
    const mark = await this.store.get<{ through: number }>(seriesKeys.watermark(tenant), seriesKeys.watermarkSort);
    // No watermark: nothing was ever written for this tenant.
    if (!mark) return report;
    const through = mark.value.through;
    const lastClosed = Math.floor((now - this.options.graceMs) / SLICE_MS) - 1;

    // Late markers by shard and slice: the segment keys they name.
    const markers = await queryAll(this.store, seriesKeys.late(tenant), { skTo: pad(lastClosed + 1) });
    const lateBy = new Map<string, Set<string>>();
    for (const m of markers) {
      const [slice, shard] = m.sk.split('#');
      const key = `${Number(shard)}#${Number(slice)}`;
      let set = lateBy.get(key);
      if (!set) lateBy.set(key, (set = new Set()));
      set.add(m.sk);
    }

    for (const [key, markerSks] of lateBy) {
      const [shard, slice] = key.split('#').map(Number) as [number, number];
      if (slice > through) continue; // the pass below takes it
      const done = await this.compactPartition(tenant, shard, slice, markerSks);
      report.lateSegments += done.segments;
      report.chunks += done.chunks;
      await this.batchDelete(done.deletes);
    }

    for (let slice = through + 1; slice <= Math.min(lastClosed, through + this.maxSlicesPerRun); slice++) {
      const deletes: WriteOp[] = [];
      for (let shard = 0; shard < this.options.shards; shard++) {
        const done = await this.compactPartition(tenant, shard, slice, lateBy.get(`${shard}#${slice}`) ?? new Set());
        report.segments += done.segments;
        report.chunks += done.chunks;
        deletes.push(...done.deletes);
      }
      await this.advance(tenant, slice);
      report.slices++;
      await this.batchDelete(deletes);
    }
    return report;
  }

  /** Writes the chunks of one head partition; returns the deletes that may follow once readers can find the chunks. */
  private async compactPartition(
    tenant: string,
    shard: number,
    slice: number,
    markerSks: Set<string>,
  ): Promise<{ segments: number; chunks: number; deletes: WriteOp[] }> {
    const pk = seriesKeys.head(tenant, shard, slice);
    const items: StoreItem<SegmentValue>[] = await queryAll<SegmentValue>(this.store, pk);
    const deletes: WriteOp[] = [];
    // Markers whose segment is gone (compacted by a concurrent run) go as well.
    const segmentSks = new Set(items.map((i) => i.sk));
    for (const m of markerSks) if (!segmentSks.has(m.slice(m.indexOf('#', m.indexOf('#') + 1) + 1))) deletes.push({ type: 'delete', pk: seriesKeys.late(tenant), sk: m });
    if (items.length === 0) return { segments: 0, chunks: 0, deletes };

    const bySeries = new Map<string, SampleMerger>();
    for (const item of items) {
      for (const s of this.options.decodeSegment(`${pk}\u0000${item.sk}`, item.value.c)) {
        let merger = bySeries.get(s.id);
        if (!merger) bySeries.set(s.id, (merger = new SampleMerger()));
        for (const sample of s.samples) merger.add(sample);
      }
    }

    const bucket = bucketOfSlice(slice);
    const expiresAt = (bucket + 1) * BUCKET_MS + this.options.retentionMs;
    const ops: WriteOp[] = [];
    // Sorted, so the same segments always give the same chunk keys.
    for (const id of [...bySeries.keys()].sort()) {
      const all = bySeries.get(id)!.sorted();
      for (let i = 0; i < all.length; i += MAX_CHUNK_SAMPLES) {
        const samples = all.slice(i, i + MAX_CHUNK_SAMPLES);
        const c = encodeChunk(samples);
        const sk = seriesKeys.chunkSort(samples[samples.length - 1]!.t, samples[0]!.t, contentHash(id, c));
        ops.push({ type: 'put', pk: seriesKeys.chunks(tenant, id, bucket), sk, value: { n: samples.length, c }, expiresAt, immutable: true });
      }
    }
    await this.store.batchWrite(ops);

    for (const item of items) {
      deletes.push({ type: 'delete', pk, sk: item.sk });
      const marker = seriesKeys.lateSort(slice, shard, item.sk);
      if (markerSks.has(marker)) deletes.push({ type: 'delete', pk: seriesKeys.late(tenant), sk: marker });
    }
    return { segments: items.length, chunks: ops.length, deletes };
  }

  /** Moves the watermark up to `slice`, never down (a concurrent run may be ahead). */
  private async advance(tenant: string, slice: number): Promise<void> {
    for (;;) {
      const mark = await this.store.get<{ through: number }>(seriesKeys.watermark(tenant), seriesKeys.watermarkSort);
      if (mark && mark.value.through >= slice) return;
      try {
        await this.store.put(seriesKeys.watermark(tenant), seriesKeys.watermarkSort, { through: slice }, { ifVersion: mark?.version ?? 0 });
        return;
      } catch (err) {
        if (!(err instanceof ConditionFailedError)) throw err;
      }
    }
  }

  private async batchDelete(deletes: WriteOp[]): Promise<void> {
    if (deletes.length > 0) await this.store.batchWrite(deletes);
  }
}
