import type { Labels } from './labels';

// 64-bit FNV-1a: offset basis 0xcbf29ce484222325, prime 0x100000001b3 = 2^40 + 0x1b3.
const SEPARATOR = 0xff;

/**
 * Alertmanager's alert fingerprint: FNV-1a 64 over the label set sorted by name,
 * each name and value followed by the 0xff separator, printed as 16 hex digits.
 * Matching Alertmanager lets fingerprints from `amtool` and webhooks line up with ours.
 */
export function fingerprint(labels: Labels): string {
  // Hot: the store identifies every series of every request by it. Names are sorted by UTF-16
  // code units (what `a < b` compares, and what Array#sort does without a comparator); each
  // string is read once, UTF-8 encoded on the fly (as TextEncoder would, lone surrogates as
  // U+FFFD). The hash lives in four 16-bit limbs in locals, so every step is small-integer
  // arithmetic, with no allocation besides the name list.
  const names = Object.keys(labels);
  if (names.length > 1) names.sort();
  let h0 = 0x2325;
  let h1 = 0x8422;
  let h2 = 0x9ce4;
  let h3 = 0xcbf2;
  const strings = names.length * 2;
  for (let n = 0; n < strings; n++) {
    const s = (n & 1) === 0 ? names[n >> 1]! : labels[names[n >> 1]!]!;
    const length = s.length;
    // Position `length` feeds the separator that ends every name and value.
    for (let i = 0; i <= length; i++) {
      let byte = i < length ? s.charCodeAt(i) : SEPARATOR;
      let more = 0; // bytes of a multi-byte character left after `byte`
      if (byte >= 0x80 && i < length) {
        const encoded = encodeUtf8(s, i);
        more = (encoded & 7) - 1;
        i += encoded >> 3;
        byte = utf8[0]!;
      }
      for (let k = 0; ; k++) {
        // h = (h ^ byte) × (2^40 + 0x1b3) mod 2^64: each limb × 0x1b3 (435), plus the limbs 0
        // and 1 shifted up by 40 bits (8 bits into limbs 2 and 3), carries passed upwards.
        h0 ^= byte;
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
        if (k === more) break;
        byte = utf8[k + 1]!;
      }
    }
  }
  return hex8(((h3 << 16) | h2) >>> 0) + hex8(((h1 << 16) | h0) >>> 0);
}

/** The UTF-8 bytes of the non-ASCII character at `i`, for the hash loop. */
const utf8 = new Uint8Array(4);

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

/** Two hex digits per byte value: Number#toString(16) is slow enough to show in ingest profiles. */
const HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));

function hex8(n: number): string {
  return HEX[n >>> 24]! + HEX[(n >>> 16) & 0xff]! + HEX[(n >>> 8) & 0xff]! + HEX[n & 0xff]!;
}
