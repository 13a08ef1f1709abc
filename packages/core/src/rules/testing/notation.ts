/**
 * The input notation of Prometheus' rule unit tests (promtool 2.42): a series description
 * `metric{label="value", ...}` and a space-separated list of values in expanding notation:
 *
 *   `1 2 3`      one value each step
 *   `a+bxN`      N+1 values a, a+b, ..., a+N·b (added step by step, in float64, as Go does)
 *   `a-bxN`      the same, decreasing
 *   `axN`        a repeated N+1 times
 *   `_`          no sample at this step;  `_xN`  no sample for N steps
 *   `stale`      a staleness marker (also `stalexN`)
 *   numbers may be `Inf`, `-Inf`, `NaN`, `1e3`; `0x6` is 0 repeated, not hexadecimal
 */
import { STALE_NAN } from '../../promql';
import type { Labels } from '../../model';

export class NotationError extends Error {
  constructor(
    message: string,
    readonly position: number,
  ) {
    super(message);
    this.name = 'NotationError';
  }
}

/** One step of a series: a value, or nothing (`_`). */
export type SequenceValue = { omitted: true } | { omitted: false; value: number };

/** `value`, `_` or `stale`, then an optional `+step`/`-step`, then an optional `xN` (a fixed pattern, not user input). */
const ITEM_RE = /^(?:(_)|(stale)|((?:[+-]?(?:inf|nan)|[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)))(?:([+-])((?:inf|nan)|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?))?(?:x(\d+))?$/i;

function parseNumber(text: string): number {
  const t = text.toLowerCase();
  const sign = t.startsWith('-') ? -1 : 1;
  const body = t.replace(/^[+-]/, '');
  if (body === 'inf') return sign * Infinity;
  if (body === 'nan') return NaN;
  return sign * Number(body);
}

/** Expands a values string into one entry per step. */
export function parseValues(text: string): SequenceValue[] {
  const out: SequenceValue[] = [];
  let pos = 0;
  for (const token of text.split(/(\s+)/)) {
    const at = pos;
    pos += token.length;
    if (token === '' || /^\s+$/.test(token)) continue;
    const m = ITEM_RE.exec(token);
    if (!m) throw new NotationError(`unexpected "${token}" in series values: expected a number, "_", "stale" or an expansion like 1+2x10`, at);
    const [, blank, stale, num, sign, delta, times] = m;
    // Go's grammar reads `x` as "times" only after a value; `_+1x3` is not valid.
    if (blank !== undefined) {
      if (sign !== undefined) throw new NotationError(`unexpected "${sign}" after "_" in series values`, at);
      const n = times === undefined ? 1 : Number(times);
      for (let i = 0; i < n; i++) out.push({ omitted: true });
      continue;
    }
    let value = stale !== undefined ? STALE_NAN : parseNumber(num!);
    if (times === undefined) {
      if (sign !== undefined) throw new NotationError(`missing "x<count>" after "${token}" in series values`, at);
      out.push({ omitted: false, value });
      continue;
    }
    const step = sign === undefined ? 0 : (sign === '-' ? -1 : 1) * parseNumber(delta!);
    const n = Number(times);
    if (n > 1_000_000) throw new NotationError(`expansion "${token}" is too long`, at);
    for (let i = 0; i <= n; i++) {
      out.push({ omitted: false, value });
      if (sign !== undefined) value += step;
    }
  }
  return out;
}

function unquoteLabelValue(src: string, start: number): { value: string; end: number } {
  const q = src[start]!;
  if (q === '`') {
    const end = src.indexOf('`', start + 1);
    if (end < 0) throw new NotationError('unterminated raw string', start);
    return { value: src.slice(start + 1, end), end: end + 1 };
  }
  let i = start + 1;
  let value = '';
  while (i < src.length && src[i] !== q) {
    if (src[i] === '\\') {
      const c = src[i + 1];
      const simple: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', '"': '"', "'": "'", a: '\x07', b: '\b', f: '\f', v: '\v' };
      if (c !== undefined && simple[c] !== undefined) {
        value += simple[c];
        i += 2;
        continue;
      }
      const hex = /^\\(?:x([0-9a-fA-F]{2})|u([0-9a-fA-F]{4})|U([0-9a-fA-F]{8}))/.exec(src.slice(i));
      if (!hex) throw new NotationError('invalid escape sequence in label value', i);
      value += String.fromCodePoint(parseInt(hex[1] ?? hex[2] ?? hex[3]!, 16));
      i += hex[0].length;
      continue;
    }
    if (src[i] === '\n') throw new NotationError('unterminated quoted string', start);
    value += src[i];
    i++;
  }
  if (i >= src.length) throw new NotationError('unterminated quoted string', start);
  return { value, end: i + 1 };
}

/**
 * Parses a series description (`up{job="api"}`, `{__name__="up"}`, `{}`), as Prometheus'
 * parser.ParseMetric does: only `=` pairs, each label once.
 */
export function parseSeriesDescription(text: string): Labels {
  const src = text.trim();
  const offset = text.indexOf(src);
  const labels: Labels = {};
  let i = 0;
  const name = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(src);
  if (name) {
    labels.__name__ = name[0];
    i = name[0].length;
  }
  const skip = () => {
    while (i < src.length && /\s/.test(src[i]!)) i++;
  };
  skip();
  if (i >= src.length) {
    if (!name) throw new NotationError('unexpected end of input', offset + i);
    return labels;
  }
  if (src[i] !== '{') throw new NotationError(`unexpected character "${src[i]}" in series description`, offset + i);
  i++;
  for (;;) {
    skip();
    if (src[i] === '}') {
      i++;
      break;
    }
    const label = /^[a-zA-Z_][a-zA-Z0-9_]*/.exec(src.slice(i));
    if (!label) {
      if (i >= src.length) throw new NotationError('unexpected end of input inside braces', offset + i);
      throw new NotationError(`unexpected character inside braces: "${src[i]}"`, offset + i);
    }
    i += label[0].length;
    skip();
    if (src[i] !== '=' || src[i + 1] === '~') throw new NotationError(`expected "=" after label name "${label[0]}"`, offset + i);
    i++;
    skip();
    if (!['"', "'", '`'].includes(src[i] ?? '')) throw new NotationError(`expected a quoted value for label "${label[0]}"`, offset + i);
    const { value, end } = unquoteLabelValue(src, i);
    i = end;
    if (Object.prototype.hasOwnProperty.call(labels, label[0]) && !(label[0] === '__name__' && !name)) {
      throw new NotationError(`label "${label[0]}" is set twice`, offset + i);
    }
    labels[label[0]] = value;
    skip();
    if (src[i] === ',') {
      i++;
      continue;
    }
    if (src[i] === '}') {
      i++;
      break;
    }
    if (i >= src.length) throw new NotationError('unexpected end of input inside braces', offset + i);
    throw new NotationError(`unexpected character inside braces: "${src[i]}"`, offset + i);
  }
  skip();
  if (i < src.length) throw new NotationError(`unexpected "${src.slice(i)}" after series description`, offset + i);
  // Empty values mean "no label".
  for (const k of Object.keys(labels)) if (labels[k] === '') delete labels[k];
  return labels;
}
