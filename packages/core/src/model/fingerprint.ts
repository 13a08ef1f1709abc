import type { Labels } from './labels';

const SEPARATOR = 0xff;

/**
 * 64-bit FNV-1a (offset basis 0xcbf29ce484222325, prime 0x100000001b3 = 2^40 + 0x1b3), fed
 * byte by byte. The state lives in four 16-bit limbs, so every step is small-integer arithmetic
 * that V8 keeps unboxed, with no BigInt and no allocation.
 */
export class Fnv64 {
  // The hashing loop copies the limbs into locals and runs the step inline: a method call per
  // byte, or double arithmetic on two 32-bit halves, measured twice as slow.
  private h0 = 0x2325;
  private h1 = 0x8422;
  private h2 = 0x9ce4;
  private h3 = 0xcbf2;

  reset(): this {
    this.h0 = 0x2325;
    this.h1 = 0x8422;
    this.h2 = 0x9ce4;
    this.h3 = 0xcbf2;
    return this;
  }

  /** Bytes `start` to `end` (exclusive) of `buf`, then the separator. */
  field(buf: Uint8Array, start: number, end: number): void {
    let h0 = this.h0;
    let h1 = this.h1;
    let h2 = this.h2;
    let h3 = this.h3;
    for (let i = start; i <= end; i++) {
      // h = (h ^ byte) × (2^40 + 0x1b3) mod 2^64: each limb × 0x1b3 (435), plus the limbs 0
      // and 1 shifted up by 40 bits (8 bits into limbs 2 and 3), carries passed upwards.
      h0 ^= i < end ? buf[i]! : SEPARATOR;
      const t0 = h0 * 435;
      let t1 = h1 * 435;
      let t2 = h2 * 435 + (h0 << 8);
      const t3 = h3 * 435 + (h1 << 8);
      t1 += t0 >>> 16;
      h0 = t0 & 0xffff;
      t2 += t1 >>> 16;
      h1 = t1 & 0xffff;
      h3 = (t3 + (t2 >>> 16)) & 0xffff;
      h2 = t2 & 0xffff;
    }
    this.h0 = h0;
    this.h1 = h1;
    this.h2 = h2;
    this.h3 = h3;
  }

  /**
   * The UTF-8 bytes of `s` (lone surrogates as U+FFFD, as TextEncoder writes them), then the
   * separator. The bytes are written into a scratch buffer first, so one hashing loop serves
   * both strings and wire bytes.
   */
  string(s: string): void {
    const length = s.length;
    if (scratch.length < 3 * length) scratch = new Uint8Array(3 * length);
    let n = 0;
    for (let i = 0; i < length; i++) {
      const c = s.charCodeAt(i);
      if (c < 0x80) scratch[n++] = c;
      else {
        const encoded = encodeUtf8(s, i);
        const count = encoded & 7;
        for (let k = 0; k < count; k++) scratch[n++] = utf8[k]!;
        i += encoded >> 3;
      }
    }
    this.field(scratch, 0, n);
  }

  /** The high 32 bits of the hash. */
  get hi(): number {
    return ((this.h3 << 16) | this.h2) >>> 0;
  }

  /** The low 32 bits of the hash. */
  get lo(): number {
    return ((this.h1 << 16) | this.h0) >>> 0;
  }

  /** The hash as 16 hex digits. */
  digest(): string {
    return hexId(this.hi, this.lo);
  }
}

/** The UTF-8 bytes of the non-ASCII character Fnv64#string is at. */
const utf8 = new Uint8Array(4);
/** Where Fnv64#string writes a string's UTF-8 bytes (at most 3 per UTF-16 code unit). */
let scratch = new Uint8Array(1024);

/** Writes the character at s[i] (>= 0x80) into `utf8`; returns its byte count, plus 8 when it used s[i + 1] too (a surrogate pair). */
function encodeUtf8(s: string, i: number): number {
  let c = s.charCodeAt(i);
  if (c < 0x800) {
    utf8[0] = 0xc0 | (c >> 6);
    utf8[1] = 0x80 | (c & 0x3f);
    return 2;
  }
  if (c >= 0xd800 && c <= 0xdfff) {
    const next = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
    if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
      c = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
      utf8[0] = 0xf0 | (c >> 18);
      utf8[1] = 0x80 | ((c >> 12) & 0x3f);
      utf8[2] = 0x80 | ((c >> 6) & 0x3f);
      utf8[3] = 0x80 | (c & 0x3f);
      return 4 | 8;
    }
    c = 0xfffd;
  }
  utf8[0] = 0xe0 | (c >> 12);
  utf8[1] = 0x80 | ((c >> 6) & 0x3f);
  utf8[2] = 0x80 | (c & 0x3f);
  return 3;
}

const shared = new Fnv64();

/**
 * Alertmanager's alert fingerprint: FNV-1a 64 over the label set sorted by name,
 * each name and value followed by the 0xff separator, printed as 16 hex digits.
 * Matching Alertmanager lets fingerprints from `amtool` and webhooks line up with ours.
 * Names are sorted by UTF-16 code units (what `a < b` compares, and what Array#sort does
 * without a comparator).
 */
export function fingerprint(labels: Labels): string {
  const names = Object.keys(labels);
  if (names.length > 1) names.sort();
  const h = shared.reset();
  for (const name of names) {
    h.string(name);
    h.string(labels[name]!);
  }
  return h.digest();
}

const HEX_DIGITS = Array.from('0123456789abcdef', (c) => c.charCodeAt(0));

/** A 64-bit fingerprint given as two 32-bit halves, as 16 hex digits: one string built at once (Number#toString(16) or concatenating pieces shows in ingest profiles). */
function hexId(hi: number, lo: number): string {
  const d = HEX_DIGITS;
  return String.fromCharCode(
    d[hi >>> 28]!, d[(hi >>> 24) & 15]!, d[(hi >>> 20) & 15]!, d[(hi >>> 16) & 15]!, d[(hi >>> 12) & 15]!, d[(hi >>> 8) & 15]!, d[(hi >>> 4) & 15]!, d[hi & 15]!,
    d[lo >>> 28]!, d[(lo >>> 24) & 15]!, d[(lo >>> 20) & 15]!, d[(lo >>> 16) & 15]!, d[(lo >>> 12) & 15]!, d[(lo >>> 8) & 15]!, d[(lo >>> 4) & 15]!, d[lo & 15]!,
  );
}
