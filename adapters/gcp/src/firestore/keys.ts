import { createHash } from 'node:crypto';

/**
 * Firestore document IDs may not contain `/`, may not be `.` or `..`, may not look like
 * `__name__`, and are limited to 1,500 bytes. Keys are made safe by escaping `%` and `/`
 * percent-style (reversible, and readable in the console) behind a `~`, which also rules out
 * the reserved forms. A key too long for an ID is named by its SHA-256 instead: the real
 * pk and sk are stored as fields, so nothing depends on reading a key back from its ID.
 */
const MAX_ID_BYTES = 1500;

export function documentId(key: string): string {
  const escaped = `~${key.replace(/%/g, '%25').replace(/\//g, '%2F')}`;
  if (Buffer.byteLength(escaped, 'utf8') <= MAX_ID_BYTES) return escaped;
  return `#${createHash('sha256').update(key, 'utf8').digest('hex')}`;
}

/**
 * The smallest string greater than every string starting with `prefix`, in the UTF-8 byte
 * order Firestore sorts strings by (the same as code-point order): the prefix with its last
 * code point incremented. Incrementing a raw byte instead could produce invalid UTF-8, which
 * cannot be sent as a string bound. Undefined when no such bound exists (all U+10FFFF).
 */
export function prefixUpperBound(prefix: string): string | undefined {
  const points = [...prefix].map((c) => c.codePointAt(0) ?? 0);
  while (points.length > 0) {
    const last = points.pop() ?? 0;
    let next = last + 1;
    if (next >= 0xd800 && next <= 0xdfff) next = 0xe000; // surrogates are not characters
    if (next <= 0x10ffff) return String.fromCodePoint(...points, next);
  }
  return undefined;
}

/** Sort-key order of the store: UTF-8 bytes, i.e. code points (not JavaScript's UTF-16 units). */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
