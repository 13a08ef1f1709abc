/**
 * Sample chunk codec. A chunk holds the samples of one series within one time bucket.
 * Timestamps are delta-of-delta varints (scrapes are regular, so most deltas-of-deltas are 0
 * and take one byte); each value is one flag byte — same bits as the previous value (gauges
 * that repeat), a small integer as a varint (counters, flags), or the 8 raw bytes (everything
 * else, NaN payloads included). The result is base64 so every store can hold it.
 */
export interface ChunkSample {
  t: number;
  v: number;
}

export class ByteWriter {
  private buf: Uint8Array;
  private len = 0;
  /** `capacity`: the expected size, so a writer told it never grows. */
  constructor(capacity = 64) {
    this.buf = new Uint8Array(Math.max(16, capacity));
  }
  private ensure(n: number) {
    if (this.len + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.len + n));
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }
  byte(b: number) {
    if (this.len === this.buf.length) this.ensure(1);
    this.buf[this.len++] = b;
  }
  bytes(b: Uint8Array) {
    this.ensure(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }
  /** The 8 bytes of a 16-digit hex string (validated: anything else throws). */
  hex8(hex: string) {
    if (hex.length !== 16) throw new Error(`${JSON.stringify(hex)} is not a 16-digit hex fingerprint`);
    this.ensure(8);
    for (let i = 0; i < 16; i += 2) {
      const hi = HEX_VALUE[hex.charCodeAt(i)] ?? 16;
      const lo = HEX_VALUE[hex.charCodeAt(i + 1)] ?? 16;
      if ((hi | lo) > 15) throw new Error(`${JSON.stringify(hex)} is not a 16-digit hex fingerprint`);
      this.buf[this.len++] = (hi << 4) | lo;
    }
  }
  /** Zig-zag varint of a safe integer (deltas fit easily in 53 bits). */
  varint(n: number) {
    let z = n >= 0 ? n * 2 : -n * 2 - 1;
    if (z < 0x80 && this.len < this.buf.length) {
      this.buf[this.len++] = z;
      return;
    }
    while (z >= 0x80) {
      this.byte((z % 0x80) | 0x80);
      z = Math.floor(z / 0x80);
    }
    this.byte(z);
  }
  /** The 8 bytes of a double, big-endian, NaN payloads as they are. */
  float64(v: number) {
    this.ensure(8);
    scratch.setFloat64(0, v);
    this.buf.set(scratchBytes, this.len);
    this.len += 8;
  }
  result(): Uint8Array {
    return this.buf.subarray(0, this.len);
  }
  get length(): number {
    return this.len;
  }
}

/** Lower-case hex digits by character code (16 for anything else). */
const HEX_VALUE = Array.from({ length: 128 }, (_, c) => (c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : 16));
/** One 8-byte scratch area for a double's bits: the codec is synchronous, so one is enough. */
const scratchBytes = new Uint8Array(8);
const scratch = new DataView(scratchBytes.buffer);

export class ByteReader {
  private pos = 0;
  constructor(private readonly buf: Uint8Array) {}
  byte(): number {
    if (this.pos >= this.buf.length) throw new Error('chunk truncated');
    return this.buf[this.pos++]!;
  }
  bytes(n: number): Uint8Array {
    if (this.pos + n > this.buf.length) throw new Error('chunk truncated');
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  varint(): number {
    let result = 0;
    let mul = 1;
    for (;;) {
      const b = this.byte();
      result += (b & 0x7f) * mul;
      if (b < 0x80) break;
      mul *= 0x80;
    }
    return result % 2 === 0 ? result / 2 : -(result + 1) / 2;
  }
  get done(): boolean {
    return this.pos >= this.buf.length;
  }
}

const SAME = 0;
const RAW = 1;
const INT = 2;
/** Integers below this magnitude fit a zig-zag varint exactly. */
const INT_LIMIT = 2 ** 50;

/**
 * Writes samples sorted by time: their count, then timestamps relative to `baseT` (a segment
 * holding many series passes its own minimum, so the first timestamp of each series is small).
 */
export function writeSamples(w: ByteWriter, samples: readonly ChunkSample[], baseT = 0): void {
  w.varint(samples.length);
  let prevHi = 0;
  let prevLo = 0;
  let prevT = baseT;
  let prevDelta = 0;
  for (let i = 0; i < samples.length; i++) {
    const s = samples[i]!;
    const delta = s.t - prevT;
    w.varint(i === 0 ? delta : delta - prevDelta);
    if (i > 0) prevDelta = delta;
    prevT = s.t;
    scratch.setFloat64(0, s.v);
    const hi = scratch.getUint32(0);
    const lo = scratch.getUint32(4);
    if (i > 0 && hi === prevHi && lo === prevLo) w.byte(SAME);
    else if (Number.isInteger(s.v) && Math.abs(s.v) < INT_LIMIT && !Object.is(s.v, -0)) {
      w.byte(INT);
      w.varint(s.v);
    } else {
      w.byte(RAW);
      w.float64(s.v);
    }
    prevHi = hi;
    prevLo = lo;
  }
}

export function readSamples(r: ByteReader, baseT = 0): ChunkSample[] {
  const n = r.varint();
  const out: ChunkSample[] = new Array(n);
  const view = new DataView(new ArrayBuffer(8));
  let t = baseT;
  let delta = 0;
  let v = 0;
  for (let i = 0; i < n; i++) {
    if (i === 0) t += r.varint();
    else {
      delta += r.varint();
      t += delta;
    }
    const flag = r.byte();
    if (flag === INT) v = r.varint();
    else if (flag === RAW) {
      const bits = r.bytes(8);
      for (let k = 0; k < 8; k++) view.setUint8(k, bits[k]!);
      v = view.getFloat64(0);
    } else if (flag !== SAME) throw new Error(`chunk has an unknown value flag ${flag}`);
    out[i] = { t, v };
  }
  return out;
}

/** Encodes samples sorted by time. */
export function encodeChunk(samples: ChunkSample[]): string {
  const w = new ByteWriter();
  writeSamples(w, samples);
  return Buffer.from(w.result()).toString('base64');
}

export function decodeChunk(encoded: string): ChunkSample[] {
  return readSamples(new ByteReader(Buffer.from(encoded, 'base64')));
}
