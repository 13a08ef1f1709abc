/**
 * PromQL string and number literals, decoded the way Prometheus' lexer and parser decode them
 * (Go string escapes; numbers through strconv.ParseInt base 0, then ParseFloat; durations as
 * seconds).
 */

/** A literal that cannot be decoded; `offset` is relative to the literal's first character. */
export class LiteralError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
    this.name = 'LiteralError';
  }
}

const INT64_MAX = (1n << 63n) - 1n;
const utf8 = new TextDecoder('utf-8', { fatal: true });

function hexValue(c: string): number {
  const code = c.charCodeAt(0);
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 97 && code <= 102) return code - 87;
  if (code >= 65 && code <= 70) return code - 55;
  return -1;
}

/** Decodes a quoted PromQL string literal: "..." and '...' with Go escapes, `...` raw. */
export function unquoteString(raw: string): string {
  const quote = raw[0];
  if (quote === '`') {
    if (raw.length < 2 || raw[raw.length - 1] !== '`') throw new LiteralError('unterminated raw string', 0);
    return raw.slice(1, -1);
  }
  if (quote !== '"' && quote !== "'") throw new LiteralError('not a quoted string', 0);

  let out = '';
  // \x and octal escapes are bytes; consecutive ones are decoded together as UTF-8.
  let bytes: number[] = [];
  let bytesAt = 0;
  const flushBytes = () => {
    if (bytes.length === 0) return;
    try {
      out += utf8.decode(new Uint8Array(bytes));
    } catch {
      throw new LiteralError('escape sequences do not form valid UTF-8', bytesAt);
    }
    bytes = [];
  };

  let i = 1;
  for (;;) {
    if (i >= raw.length) throw new LiteralError('unterminated quoted string', 0);
    const c = raw[i]!;
    if (c === quote) {
      if (i !== raw.length - 1) throw new LiteralError('unexpected character after string', i + 1);
      break;
    }
    if (c === '\n') throw new LiteralError('unterminated quoted string', 0);
    if (c !== '\\') {
      flushBytes();
      out += c;
      i++;
      continue;
    }
    const escAt = i;
    const e = raw[i + 1];
    if (e === undefined) throw new LiteralError('unterminated quoted string', 0);
    i += 2;
    const simple: Record<string, string> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\' };
    if (simple[e] !== undefined || e === quote) {
      flushBytes();
      out += simple[e] ?? e;
      continue;
    }
    if (e === 'x' || e === 'u' || e === 'U') {
      const n = e === 'x' ? 2 : e === 'u' ? 4 : 8;
      let v = 0;
      for (let j = 0; j < n; j++) {
        const d = hexValue(raw[i + j] ?? '');
        if (d < 0) throw new LiteralError(`invalid escape sequence \\${e}: expected ${n} hex digits`, escAt);
        v = v * 16 + d;
      }
      i += n;
      if (e === 'x') {
        if (bytes.length === 0) bytesAt = escAt;
        bytes.push(v);
        continue;
      }
      if (v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff)) {
        throw new LiteralError(`escape sequence is an invalid Unicode code point`, escAt);
      }
      flushBytes();
      out += String.fromCodePoint(v);
      continue;
    }
    if (e >= '0' && e <= '7') {
      let v = 0;
      for (let j = -1; j < 2; j++) {
        const d = raw[i + j];
        if (d === undefined || d < '0' || d > '7') throw new LiteralError('invalid octal escape: expected 3 octal digits', escAt);
        v = v * 8 + (d.charCodeAt(0) - 48);
      }
      i += 2;
      if (v > 255) throw new LiteralError('octal escape value > 255', escAt);
      if (bytes.length === 0) bytesAt = escAt;
      bytes.push(v);
      continue;
    }
    throw new LiteralError(`unknown escape sequence \\${e}`, escAt);
  }
  flushBytes();
  return out;
}

const DURATION_RE = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/;
const DURATION_UNITS_MS = [365 * 86_400_000, 7 * 86_400_000, 86_400_000, 3_600_000, 60_000, 1000, 1];

/** Milliseconds of a Prometheus duration such as `1h30m` or `500ms`; null if it is not one. */
export function parseDurationMs(text: string): number | null {
  if (text === '') return null;
  const m = DURATION_RE.exec(text);
  if (!m) return null;
  let total = 0n;
  for (let k = 0; k < DURATION_UNITS_MS.length; k++) {
    const part = m[k + 1];
    if (part !== undefined) total += BigInt(part) * BigInt(DURATION_UNITS_MS[k]!);
  }
  // Prometheus keeps durations in int64 nanoseconds.
  if (total * 1_000_000n > INT64_MAX) throw new LiteralError('duration out of range', 0);
  return Number(total);
}

/** An unsigned number literal: decimal, octal (leading 0), hex, Inf, NaN, or a duration (seconds). */
export function parseNumber(text: string): number {
  const lower = text.toLowerCase();
  if (lower === 'inf') return Infinity;
  if (lower === 'nan') return NaN;
  const plain = text.replace(/_/g, '');
  if (/^0x[0-9a-f]+$/i.test(plain)) {
    const n = BigInt(plain);
    if (n > INT64_MAX) throw new LiteralError(`number ${text} is out of range`, 0);
    return Number(n);
  }
  if (/^[0-9]+$/.test(plain)) {
    // Go's ParseInt with base 0 reads a leading 0 as octal; 08 and 09 fall through to ParseFloat.
    if (plain.length > 1 && plain[0] === '0' && /^[0-7]+$/.test(plain)) {
      const n = BigInt('0o' + plain.slice(1));
      if (n <= INT64_MAX) return Number(n);
    }
    return Number(plain);
  }
  if (/[ywdhms]/.test(plain)) {
    const ms = parseDurationMs(text);
    if (ms === null) throw new LiteralError(`invalid number ${text}`, 0);
    return ms / 1000;
  }
  const f = Number(plain);
  if (Number.isNaN(f)) throw new LiteralError(`invalid number ${text}`, 0);
  if (!Number.isFinite(f)) throw new LiteralError(`number ${text} is out of range`, 0);
  return f;
}
