import { ByteReader, ByteWriter, readSamples, writeSamples, type ChunkSample } from './chunk';

/**
 * Head segment codec: the samples of many series from one ingest request, in one shard and
 * slice. Layout (all integers zig-zag varints):
 *
 *   format (1)  baseT  metricCount  { nameLength nameBytes }*
 *   seriesCount { id (8 raw bytes) metricIndex samples }*
 *
 * where `samples` is the chunk encoding with timestamps relative to baseT, the segment's
 * smallest timestamp. Series ids are the 16-hex-digit fingerprints, stored as their 8 bytes;
 * the metric name of each series lets a reader skip series of other metrics without the index.
 */
const FORMAT = 1;
const ID_BYTES = 8;

export interface SegmentSeries {
  id: string;
  metric: string;
  /** Sorted by time, one per timestamp. */
  samples: ChunkSample[];
}

/** `sizeHint`: an upper bound of the encoded size, if the caller knows one (the writer then never grows). */
export function encodeSegment(series: readonly SegmentSeries[], sizeHint = 64): Uint8Array {
  let baseT = Number.POSITIVE_INFINITY;
  for (const s of series) if (s.samples.length > 0 && s.samples[0]!.t < baseT) baseT = s.samples[0]!.t;
  if (!Number.isFinite(baseT)) baseT = 0;
  const metrics = new Map<string, number>();
  for (const s of series) if (!metrics.has(s.metric)) metrics.set(s.metric, metrics.size);

  const w = new ByteWriter(sizeHint);
  w.varint(FORMAT);
  w.varint(baseT);
  w.varint(metrics.size);
  for (const name of metrics.keys()) {
    const bytes = Buffer.from(name, 'utf8');
    w.varint(bytes.length);
    w.bytes(bytes);
  }
  w.varint(series.length);
  for (const s of series) {
    w.hex8(s.id);
    w.varint(metrics.get(s.metric)!);
    writeSamples(w, s.samples, baseT);
  }
  return w.result();
}

export function decodeSegment(bytes: Uint8Array): SegmentSeries[] {
  const r = new ByteReader(bytes);
  const format = r.varint();
  if (format !== FORMAT) throw new Error(`unknown segment format ${format}`);
  const baseT = r.varint();
  const metrics: string[] = new Array(r.varint());
  for (let i = 0; i < metrics.length; i++) metrics[i] = Buffer.from(r.bytes(r.varint())).toString('utf8');
  const out: SegmentSeries[] = new Array(r.varint());
  for (let i = 0; i < out.length; i++) {
    const id = Buffer.from(r.bytes(ID_BYTES)).toString('hex');
    const metric = metrics[r.varint()];
    if (metric === undefined) throw new Error('segment refers to a metric it does not name');
    out[i] = { id, metric, samples: readSamples(r, baseT) };
  }
  if (!r.done) throw new Error('segment has trailing bytes');
  return out;
}
