import protobuf from 'protobufjs';
import type * as Hysnappy from 'hysnappy';
import { ValidationError } from '../../errors';
import { lazy } from '../../lazy';
import { fingerprint, Fnv64, METRIC_NAME, type Labels } from '../../model';
import type { SeriesInput } from '../../limits';
import { LabelSetCache, type KnownLabelSet } from '../label-sets';
import type { MetricMetadata } from '../metadata';
import { METRIC_TYPES, writeRequestType, type MetricType } from './proto';

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
 * hysnappy: snappy compiled to WebAssembly, five times faster here than snappyjs in plain
 * JavaScript on remote-write bodies (and than the native binding, which copies through N-API).
 * Its module is instantiated on first use, not at a function's cold start.
 */
const snappy = lazy(() => {
  const lib = require('hysnappy') as typeof Hysnappy;
  return { uncompress: lib.snappyUncompressor(), compress: lib.snappyCompressor() };
});

/**
 * Snappy block format (not the framed format), as remote write 1.0 specifies. The length header
 * is checked against `maxBytes` before anything is allocated: a header may claim any size (a
 * decompression bomb). hysnappy decodes exactly that many bytes or fails: a stream that ends
 * early, runs long or copies from before its start is refused, so no byte of an earlier body
 * left in its memory can appear in this one's output.
 */
export function snappyDecode(body: Uint8Array, maxBytes = MAX_DECOMPRESSED_BYTES): Uint8Array {
  const length = uncompressedLength(body);
  if (length === undefined) throw ValidationError.single('', 'corrupt snappy data: invalid length header');
  if (length > maxBytes) throw ValidationError.single('', `corrupt snappy data: the uncompressed length of ${length} bytes is too big, expect at most ${maxBytes}`);
  try {
    return snappy().uncompress(body, length);
  } catch (err) {
    throw ValidationError.single('', `corrupt snappy data: ${(err as Error).message}`);
  }
}

export function snappyEncode(data: Uint8Array): Uint8Array {
  return snappy().compress(data);
}

/** The block's length header: a varint of at most 32 bits (undefined if it is not one). */
function uncompressedLength(body: Uint8Array): number | undefined {
  let length = 0;
  for (let i = 0; i < 5 && i < body.length; i++) {
    const b = body[i]!;
    length += (b & 0x7f) * 2 ** (7 * i);
    if (b < 0x80) return length <= 0xffffffff ? length : undefined;
  }
  return undefined;
}

/** The label sets of series this instance has decoded: shared by every request of a warm instance. */
const decodedLabelSets = new LabelSetCache();

export interface DecodeOptions {
  /** Where label sets seen before are found by their bytes' fingerprint (default: the instance's shared cache). */
  labelSets?: LabelSetCache;
}

/**
 * Decodes a remote-write 1.0 body (snappy block-compressed protobuf WriteRequest) into series.
 * Every problem is a ValidationError (400): corrupt snappy, truncated or malformed protobuf,
 * invalid UTF-8, duplicate label names. Empty label values are dropped (in Prometheus an empty
 * value is an absent label). Label syntax and limits are checked by the limiter.
 */
export function decodeRemoteWrite(body: Uint8Array, options: DecodeOptions = {}): DecodedWriteRequest {
  const raw = snappyDecode(body);
  try {
    return new WriteRequestDecoder(raw, options.labelSets ?? decodedLabelSets).decode();
  } catch (err) {
    if (err instanceof ValidationError) throw err;
    throw ValidationError.single('', `malformed protobuf WriteRequest: ${(err as Error).message}`);
  }
}

const LEN = 2;
const VARINT = 0;
const FIXED64 = 1;
// ignoreBOM keeps a leading U+FEFF in the string (by default TextDecoder would drop it from a label value).
const utf8Strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * A WriteRequest walked field by field with protobufjs' wire reader, instead of decoded into
 * one object per message by its reflection decoder. The point is what it does not build: a
 * series' labels are kept as byte ranges, and a label set whose bytes the instance has seen
 * before is found by them (LabelSetCache); only a new one is decoded into strings and
 * fingerprinted (from its bytes when it came sorted by name, as Prometheus sends labels, since
 * those bytes are exactly what the fingerprint hashes). Samples become `{t, v}` at once.
 */
