/**
 * Table Storage keys forbid `/ \ # ?` and control characters, and Vigil's keys use `#` and `/`
 * everywhere. Range and prefix queries also need RowKeys to sort like the sort keys they stand
 * for, in UTF-8 byte order (the order every other backend uses).
 *
 * The encoding maps each UTF-8 byte of a key to a token of printable ASCII:
 *
 * | bytes                     | token                     |
 * |---------------------------|---------------------------|
 * | 0x00–0x21                 | `!` + two lowercase hex   |
 * | 0x22 `"`, 0x23 `#`        | `"0`, `"1`                |
 * | 0x24 `$`, 0x25 `%`        | `$0`, `$1`                |
 * | 0x26–0x2D `&` … `-`       | themselves                |
 * | 0x2E `.`, 0x2F `/`        | `.0`, `.1`                |
 * | 0x30–0x3D `0` … `=`       | themselves                |
 * | 0x3E `>`, 0x3F `?`        | `>0`, `>1`                |
 * | 0x40–0x5A `@` … `Z`       | themselves                |
 * | 0x5B `[`, 0x5C `\`        | `[0`, `[1`                |
 * | 0x5D–0x7D `]` … `}`       | themselves                |
 * | 0x7E–0xFF                 | `~` + two lowercase hex   |
 *
 * Tokens grow with the byte they stand for, and no token is a prefix of another (the lead
 * characters `! " $ . > [ ~` never stand alone), so comparing encodings compares the original
 * byte strings, and the encoding of a prefix is a prefix of the encoding. Letters, digits and
 * `_ - : =` stay readable. `%` is escaped too, because some Table Storage front ends mishandle
 * it in the entity URL.
 */

/** Table Storage's limit on PartitionKey and RowKey (1 KiB, counted in UTF-16 code units by the service). */
export const MAX_ENCODED_KEY_LENGTH = 512;

const HEX = '0123456789abcdef';

function isPlain(b: number): boolean {
  return (b >= 0x26 && b <= 0x2d) || (b >= 0x30 && b <= 0x3d) || (b >= 0x40 && b <= 0x5a) || (b >= 0x5d && b <= 0x7d);
}

const PAIRS: Record<number, string> = {
  0x22: '"0',
  0x23: '"1',
  0x24: '$0',
  0x25: '$1',
  0x2e: '.0',
  0x2f: '.1',
  0x3e: '>0',
  0x3f: '>1',
  0x5b: '[0',
  0x5c: '[1',
};
const PAIR_BYTES = new Map(Object.entries(PAIRS).map(([b, t]) => [t, Number(b)]));

/** Encodes raw bytes (used for the successor of a prefix, which need not be valid UTF-8). */
export function encodeKeyBytes(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) {
    if (isPlain(b)) out += String.fromCharCode(b);
    else if (b <= 0x21) out += '!' + HEX[b >> 4] + HEX[b & 15];
    else if (b >= 0x7e) out += '~' + HEX[b >> 4] + HEX[b & 15];
    else out += PAIRS[b];
  }
  return out;
}

export function encodeKey(key: string): string {
  return encodeKeyBytes(Buffer.from(key, 'utf8'));
}

export function decodeKey(encoded: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < encoded.length; ) {
    const c = encoded.charCodeAt(i);
    const ch = encoded[i] as string;
    if (ch === '!' || ch === '~') {
      const hex = encoded.slice(i + 1, i + 3);
      if (!/^[0-9a-f]{2}$/.test(hex)) throw new TypeError(`malformed table key ${JSON.stringify(encoded)}`);
      bytes.push(parseInt(hex, 16));
      i += 3;
    } else if (isPlain(c)) {
      bytes.push(c);
      i += 1;
    } else {
      const b = PAIR_BYTES.get(encoded.slice(i, i + 2));
      if (b === undefined) throw new TypeError(`malformed table key ${JSON.stringify(encoded)}`);
      bytes.push(b);
      i += 2;
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** The byte successor of a prefix, the exclusive upper bound of a prefix query (shared with SQLite). */
export { prefixSuccessor } from '@vigil/core';
