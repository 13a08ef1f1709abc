import { METRIC_NAME, type Labels } from '../model/labels';
import { collectSelectors, type Expr, type LabelMatcher, type VectorSelector } from './ast';
import { labelValue, matchesAll } from './matchers';
import type { SamplePoint, SeriesSource } from './source';
import type { Value } from './value';

/** A selected series as the evaluator keeps it: clean labels, samples sorted by time. */
export interface PreparedSeries {
  labels: Labels;
  samples: SamplePoint[];
}

interface CachedFetch {
  matchers: readonly LabelMatcher[];
  series: Promise<PreparedSeries[]>;
}

interface CachedValue {
  selectors: readonly VectorSelector[];
  value: Value;
}

/**
 * Results shared by the queries of one rule group evaluated at one instant. Rules of a group
 * often read the same series and compute the same subexpression (`rate(x[5m])` compared with a
 * different threshold in each rule); with a cache each distinct selector window is fetched once
 * and each distinct subexpression is computed once per evaluation time.
 *
 * A rule reads what the rules before it wrote at the same instant, so after every write the
 * writer calls `invalidate` with the written label sets: every fetch and value that read a
 * series those labels name is forgotten. Values are treated as immutable by the evaluator and
 * by every function, which is what makes handing one result to several queries safe.
 *
 * Use one cache for one evaluation instant and drop it afterwards: it keeps what it holds alive.
 */
export class EvaluationCache {
  private readonly fetches = new Map<string, CachedFetch>();
  private readonly values = new Map<string, CachedValue>();
  private source: SeriesSource | undefined;

  /**
   * Whether queries reading `source` may use this cache: the first source it serves is the only
   * one (results from one store must never answer a query on another).
   */
  serves(source: SeriesSource): boolean {
    this.source ??= source;
    return this.source === source;
  }

  /** The prepared series of one selector window, loading them on the first request. */
  fetch(key: string, matchers: readonly LabelMatcher[], load: () => Promise<PreparedSeries[]>): Promise<PreparedSeries[]> {
    const hit = this.fetches.get(key);
    if (hit) return hit.series;
    const series = load();
    const entry: CachedFetch = { matchers, series };
    this.fetches.set(key, entry);
    // A failed fetch is not kept: the next query asks the source again.
    series.catch(() => {
      if (this.fetches.get(key) === entry) this.fetches.delete(key);
    });
    return series;
  }

  value(key: string): Value | undefined {
    return this.values.get(key)?.value;
  }

  storeValue(key: string, expr: Expr, value: Value): void {
    this.values.set(key, { selectors: selectorsOf(expr), value });
  }

  /** Forgets every fetch and value that read a series named by one of the written label sets. */
  invalidate(written: readonly Labels[]): void {
    if (written.length === 0) return;
    const names = new Set<string>();
    for (const labels of written) names.add(labelValue(labels, METRIC_NAME) ?? '');
    const reads = (matchers: readonly LabelMatcher[]) => readsAny(matchers, names, written);
    for (const [key, f] of this.fetches) {
      if (reads(f.matchers)) this.fetches.delete(key);
    }
    for (const [key, v] of this.values) {
      if (v.selectors.some((s) => reads(s.matchers))) this.values.delete(key);
    }
  }

  /** Number of fetches and values held (for tests). */
  get size(): { fetches: number; values: number } {
    return { fetches: this.fetches.size, values: this.values.size };
  }
}

/**
 * Whether a selector reads one of the written series. A rule writes thousands of series under
 * one or two names, so a selector with a metric name is first checked against the names alone.
 */
function readsAny(matchers: readonly LabelMatcher[], names: ReadonlySet<string>, written: readonly Labels[]): boolean {
  for (const m of matchers) {
    if (m.name === METRIC_NAME && m.type === '=' && !names.has(m.value)) return false;
  }
  for (const labels of written) if (matchesAll(labels, matchers)) return true;
  return false;
}

const selectorCache = new WeakMap<Expr, readonly VectorSelector[]>();

function selectorsOf(expr: Expr): readonly VectorSelector[] {
  let s = selectorCache.get(expr);
  if (!s) {
    s = collectSelectors(expr);
    selectorCache.set(expr, s);
  }
  return s;
}

const keyCache = new WeakMap<Expr, string | null>();

/**
 * A text that equals another node's exactly when the two subtrees mean the same (positions
 * left out; numbers spelled so NaN, ±Inf and -0 stay distinct). Null for a tree too deep to
 * serialise, which is then simply not shared.
 */
export function exprKey(expr: Expr): string | null {
  let key = keyCache.get(expr);
  if (key === undefined) {
    try {
      key = JSON.stringify(expr, keyPart);
    } catch (err) {
      if (!(err instanceof RangeError)) throw err;
      key = null;
    }
    keyCache.set(expr, key);
  }
  return key;
}

function keyPart(this: unknown, name: string, value: unknown): unknown {
  if (name === 'pos') return undefined;
  if (typeof value === 'number') return Object.is(value, -0) ? '#-0' : `#${value}`;
  return value;
}
