import { sortedEntries, type Labels } from './labels';

// 64-bit FNV-1a, computed on two 32-bit halves to stay in fast integer arithmetic.
const OFFSET_HI = 0xcbf29ce4;
const OFFSET_LO = 0x84222325;
const SEPARATOR = 0xff;

/**
 * Alertmanager's alert fingerprint: FNV-1a 64 over the label set sorted by name,
 * each name and value followed by the 0xff separator, printed as 16 hex digits.
 * Matching Alertmanager lets fingerprints from `amtool` and webhooks line up with ours.
 */
export function fingerprint(labels: Labels): string {
  // Hot on every ingested sample: one pass over the UTF-16 code units, encoding UTF-8 on the
  // fly (as TextEncoder would, lone surrogates as U+FFFD), with no allocation per byte.
  state.hi = OFFSET_HI;
  state.lo = OFFSET_LO;
  for (const [name, value] of sortedEntries(labels)) {
    feedString(name);
    feedByte(SEPARATOR);
    feedString(value);
    feedByte(SEPARATOR);
  }
  return state.hi.toString(16).padStart(8, '0') + state.lo.toString(16).padStart(8, '0');
}

const state = { hi: OFFSET_HI, lo: OFFSET_LO };

function feedByte(byte: number): void {
  const lo = (state.lo ^ byte) >>> 0;
  // multiply (hi,lo) by the FNV prime 0x100000001b3 = 2^40 + 0x1b3, modulo 2^64
  const loTimes = lo * 0x1b3;
  const carry = Math.floor(loTimes / 0x100000000);
  state.lo = loTimes >>> 0;
  state.hi = (state.hi * 0x1b3 + carry + ((lo << 8) >>> 0)) >>> 0;
}

function feedString(s: string): void {
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c < 0x80) {
      feedByte(c);
      continue;
    }
    if (c < 0x800) {
      feedByte(0xc0 | (c >> 6));
      feedByte(0x80 | (c & 0x3f));
      continue;
    }
    if (c >= 0xd800 && c <= 0xdfff) {
      const next = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
      if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
        i++;
        feedByte(0xf0 | (c >> 18));
        feedByte(0x80 | ((c >> 12) & 0x3f));
        feedByte(0x80 | ((c >> 6) & 0x3f));
        feedByte(0x80 | (c & 0x3f));
        continue;
      }
      c = 0xfffd;
    }
    feedByte(0xe0 | (c >> 12));
    feedByte(0x80 | ((c >> 6) & 0x3f));
    feedByte(0x80 | (c & 0x3f));
  }
}
