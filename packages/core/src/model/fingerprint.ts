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
  let hi = OFFSET_HI;
  let lo = OFFSET_LO;
  const feed = (byte: number) => {
    lo = (lo ^ byte) >>> 0;
    // multiply (hi,lo) by the FNV prime 0x100000001b3 = 2^40 + 0x1b3, modulo 2^64
    const loTimes = lo * 0x1b3;
    const carry = Math.floor(loTimes / 0x100000000);
    const newLo = loTimes >>> 0;
    const newHi = (hi * 0x1b3 + carry + ((lo << 8) >>> 0)) >>> 0;
    hi = newHi;
    lo = newLo;
  };
  const encoder = new TextEncoder();
  for (const [name, value] of sortedEntries(labels)) {
    for (const b of encoder.encode(name)) feed(b);
    feed(SEPARATOR);
    for (const b of encoder.encode(value)) feed(b);
    feed(SEPARATOR);
  }
  return hi.toString(16).padStart(8, '0') + lo.toString(16).padStart(8, '0');
}
