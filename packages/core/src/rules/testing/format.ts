/** How promtool prints labels, durations and values in its failure messages. */
import type { Labels } from '../../model';
import { formatFloat } from '../../template';

/** Go's strconv.Quote. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (c === 7) out += '\\a';
    else if (c === 8) out += '\\b';
    else if (c === 12) out += '\\f';
    else if (c === 10) out += '\\n';
    else if (c === 13) out += '\\r';
    else if (c === 9) out += '\\t';
    else if (c === 11) out += '\\v';
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

/** Orders label names as Prometheus' sorted label sets do (byte order). */
export function sortedNames(labels: Labels): string[] {
  return Object.keys(labels).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** labels.Labels.String(): {a="1", b="2"}. */
export function labelsString(labels: Labels): string {
  return `{${sortedNames(labels)
    .map((k) => `${k}=${goQuote(labels[k]!)}`)
    .join(', ')}}`;
}

/** labels.Compare: pairwise by name then value, shorter first on a common prefix. */
export function compareLabels(a: Labels, b: Labels): number {
  const an = sortedNames(a);
  const bn = sortedNames(b);
  for (let i = 0; i < Math.min(an.length, bn.length); i++) {
    const x = an[i]!;
    const y = bn[i]!;
    if (x !== y) return x < y ? -1 : 1;
    const xv = a[x]!;
    const yv = b[y]!;
    if (xv !== yv) return xv < yv ? -1 : 1;
  }
  return an.length - bn.length;
}

/** Prometheus' model.Duration.String(): 1m30s, 5m, 1d, 2w. */
export function modelDurationString(ms: number): string {
  if (ms === 0) return '0s';
  let rest = ms;
  let r = '';
  const f = (unit: string, mult: number, exact: boolean) => {
    if (exact && rest % mult !== 0) return;
    const v = Math.floor(rest / mult);
    if (v > 0) {
      r += `${v}${unit}`;
      rest -= v * mult;
    }
  };
  f('y', 365 * 86_400_000, true);
  f('w', 7 * 86_400_000, true);
  f('d', 86_400_000, false);
  f('h', 3_600_000, false);
  f('m', 60_000, false);
  f('s', 1000, false);
  f('ms', 1, false);
  return r;
}

/** Go's time.Duration.String() for whole milliseconds: 1m0s, 1h30m0s, 1.5s, 500ms. */
export function goDurationString(ms: number): string {
  if (ms === 0) return '0s';
  const sign = ms < 0 ? '-' : '';
  const abs = Math.abs(ms);
  if (abs < 1000) return `${sign}${abs}ms`;
  const h = Math.floor(abs / 3_600_000);
  const m = Math.floor((abs % 3_600_000) / 60_000);
  const sMs = abs % 60_000;
  const s = `${Math.floor(sMs / 1000)}${sMs % 1000 ? `.${String(sMs % 1000).padStart(3, '0').replace(/0+$/, '')}` : ''}s`;
  if (h > 0) return `${sign}${h}h${m}m${s}`;
  if (m > 0) return `${sign}${m}m${s}`;
  return `${sign}${s}`;
}

/** strconv.FormatFloat(v, 'E', -1, 64). */
export function formatE(v: number): string {
  return formatFloat(v, 'E', -1);
}

/** Prefixes every line but the first with indent (promtool's indentLines). */
export function indentLines(lines: string, indent: string): string {
  return lines
    .split('\n')
    .map((l, i) => (i > 0 ? indent + l : l))
    .join('\n');
}
