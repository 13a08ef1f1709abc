import type { Labels } from '../model/labels';
import type { LabelMatcher } from './ast';
import { evaluateQuery, type EvaluateOptions } from './evaluator';
import { matchesAll } from './matchers';
import { parsePromQL } from './parser';
import { STALE_NAN, type SamplePoint, type SeriesData, type SeriesSource } from './source';

/** An in-memory source that honours the inclusive window and records its calls. */
export class MemorySource implements SeriesSource {
  readonly calls: { matchers: LabelMatcher[]; startMs: number; endMs: number }[] = [];
  constructor(readonly series: SeriesData[]) {}
  async select(matchers: LabelMatcher[], startMs: number, endMs: number): Promise<SeriesData[]> {
    this.calls.push({ matchers, startMs, endMs });
    return this.series
      .filter((s) => matchesAll(s.labels, matchers))
      .map((s) => ({ labels: s.labels, samples: s.samples.filter((p) => p.t >= startMs && p.t <= endMs) }));
  }
}

function num(text: string): number {
  if (/^[+]?inf$/i.test(text)) return Infinity;
  if (/^-inf$/i.test(text)) return -Infinity;
  return Number(text);
}

/**
 * Samples from promtool's expanding notation, one every `intervalMs` from 0: `a+bxN` and
 * `a-bxN` (N+1 values), `axN`, `_` (no sample), `_xN`, `stale`, plain numbers.
 */
export function expand(values: string, intervalMs: number): SamplePoint[] {
  const out: SamplePoint[] = [];
  let i = 0;
  const push = (v: number) => out.push({ t: i++ * intervalMs, v });
  for (const tok of values.trim().split(/\s+/)) {
    let m: RegExpExecArray | null;
    if (tok === '_') i++;
    else if (tok === 'stale') push(STALE_NAN);
    else if ((m = /^_x(\d+)$/.exec(tok))) i += Number(m[1]);
    else if ((m = /^(-?[0-9.e]+|[+-]?Inf|NaN)([+-][0-9.e]+)x(\d+)$/i.exec(tok))) {
      const [a, b, n] = [num(m[1]!), num(m[2]!), Number(m[3])];
      for (let k = 0; k <= n; k++) push(a + b * k);
    } else if ((m = /^(-?[0-9.e]+|[+-]?Inf|NaN)x(\d+)$/i.exec(tok))) {
      for (let k = 0; k <= Number(m[2]); k++) push(num(m[1]!));
    } else push(num(tok));
  }
  return out;
}

/** A source from `{ 'name{a="b"}': '0+1x10' }`, samples every `intervalMs` from time 0. */
export function load(series: Record<string, string>, intervalMs = 60_000): MemorySource {
  return new MemorySource(
    Object.entries(series).map(([sel, values]) => {
      const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)?(?:\{(.*)\})?$/.exec(sel);
      if (!m) throw new Error(`bad series ${sel}`);
      const labels: Labels = {};
      if (m[1]) labels.__name__ = m[1];
      for (const lm of (m[2] ?? '').matchAll(/([a-zA-Z_]\w*)="((?:[^"\\]|\\.)*)"/g)) labels[lm[1]!] = JSON.parse(`"${lm[2]}"`);
      return { labels, samples: expand(values, intervalMs) };
    }),
  );
}

/** Renders a sample as promtool's comparison does, ordered by labels: `{a="1", b="2"} 5`. */
function render(labels: Labels, value: number): string {
  const parts = Object.keys(labels)
    .sort()
    .map((k) => `${k}=${JSON.stringify(labels[k])}`);
  return `{${parts.join(', ')}} ${String(value)}`;
}

/** Evaluates at `atMs` and renders the result; an error renders as `ERR <message>`. */
export async function query(source: SeriesSource, q: string, atMs: number, options?: EvaluateOptions): Promise<string> {
  try {
    const r = await evaluateQuery(parsePromQL(q), atMs, source, options);
    if (r.type === 'vector') return r.samples.map((s) => render(s.labels, s.value)).sort().join(' | ');
    if (r.type === 'scalar') return `{} ${String(r.value)}`;
    if (r.type === 'string') return `string ${r.value}`;
    return r.series.map((s) => `${render(s.labels, NaN).replace(/ NaN$/, '')} ${s.samples.map((p) => `${p.v}@${p.t / 1000}`).join(' ')}`).join(' | ');
  } catch (err) {
    return `ERR ${(err as Error).message}`;
  }
}

export const m = (n: number) => n * 60_000;
