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
  private buf = new Uint8Array(64);
  private len = 0;
  private ensure(n: number) {
    if (this.len + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.len + n));
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }
  byte(b: number) {
    this.ensure(1);
    this.buf[this.len++] = b;
  }
  bytes(b: Uint8Array) {
    this.ensure(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }
  /** Zig-zag varint of a safe integer (deltas fit easily in 53 bits). */
  varint(n: number) {
    let z = n >= 0 ? n * 2 : -n * 2 - 1;
    while (z >= 0x80) {
      this.byte((z % 0x80) | 0x80);
      z = Math.floor(z / 0x80);
    }
    this.byte(z);
  }
  result(): Uint8Array {
    return this.buf.subarray(0, this.len);
  }
  get length(): number {
    return this.len;
  }
}

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
  const view = new DataView(new ArrayBuffer(8));
  let prevHi = 0;
  let prevLo = 0;
  let prevT = baseT;
  let prevDelta = 0;
  samples.forEach((s, i) => {
    const delta = s.t - prevT;
    w.varint(i === 0 ? delta : delta - prevDelta);
    if (i > 0) prevDelta = delta;
    prevT = s.t;
    view.setFloat64(0, s.v);
    const hi = view.getUint32(0);
    const lo = view.getUint32(4);
    if (i > 0 && hi === prevHi && lo === prevLo) w.byte(SAME);
    else if (Number.isInteger(s.v) && Math.abs(s.v) < INT_LIMIT && !Object.is(s.v, -0)) {
      w.byte(INT);
      w.varint(s.v);
    } else {
      w.byte(RAW);
      w.bytes(new Uint8Array(view.buffer.slice(0)));
    }
    prevHi = hi;
    prevLo = lo;
  });
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