class WriteRequestDecoder {
  private readonly reader: protobuf.Reader;
  private readonly buf: Uint8Array;
  /** The same bytes as a Buffer (no copy), for its native compare and latin1 strings. */
  private readonly bytes: Buffer;
  private readonly view: DataView;
  private readonly series: SeriesInput[] = [];
  private readonly metadata: MetricMetadata[] = [];
  private exemplarsIgnored = 0;
  private histogramsIgnored = 0;
  /** Byte ranges of the current series' labels: name start, name end, value start, value end. */
  private ranges = new Int32Array(4 * 32);
  private readonly hash = new Fnv64();
  /** The fingerprint of the label set labelsOf() returned last. */
  private lastId = '';
  /** The remembered label set of the series before, for the cache to guess the next one from. */
  private previous: KnownLabelSet | undefined;

  constructor(
    buf: Uint8Array,
    private readonly labelSets: LabelSetCache,
  ) {
    this.buf = buf;
    this.bytes = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
    this.reader = protobuf.Reader.create(buf);
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  decode(): DecodedWriteRequest {
    const r = this.reader;
    const end = this.buf.length;
    while (r.pos < end) {
      const tag = this.varint32();
      const field = tag >>> 3;
      if (field === 1 && (tag & 7) === LEN) this.timeSeries(this.embeddedEnd(end));
      else if (field === 3 && (tag & 7) === LEN) this.metricMetadata(this.embeddedEnd(end));
      else this.skip(tag, (1 << 1) | (1 << 3));
    }
    return { series: this.series, metadata: this.metadata, exemplarsIgnored: this.exemplarsIgnored, histogramsIgnored: this.histogramsIgnored };
  }

  /** A tag or length: protobufjs' uint32, with the one-byte case (nearly every tag and length here) inline. */
  private varint32(): number {
    const r = this.reader;
    const b = this.buf[r.pos];
    if (b !== undefined && b < 0x80) {
      r.pos++;
      return b;
    }
    return r.uint32();
  }

  /** Reads a length prefix and returns where the embedded message ends, checked against its parent's end. */
  private embeddedEnd(parentEnd: number): number {
    const length = this.varint32();
    const end = this.reader.pos + length;
    if (end > parentEnd) throw new Error(`length ${length} at offset ${this.reader.pos} runs past the end of its message`);
    return end;
  }

  /** Skips an unknown field; a field the message declares (a bit of `declared`) with another wire type is malformed. */
  private skip(tag: number, declared: number): void {
    const field = tag >>> 3;
    if (field < 31 && ((declared >>> field) & 1) === 1) throw new Error(`field ${field} has wire type ${tag & 7}, which it cannot have`);
    this.reader.skipType(tag & 7, 0, field);
  }

  private done(end: number): void {
    if (this.reader.pos !== end) throw new Error(`field runs past the end of its message at offset ${end}`);
  }

  private timeSeries(end: number): void {
    const r = this.reader;
    const start = r.pos;
    // Most series carry one sample: its array is made at its exact size once the series is read.
    let first: { t: number; v: number } | undefined;
    let samples: { t: number; v: number }[] | undefined;
    // Where the labels lie, tags included: a label set seen before is found by these bytes, and
    // only a new one is parsed (parseLabels). -1 when they are not together (no sender does that).
    let labelsStart = -1;
    let labelsEnd = -1;
    let together = true;
    while (r.pos < end) {
      const tagAt = r.pos;
      const tag = this.varint32();
      const field = tag >>> 3;
      const wireType = tag & 7;
      if (field === 1 && wireType === LEN) {
        if (labelsStart < 0) labelsStart = tagAt;
        else if (tagAt !== labelsEnd) together = false;
        r.pos = labelsEnd = this.embeddedEnd(end);
      } else if (field === 2 && wireType === LEN) {
        const sample = this.sample(this.embeddedEnd(end));
        if (first === undefined) first = sample;
        else if (samples === undefined) samples = [first, sample];
        else samples.push(sample);
      } else {
        if (field === 3) this.exemplarsIgnored++;
        else if (field === 4) this.histogramsIgnored++;
        this.skip(tag, (1 << 1) | (1 << 2));
      }
    }
    this.done(end);
    if (first === undefined) {
      this.skippedSeries++;
      return;
    }
    const labels = together && labelsStart >= 0 ? this.labelsAt(start, end, labelsStart, labelsEnd) : this.decodeLabels(start, end);
    // The shape the series store works on (labels, samples, id, metric): it takes these objects as they are.
    this.series.push({ labels, samples: samples ?? [first], id: this.lastId, metric: labels[METRIC_NAME]! });
  }

  /** Series without samples (exemplars or native histograms only) are not stored, but count in `timeseries[i]` paths. */
  private skippedSeries = 0;

  /**
   * The label set of the series at `start` to `end` whose labels lie at `labelsStart` to
   * `labelsEnd` (-1 for none): the one decoded before from the same bytes, else decoded now and
   * remembered under them.
   */
  private labelsAt(start: number, end: number, labelsStart: number, labelsEnd: number): Labels {
    const known = this.labelSets.get(this.view, labelsStart, labelsEnd, this.previous);
    if (known !== undefined) {
      this.previous = known;
      this.lastId = known.id;
      return known.labels;
    }
    const labels = this.decodeLabels(start, end);
    this.previous = this.labelSets.set(this.view, labelsStart, labelsEnd, this.lastId, labels, this.previous);
    return this.previous.labels;
  }

  /** Parses the labels of the series at `start` to `end` into strings and sets lastId to their fingerprint. */
  private decodeLabels(start: number, end: number): Labels {
    const r = this.reader;
    const resume = r.pos;
    r.pos = start;
    let count = 0;
    // The series was walked once already: its fields and lengths are known to be sound.
    while (r.pos < end) {
      const tag = this.varint32();
      if (tag === ((1 << 3) | LEN)) {
        if (4 * count === this.ranges.length) this.growRanges();
        this.label(this.embeddedEnd(end), count++);
      } else r.skipType(tag & 7, 0, tag >>> 3);
    }
    r.pos = resume;
    return this.labelsOf(this.series.length + this.skippedSeries, count);
  }

  private growRanges(): void {
    const next = new Int32Array(this.ranges.length * 2);
    next.set(this.ranges);
    this.ranges = next;
  }

  private label(end: number, at: number): void {
    const r = this.reader;
    const ranges = this.ranges;
    // Absent fields are empty strings in proto3; a repeated field keeps its last value.
    ranges[4 * at] = ranges[4 * at + 1] = ranges[4 * at + 2] = ranges[4 * at + 3] = r.pos;
    while (r.pos < end) {
      const tag = this.varint32();
      const field = tag >>> 3;
      if ((field === 1 || field === 2) && (tag & 7) === LEN) {
        const fieldEnd = this.embeddedEnd(end);
        const slot = 4 * at + (field === 1 ? 0 : 2);
        ranges[slot] = r.pos;
        ranges[slot + 1] = fieldEnd;
        r.pos = fieldEnd;
      } else this.skip(tag, (1 << 1) | (1 << 2));
    }
    this.done(end);
  }

  private sample(end: number): { t: number; v: number } {
    const r = this.reader;
    let t = 0;
    let v = 0;
    // What every sender writes: the value (tag 0x09, 8 bytes little-endian), then the timestamp (tag 0x10, a varint).
    const pos = r.pos;
    if (end - pos >= 11 && this.buf[pos] === 0x09 && this.buf[pos + 9] === 0x10) {
      v = this.view.getFloat64(pos + 1, true);
      r.pos = pos + 10;
      t = this.int64(end);
    }
    while (r.pos < end) {
      const tag = this.varint32();
      const field = tag >>> 3;
      const wireType = tag & 7;
      // Sample objects carry the value as decoded: stale-marker NaN bits survive (see promql/source).
      if (field === 1 && wireType === FIXED64) v = r.double();
      else if (field === 2 && wireType === VARINT) t = this.int64(end);
      else this.skip(tag, (1 << 1) | (1 << 2));
    }
    this.done(end);
    return { t, v };
  }

  /** A varint int64 as a number (two's complement for negatives; beyond 2^53 it rounds, as Long#toNumber does). */
  private int64(end: number): number {
    const buf = this.buf;
    const r = this.reader;
    let lo = 0;
    let hi = 0;
    let shift = 0;
    for (;;) {
      if (r.pos >= end) throw new Error(`varint runs past the end of its message at offset ${r.pos}`);
      const b = buf[r.pos++]!;
      if (shift < 28) lo |= (b & 0x7f) << shift;
      else if (shift === 28) {
        lo |= (b & 0x0f) << 28;
        hi |= (b & 0x7f) >> 4;
      } else if (shift < 64) hi |= (b & 0x7f) << (shift - 32);
      if (b < 0x80) break;
      shift += 7;
      if (shift >= 70) throw new Error(`varint longer than 10 bytes at offset ${r.pos}`);
    }
    return (hi | 0) * 0x100000000 + (lo >>> 0);
  }

  /** The labels parsed into `ranges` as strings (empty values are absent labels); sets lastId to their fingerprint. */
  private labelsOf(index: number, count: number): Labels {
    const ranges = this.ranges;
    const labels: Labels = {};
    for (let i = 0; i < count; i++) {
      const name = this.text(ranges[4 * i]!, ranges[4 * i + 1]!);
      if (Object.prototype.hasOwnProperty.call(labels, name)) {
        throw ValidationError.single(`timeseries[${index}].labels`, `duplicate label name ${JSON.stringify(name.slice(0, 64))}`);
      }
      const value = this.text(ranges[4 * i + 2]!, ranges[4 * i + 3]!);
      if (value !== '') labels[name] = value;
    }
    if (labels[METRIC_NAME] === undefined) throw ValidationError.single(`timeseries[${index}].labels`, 'series has no metric name (__name__ label)');
    this.lastId = this.sortedNames(count) ? this.fingerprintOfBytes(count) : fingerprint(labels);
    return labels;
  }

  /** fingerprint() of the current series' labels from their bytes, when they came sorted by name (as Prometheus sends them). */
  private fingerprintOfBytes(count: number): string {
    const buf = this.buf;
    const ranges = this.ranges;
    const h = this.hash.reset();
    for (let i = 0; i < count; i++) {
      if (ranges[4 * i + 2] === ranges[4 * i + 3]) continue;
      h.field(buf, ranges[4 * i]!, ranges[4 * i + 1]!);
      h.field(buf, ranges[4 * i + 2]!, ranges[4 * i + 3]!);
    }
    return h.digest();
  }

  /**
   * Whether the current series' label names are strictly ascending bytes and ASCII: then the
   * bytes on the wire are in the order fingerprint() sorts names (UTF-16 code units), which
   * for ASCII is byte order. (Valid names are ASCII; others are refused by the limiter.)
   */
  private sortedNames(count: number): boolean {
    const buf = this.buf;
    const ranges = this.ranges;
    for (let i = 0; i < count; i++) {
      const start = ranges[4 * i]!;
      const end = ranges[4 * i + 1]!;
      for (let k = start; k < end; k++) if (buf[k]! >= 0x80) return false;
      if (i > 0 && this.bytes.compare(this.bytes, start, end, ranges[4 * (i - 1)]!, ranges[4 * (i - 1) + 1]!) >= 0) return false;
    }
    return true;
  }

  private text(start: number, end: number): string {
    if (start === end) return '';
    // Label names are ASCII and most values are: those bytes are their own characters.
    const buf = this.buf;
    let k = start;
    while (k < end && buf[k]! < 0x80) k++;
    if (k === end) return this.bytes.toString('latin1', start, end);
    try {
      return utf8Strict.decode(this.buf.subarray(start, end));
    } catch {
      throw new Error(`invalid UTF-8 in a string at offset ${start}`);
    }
  }

  private metricMetadata(end: number): void {
    const r = this.reader;
    let type = 0;
    let name = '';
    let help = '';
    let unit = '';
    while (r.pos < end) {
      const tag = this.varint32();
      const field = tag >>> 3;
      const wireType = tag & 7;
      if (field === 1 && wireType === VARINT) type = r.uint32();
      else if ((field === 2 || field === 4 || field === 5) && wireType === LEN) {
        const fieldEnd = this.embeddedEnd(end);
        const text = this.text(r.pos, fieldEnd);
        r.pos = fieldEnd;
        if (field === 2) name = text;
        else if (field === 4) help = text;
        else unit = text;
      } else this.skip(tag, (1 << 1) | (1 << 2) | (1 << 4) | (1 << 5));
    }
    this.done(end);
    if (name !== '') this.metadata.push({ metric: name, type: METRIC_TYPES[type] ?? 'unknown', help, unit });
  }
}

export interface EncodeSeries {
  labels: Labels;
  samples: { t: number; v: number }[];
}

/** Builds a remote-write body (for producers that push to the ingest queue, tests and benchmarks). */
export function encodeRemoteWrite(series: EncodeSeries[], metadata: MetricMetadata[] = []): Uint8Array {
  const message = writeRequestType().fromObject({
    timeseries: series.map((s) => ({
      labels: Object.keys(s.labels)
        .sort()
        .map((name) => ({ name, value: s.labels[name] })),
      samples: s.samples.map((p) => ({ value: p.v, timestamp: p.t })),
    })),
    metadata: metadata.map((m) => ({ type: Math.max(0, METRIC_TYPES.indexOf(m.type as MetricType)), metric_family_name: m.metric, help: m.help, unit: m.unit })),
  });
  return snappyEncode(writeRequestType().encode(message).finish());
}
