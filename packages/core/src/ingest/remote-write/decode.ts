import SnappyJS from 'snappyjs';
import { ValidationError } from '../../errors';
import { METRIC_NAME, type Labels } from '../../model';
import type { SeriesInput } from '../../limits';
import type { MetricMetadata } from '../metadata';
import { METRIC_TYPES, WriteRequestType, toNumber, type MetricType, type PbWriteRequest } from './proto';

export interface DecodedWriteRequest {
  series: SeriesInput[];
  metadata: MetricMetadata[];
  /** Exemplars are not stored; counted so the response and logs can say so. */
  exemplarsIgnored: number;
  /** Native histogram samples are not stored (classic histograms are plain series and are). */
  histogramsIgnored: number;
}

/** Bound on the decompressed size: a snappy header may claim any length (a decompression bomb). */
export const MAX_DECOMPRESSED_BYTES = 64 * 1024 * 1024;

/**
 * Snappy block format (not the framed format), as remote write 1.0 specifies. The length header
 * is checked before anything is allocated: a header may claim any size (a decompression bomb).
 */
export function snappyDecode(body: Uint8Array, maxBytes = MAX_DECOMPRESSED_BYTES): Uint8Array {
  try {
    // A Buffer in gives a Buffer out (a view, no copy here), and protobufjs reads strings from a
    // Buffer with Node's native UTF-8 decoder instead of its JavaScript one.
    return SnappyJS.uncompress(Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength), maxBytes);
  } catch (err) {
    throw ValidationError.single('', `corrupt snappy data: ${(err as Error).message}`);
  }
}

export function snappyEncode(data: Uint8Array): Uint8Array {
  return SnappyJS.compress(data);
}

/**
 * Decodes a remote-write 1.0 body (snappy block-compressed protobuf WriteRequest) into series.
 * Every problem is a ValidationError (400): corrupt snappy, truncated or malformed protobuf,
 * duplicate label names. Empty label values are dropped (in Prometheus an empty value is an
 * absent label). Label syntax and limits are checked by the limiter.
 */
export function decodeRemoteWrite(body: Uint8Array): DecodedWriteRequest {
  const raw = snappyDecode(body);
  let request: PbWriteRequest;
  try {
    request = WriteRequestType.decode(raw) as unknown as PbWriteRequest;
  } catch (err) {
    throw ValidationError.single('', `malformed protobuf WriteRequest: ${(err as Error).message}`);
  }
  const series: SeriesInput[] = [];
  let exemplarsIgnored = 0;
  let histogramsIgnored = 0;
  for (let i = 0; i < request.timeseries.length; i++) {
    const ts = request.timeseries[i]!;
    exemplarsIgnored += ts.exemplars.length;
    histogramsIgnored += ts.histograms.length;
    if (ts.samples.length === 0) continue;
    const labels: Labels = {};
    for (const label of ts.labels) {
      if (Object.prototype.hasOwnProperty.call(labels, label.name)) {
        throw ValidationError.single(`timeseries[${i}].labels`, `duplicate label name ${JSON.stringify(label.name.slice(0, 64))}`);
      }
      if (label.value !== '') labels[label.name] = label.value;
    }
    if (labels[METRIC_NAME] === undefined) throw ValidationError.single(`timeseries[${i}].labels`, 'series has no metric name (__name__ label)');
    const samples = new Array<{ t: number; v: number }>(ts.samples.length);
    for (let k = 0; k < ts.samples.length; k++) {
      const s = ts.samples[k]!;
      // Sample objects carry the value as decoded: stale-marker NaN bits survive (see promql/source).
      samples[k] = { t: toNumber(s.timestamp), v: s.value };
    }
    series.push({ labels, samples });
  }
  const metadata: MetricMetadata[] = request.metadata
    .filter((m) => m.metric_family_name !== '')
    .map((m) => ({ metric: m.metric_family_name, type: METRIC_TYPES[m.type] ?? 'unknown', help: m.help, unit: m.unit }));
  return { series, metadata, exemplarsIgnored, histogramsIgnored };
}

export interface EncodeSeries {
  labels: Labels;
  samples: { t: number; v: number }[];
}

/** Builds a remote-write body (for producers that push to the ingest queue, tests and benchmarks). */
export function encodeRemoteWrite(series: EncodeSeries[], metadata: MetricMetadata[] = []): Uint8Array {
  const message = WriteRequestType.fromObject({
    timeseries: series.map((s) => ({
      labels: Object.keys(s.labels)
        .sort()
        .map((name) => ({ name, value: s.labels[name] })),
      samples: s.samples.map((p) => ({ value: p.v, timestamp: p.t })),
    })),
    metadata: metadata.map((m) => ({ type: Math.max(0, METRIC_TYPES.indexOf(m.type as MetricType)), metric_family_name: m.metric, help: m.help, unit: m.unit })),
  });
  return snappyEncode(WriteRequestType.encode(message).finish());
}
