import { createHash } from 'node:crypto';

/**
 * Where samples live in the StateStore. Ingest appends immutable head segments per
 * (tenant, shard, slice); the scheduled compaction turns closed slices into per-series chunks
 * (`ck#`, partitioned by hour) and deletes their segments.
 */

/** Compacted chunks are partitioned by series and hour, so a read of the last minutes touches one or two partitions. */
export const BUCKET_MS = 3_600_000;
/** Head segments are partitioned by slice; one slice is compacted at a time. A whole number of slices fits a bucket. */
export const SLICE_MS = BUCKET_MS;
export const DEFAULT_RETENTION_MS = 15 * 24 * 3_600_000;
/** A slice is compacted once it ended this long ago: samples that arrive later still land (as late segments). */
export const DEFAULT_COMPACTION_GRACE_MS = 10 * 60_000;
export const DEFAULT_SHARDS = 8;

/** A segment ending at most this long before its write finished is "on time": incremental reads cover it by key range. */
export const ON_TIME_MS = 60_000;
/** Bound on the clock difference between two instances. */
export const CLOCK_SKEW_MS = 5_000;
/** Bound on one ingest write with its retries (a function's timeout): markers are read back this far. */
export const MAX_WRITE_MS = 15 * 60_000;

/** Fixed-width decimal, so sort keys order numerically. */
export const pad = (n: number) => String(Math.max(0, Math.floor(n))).padStart(16, '0');

export const seriesKeys = {
  metricNames: (tenant: string) => `mn#${tenant}`,
  seriesIndex: (tenant: string, metric: string) => `sx#${tenant}#${metric}`,
  chunks: (tenant: string, seriesId: string, bucket: number) => `ck#${tenant}#${seriesId}#${bucket}`,
  /** Sorting chunks and segments by their last timestamp lets a range read skip the ones that end too early. */
  chunkSort: (maxT: number, minT: number, contentHash: string) => `${pad(maxT)}#${pad(minT)}#${contentHash}`,
  /** Head segments of one shard and slice. */
  head: (tenant: string, shard: number, slice: number) => `hs#${tenant}#${shard}#${slice}`,
  headSort: (maxT: number, contentHash: string) => `${pad(maxT)}#${contentHash}`,
  /** One marker per segment written into a slice that may already be compacted, so compaction comes back for it. */
  late: (tenant: string) => `hl#${tenant}`,
  lateSort: (slice: number, shard: number, segmentSk: string) => `${pad(slice)}#${shard}#${segmentSk}`,
  /**
   * One marker per segment that ended well before its writer finished writing it (backfill, a
   * slow retry), sorted by when it was written: an incremental head read finds such segments here
   * instead of re-reading the whole window.
   */
  recent: (tenant: string, shard: number, slice: number) => `hr#${tenant}#${shard}#${slice}`,
  recentSort: (writtenAt: number, segmentSk: string) => `${pad(writtenAt)}#${segmentSk}`,
  /** The compaction watermark: every slice up to `through` has been compacted at least once. */
  watermark: (tenant: string) => `hw#${tenant}`,
  watermarkSort: 'w',
};

export const sliceOf = (t: number) => Math.floor(t / SLICE_MS);
export const bucketOfSlice = (slice: number) => Math.floor((slice * SLICE_MS) / BUCKET_MS);

/** The shard of a metric: every series of one metric name lives in one shard, so a selector naming it reads only that shard. */
export function shardOf(tenant: string, metric: string, shards: number): number {
  const digest = createHash('sha256').update(tenant).update('\u0000').update(metric).digest();
  return digest.readUInt32BE(0) % shards;
}

export function contentHash(...parts: (string | Uint8Array)[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest('hex').slice(0, 16);
}
