import type { StateStore, WriteOp } from '../../ports';

/** Metric metadata as remote write and OTLP carry it (type, help, unit of a metric family). */
export interface MetricMetadata {
  metric: string;
  type: string;
  help: string;
  unit: string;
}

export const metadataKeys = {
  metadata: (tenant: string) => `md#${tenant}`,
};

interface StoredMetadata {
  type: string;
  help: string;
  unit: string;
  [key: string]: string;
}

/**
 * Metric metadata per tenant, one item per metric family (the latest wins, as in Prometheus'
 * metadata API). A warm instance remembers what it wrote, so Prometheus re-sending the same
 * metadata every minute costs no writes.
 */
export class MetadataRepository {
  private readonly written = new Map<string, string>();

  constructor(private readonly store: StateStore) {}

  async write(tenant: string, entries: MetricMetadata[]): Promise<number> {
    const ops: WriteOp[] = [];
    const seen = new Set<string>();
    for (let i = entries.length - 1; i >= 0; i--) {
      const m = entries[i]!;
      if (seen.has(m.metric)) continue; // the last entry of a family in one request wins
      seen.add(m.metric);
      const value: StoredMetadata = { type: m.type, help: m.help, unit: m.unit };
      const cacheKey = `${tenant}\u0000${m.metric}`;
      const fingerprint = JSON.stringify(value);
      if (this.written.get(cacheKey) === fingerprint) continue;
      ops.push({ type: 'put', pk: metadataKeys.metadata(tenant), sk: m.metric, value });
      this.written.set(cacheKey, fingerprint);
    }
    if (ops.length > 0) {
      try {
        await this.store.batchWrite(ops);
      } catch (err) {
        for (const op of ops) this.written.delete(`${tenant}\u0000${op.sk}`);
        throw err;
      }
    }
    return ops.length;
  }

  /** Metadata of one metric family, or of all (Prometheus' `/api/v1/metadata` shape is built from this). */
  async list(tenant: string, metric?: string): Promise<MetricMetadata[]> {
    if (metric !== undefined) {
      const item = await this.store.get<StoredMetadata>(metadataKeys.metadata(tenant), metric);
      return item ? [{ metric, type: item.value.type, help: item.value.help, unit: item.value.unit }] : [];
    }
    const out: MetricMetadata[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.store.query<StoredMetadata>(metadataKeys.metadata(tenant), { cursor });
      for (const item of page.items) out.push({ metric: item.sk, type: item.value.type, help: item.value.help, unit: item.value.unit });
      cursor = page.cursor;
    } while (cursor);
    return out;
  }
}
