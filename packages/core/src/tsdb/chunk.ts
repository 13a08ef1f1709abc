/**
 * Sample chunk codec. A chunk holds the samples of one series within one time bucket,
 * written by one ingest flush. Timestamps are delta-of-delta varints (scrapes are regular,
 * so most deltas-of-deltas are 0 and take one byte); values are XOR-ed with the previous
 * value and stored as the 8 raw bytes when they differ, with one flag byte otherwise
 * (gauges that repeat cost one byte). The result is base64 so every store can hold it.
 */
export interface ChunkSample {
  t: number;
  v: number;
}

class ByteWriter {
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
}

class ByteReader {
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
}

/** Encodes samples sorted by time. */
export function encodeChunk(samples: ChunkSample[]): string {
  const w = new ByteWriter();
  w.varint(samples.length);
  const prevBits = new Uint8Array(8);
  const view = new DataView(new ArrayBuffer(8));
  let prevT = 0;
  let prevDelta = 0;
  samples.forEach((s, i) => {
    if (i === 0) w.varint(s.t);
    else {
      const delta = s.t - prevT;
      w.varint(delta - prevDelta);
      prevDelta = delta;
    }
    prevT = s.t;
    view.setFloat64(0, s.v);
    const bits = new Uint8Array(view.buffer.slice(0));
    let same = i > 0;
    for (let k = 0; k < 8 && same; k++) same = bits[k] === prevBits[k];
    if (same) w.byte(0);
    else {
      w.byte(1);
      w.bytes(bits);
    }
    prevBits.set(bits);
  });
  return Buffer.from(w.result()).toString('base64');
}

export function decodeChunk(encoded: string): ChunkSample[] {
  const r = new ByteReader(Buffer.from(encoded, 'base64'));
  const n = r.varint();
  const out: ChunkSample[] = [];
  const view = new DataView(new ArrayBuffer(8));
  let t = 0;
  let delta = 0;
  let v = 0;
  for (let i = 0; i < n; i++) {
    if (i === 0) t = r.varint();
    else {
      delta += r.varint();
      t += delta;
    }
    if (r.byte() === 1) {
      const bits = r.bytes(8);
      for (let k = 0; k < 8; k++) view.setUint8(k, bits[k]!);
      v = view.getFloat64(0);
    }
    out.push({ t, v });
  }
  return out;
}
