import { createHash } from 'node:crypto';
import type { StateStore, WriteOp } from '../ports';
import { ConditionFailedError, queryAll } from '../ports';
import { fingerprint, METRIC_NAME, type Labels, type Sample } from '../model';
import type { LabelMatcher, SeriesData, SeriesSource } from '../promql';
import { matchesAll } from '../promql';
import { decodeChunk, encodeChunk, type ChunkSample } from './chunk';

/** Samples are partitioned by series and hour, so a read of the last minutes touches one or two partitions. */
export const BUCKET_MS = 3_600_000;
export const DEFAULT_RETENTION_MS = 15 * 24 * 3_600_000;

const pad = (n: number) => String(Math.max(0, Math.floor(n))).padStart(16, '0');

export const seriesKeys = {
  metricNames: (tenant: string) => `mn#${tenant}`,
  seriesIndex: (tenant: string, metric: string) => `sx#${tenant}#${metric}`,
  chunks: (tenant: string, seriesId: string, bucket: number) => `ck#${tenant}#${seriesId}#${bucket}`,
  /** Sorting chunks by their last timestamp lets a range read skip chunks that end too early. */
  chunkSort: (maxT: number, minT: number, contentHash: string) => `${pad(maxT)}#${pad(minT)}#${contentHash}`,
};

interface SeriesIndexValue {
  labels: Labels;
  [key: string]: Labels;
}

interface ChunkValue {
  n: number;
  c: string;
  [key: string]: string | number;
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
}

/**
 * The time-series side of the StateStore: a per-metric series index and compressed
 * sample chunks. Writing the same batch twice writes the same chunk keys, so a
 * redelivered ingest message never double-counts.
 */
export class SeriesStore {
  /** Series known to be indexed: a warm instance skips their index writes. Correctness never depends on it. */
  private readonly knownSeries = new Set<string>();
  private readonly retentionMs: number;
  private readonly readConcurrency: number;

  constructor(
    private readonly store: StateStore,
    options: SeriesStoreOptions = {},
  ) {
    this.retentionMs = options.retentionMs ?? DEFAULT_RETENTION_MS;
    this.readConcurrency = options.readConcurrency ?? 32;
  }

  async write(tenant: string, samples: Sample[]): Promise<WriteResult> {
    const bySeries = new Map<string, { labels: Labels; samples: ChunkSample[] }>();
    // Decoders hand consecutive samples of one series the same labels object: hash it once.
    let lastLabels: Labels | undefined;
    let lastId = '';
    for (const s of samples) {
      const id = s.labels === lastLabels ? lastId : fingerprint(s.labels);
      lastLabels = s.labels;
      lastId = id;
      let entry = bySeries.get(id);
      if (!entry) bySeries.set(id, (entry = { labels: s.labels, samples: [] }));
      entry.samples.push({ t: s.t, v: s.v });
    }

    let newSeries = 0;
    const metrics = new Set<string>();
    for (const [id, { labels }] of bySeries) {
      const metric = labels[METRIC_NAME] ?? '';
      metrics.add(metric);
      const cacheKey = `${tenant}\u0000${id}`;
      if (this.knownSeries.has(cacheKey)) continue;
      if (await this.createIfAbsent(seriesKeys.seriesIndex(tenant, metric), id, { labels })) {
        newSeries++;
        await this.createIfAbsent(seriesKeys.metricNames(tenant), metric, {});
      }
      this.knownSeries.add(cacheKey);
    }

    const ops: WriteOp[] = [];
    for (const [id, { samples: list }] of bySeries) {
      list.sort((a, b) => a.t - b.t);
      const byBucket = new Map<number, ChunkSample[]>();
      for (const s of list) {
        const bucket = Math.floor(s.t / BUCKET_MS);
        let b = byBucket.get(bucket);
        if (!b) byBucket.set(bucket, (b = []));
        b.push(s);
      }
      for (const [bucket, chunkSamples] of byBucket) {
        const encoded = encodeChunk(chunkSamples);
        const hash = createHash('sha256').update(id).update(encoded).digest('hex').slice(0, 16);
        const minT = chunkSamples[0]!.t;
        const maxT = chunkSamples[chunkSamples.length - 1]!.t;
        const value: ChunkValue = { n: chunkSamples.length, c: encoded };
        ops.push({
          type: 'put',
          pk: seriesKeys.chunks(tenant, id, bucket),
          sk: seriesKeys.chunkSort(maxT, minT, hash),
          value,
          expiresAt: (bucket + 1) * BUCKET_MS + this.retentionMs,
        });
      }
    }
    if (ops.length > 0) await this.store.batchWrite(ops);
    return { series: bySeries.size, samples: samples.length, newSeries, metrics: [...metrics] };
  }

  private async createIfAbsent(pk: string, sk: string, value: SeriesIndexValue | Record<string, never>): Promise<boolean> {
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
    const out: { id: string; labels: Labels }[] = [];
    for (const name of names) {
      if (!matchesAll({ [METRIC_NAME]: name }, matchers.filter((m) => m.name === METRIC_NAME))) continue;
      const items = await queryAll<SeriesIndexValue>(this.store, seriesKeys.seriesIndex(tenant, name));
      for (const item of items) if (matchesAll(item.value.labels, matchers)) out.push({ id: item.sk, labels: item.value.labels });
    }
    return out;
  }

  /** Samples of one series in [startMs, endMs], sorted, one per timestamp. */
  async samples(tenant: string, seriesId: string, startMs: number, endMs: number): Promise<ChunkSample[]> {
    // Samples stay objects all the way: a NaN in a number[] (even a [t, v] pair from Map.entries())
    // may lose its payload in V8, and the stale marker is a NaN payload.
    const merged = new Map<number, ChunkSample>();
    for (let bucket = Math.floor(startMs / BUCKET_MS); bucket <= Math.floor(endMs / BUCKET_MS); bucket++) {
      // Chunks are sorted by their last timestamp, so skFrom drops the ones ending before the range.
      const items = await queryAll<ChunkValue>(this.store, seriesKeys.chunks(tenant, seriesId, bucket), { skFrom: pad(startMs) });
      // Equal timestamps across chunks: the chunk with the greatest key wins, which is deterministic whatever the write order.
      for (const item of items) {
        for (const s of decodeChunk(item.value.c)) if (s.t >= startMs && s.t <= endMs) merged.set(s.t, s);
      }
    }
    return [...merged.values()].sort((a, b) => a.t - b.t);
  }

  /** A PromQL sample source scoped to one tenant. */
  source(tenant: string): SeriesSource {
    return {
      select: async (matchers, startMs, endMs) => {
        const series = await this.series(tenant, matchers);
        const out: SeriesData[] = new Array(series.length);
        for (let i = 0; i < series.length; i += this.readConcurrency) {
          const slice = series.slice(i, i + this.readConcurrency);
          const loaded = await Promise.all(slice.map((s) => this.samples(tenant, s.id, startMs, endMs)));
          loaded.forEach((samples, k) => (out[i + k] = { labels: slice[k]!.labels, samples }));
        }
        return out;
      },
    };
  }
}
