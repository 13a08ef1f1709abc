import type { Labels } from '../model/labels';
import type { AtModifier, BinaryExpr, Expr, SubqueryExpr, VectorSelector } from './ast';
import { aggregate } from './aggregation';
import { arithmetic, compare, keepsLabels, setBinop, vectorBinop, vectorScalarBinop } from './binary';
import { EvaluationCache, exprKey, type PreparedSeries } from './cache';
import { EvaluationError } from './errors';
import { FUNCTIONS } from './functions';
import { cleanLabels, compareKeys, dropMetricName, formatLabelSet, labelsKey } from './labelset';
import { MAX_DEPTH } from './limits';
import { matchesAll } from './matchers';
import { isStaleMarker, type SamplePoint, type SeriesData, type SeriesSource } from './source';
import { assertUniqueLabelsets, type Matrix, type RangeSeries, type Sample, type Value } from './value';

export { goPow } from './numeric';
export { goMod } from './binary';
export { formatLabelSet, EvaluationCache };

/** Prometheus' default: a series is current if it has a sample in the last 5 minutes. */
export const DEFAULT_LOOKBACK_MS = 5 * 60 * 1000;

/** Step of a subquery written without one (`x[30m:]`): Prometheus uses the evaluation interval. */
export const DEFAULT_SUBQUERY_STEP_MS = 60 * 1000;

/** Most points one subquery may compute per series, so `x[1y:1s]` is refused, not run. */
export const MAX_SUBQUERY_STEPS = 11_000;

export interface EvaluateOptions {
  /** How far back a sample still counts as the series' current value (default 5 minutes). */
  lookbackMs?: number;
  /** Step of subqueries that give none, e.g. the rule group's interval (default 1 minute). */
  defaultSubqueryStepMs?: number;
  /**
   * Fetches and subexpression results shared with other queries at the same instant (the
   * rules of one group evaluation); see EvaluationCache for when it must be invalidated.
   */
  cache?: EvaluationCache;
}

export interface InstantSample {
  labels: Labels;
  value: number;
}

export type InstantValue =
  | { type: 'vector'; samples: InstantSample[] }
  | { type: 'scalar'; value: number }
  | { type: 'string'; value: string };

export interface RangeSample {
  labels: Labels;
  samples: SamplePoint[];
}

/** What an instant query can return: an instant value, or a range vector (`x[5m]`). */
export type QueryValue = InstantValue | { type: 'matrix'; series: RangeSample[] };

/**
 * Evaluates an expression at one instant, as a Prometheus instant query (or one rule
 * evaluation) does. A range vector at the top is refused here; `evaluateQuery` returns it.
 */
export async function evaluateInstant(expr: Expr, timeMs: number, source: SeriesSource, options: EvaluateOptions = {}): Promise<InstantValue> {
  const v = await evaluateQuery(expr, timeMs, source, options);
  if (v.type === 'matrix') throw new EvaluationError('expression evaluates to a range vector; an instant vector or scalar is expected', expr.pos);
  return v;
}

/**
 * Evaluates an expression at one instant. All series are fetched first (concurrently, once per
 * distinct selector and window), then the tree is evaluated synchronously: recursion is bounded
 * by MAX_DEPTH, and chains of binary operators are walked in a loop.
 */
export async function evaluateQuery(expr: Expr, timeMs: number, source: SeriesSource, options: EvaluateOptions = {}): Promise<QueryValue> {
  const lookbackMs = options.lookbackMs ?? DEFAULT_LOOKBACK_MS;
  const defaultStepMs = options.defaultSubqueryStepMs ?? DEFAULT_SUBQUERY_STEP_MS;
  if (!Number.isFinite(timeMs)) throw new RangeError('evaluation time must be a finite number of milliseconds');
  if (!Number.isFinite(lookbackMs) || lookbackMs <= 0) throw new RangeError('lookbackMs must be a positive number');
  if (!Number.isFinite(defaultStepMs) || defaultStepMs <= 0) throw new RangeError('defaultSubqueryStepMs must be a positive number');

  const plan = planFetches(expr, timeMs, lookbackMs, defaultStepMs);
  const shared = options.cache?.serves(source) ? options.cache : undefined;
  const cache = shared ?? new EvaluationCache();
  const pending: Promise<void>[] = [];
  const series = new Map<VectorSelector, PreparedSeries[]>();
  for (const [sel, window] of plan) {
    const key = JSON.stringify([window.start, window.end, sel.matchers.map((m) => [m.name, m.type, m.value])]);
    const fetch = cache.fetch(key, sel.matchers, () => source.select(sel.matchers, window.start, window.end).then((found) => prepare(found, sel)));
    pending.push(fetch.then((s) => void series.set(sel, s)));
  }
  await Promise.all(pending);

  const ev = new Evaluator(series, timeMs, lookbackMs, defaultStepMs, shared);
  const v = ev.eval(expr, timeMs, 1);
  switch (v.type) {
    case 'vector':
      return { type: 'vector', samples: v.samples.map((s) => ({ labels: s.labels, value: s.value })) };
    case 'matrix':
      return { type: 'matrix', series: v.series.map((s) => ({ labels: s.labels, samples: s.points })) };
    default:
      return v;
  }
}

const cleaned = new WeakMap<Labels, Labels>();

/**
 * The source's label set without empty values, the same object for the same source object
 * (usually the source's own, already clean): label keys and name-dropped copies are cached
 * per object, so a stable identity lets every later evaluation reuse them.
 */
function stableCleanLabels(labels: Labels): Labels {
  let out = cleaned.get(labels);
  if (out === undefined) {
    out = Object.values(labels).includes('') ? cleanLabels(labels) : labels;
    cleaned.set(labels, out);
  }
  return out;
}

/** Keeps only series the matchers accept (sources may over-return), once each, in label order. */
function prepare(found: SeriesData[], sel: VectorSelector): PreparedSeries[] {
  const keyed: { key: string; s: PreparedSeries }[] = [];
  const seen = new Set<string>();
  for (const s of found) {
    if (!matchesAll(s.labels, sel.matchers)) continue;
    const labels = stableCleanLabels(s.labels);
    const key = labelsKey(labels);
    if (seen.has(key)) continue;
    seen.add(key);
    keyed.push({ key, s: { labels, samples: s.samples } });
  }
  // Prometheus storage yields series in label order; results are reproducible whatever the source does.
  keyed.sort((a, b) => compareKeys(a.key, b.key));
  return keyed.map((k) => k.s);
}

interface Window {
  start: number;
  end: number;
}

function atTime(at: AtModifier | undefined, queryTime: number): number | undefined {
  if (!at) return undefined;
  return at.kind === 'timestamp' ? at.timeMs : queryTime;
}

/**
 * The time window each selector needs: the evaluation times it is evaluated at (one instant,
 * or the steps of enclosing subqueries), moved by offset and `@`, widened by the lookback or
 * its range. Walks with an explicit stack.
 */
function planFetches(expr: Expr, timeMs: number, lookbackMs: number, defaultStepMs: number): Map<VectorSelector, Window> {
  const out = new Map<VectorSelector, Window>();
  const stack: { e: Expr; lo: number; hi: number }[] = [{ e: expr, lo: timeMs, hi: timeMs }];
  const widen = (sel: VectorSelector, w: Window) => {
    const prev = out.get(sel);
    out.set(sel, prev ? { start: Math.min(prev.start, w.start), end: Math.max(prev.end, w.end) } : w);
  };
  while (stack.length > 0) {
    const { e, lo, hi } = stack.pop()!;
    switch (e.kind) {
      case 'VectorSelector': {
        const at = atTime(e.at, timeMs);
        const off = e.offsetMs ?? 0;
        const [a, b] = at === undefined ? [lo - off, hi - off] : [at - off, at - off];
        widen(e, { start: a - lookbackMs, end: b });
        break;
      }
      case 'MatrixSelector': {
        const sel = e.selector;
        const at = atTime(sel.at, timeMs);
        const off = sel.offsetMs ?? 0;
        const [a, b] = at === undefined ? [lo - off, hi - off] : [at - off, at - off];
        widen(sel, { start: a - e.rangeMs, end: b });
        break;
      }
      case 'SubqueryExpr': {
        const at = atTime(e.at, timeMs);
        const off = e.offsetMs ?? 0;
        const [a, b] = at === undefined ? [lo - off, hi - off] : [at - off, at - off];
        const step = e.stepMs || defaultStepMs;
        stack.push({ e: e.expr, lo: a - e.rangeMs - step, hi: b });
        break;
      }
      case 'BinaryExpr':
        stack.push({ e: e.lhs, lo, hi }, { e: e.rhs, lo, hi });
        break;
      case 'UnaryExpr':
      case 'ParenExpr':
        stack.push({ e: e.expr, lo, hi });
        break;
      case 'Call':
        for (const a of e.args) stack.push({ e: a, lo, hi });
        break;
      case 'AggregateExpr':
        stack.push({ e: e.expr, lo, hi });
        if (e.param) stack.push({ e: e.param, lo, hi });
        break;
      default:
        break;
    }
  }
  return out;
}

/** Nodes whose results cost enough to share between queries (literals and parentheses do not). */
function worthSharing(e: Expr): boolean {
  return e.kind !== 'NumberLiteral' && e.kind !== 'StringLiteral' && e.kind !== 'ParenExpr' && e.kind !== 'UnaryExpr';
}

/** Index of the first sample with t >= time. */
function lowerBound(samples: readonly SamplePoint[], time: number): number {
  let lo = 0;
  let hi = samples.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (samples[mid]!.t < time) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The series' value at refTime: its latest sample in [refTime - lookback, refTime], unless that
 * sample is a stale marker. Prometheus 2.42 includes a sample exactly one lookback old.
 */
export function valueAt(samples: readonly SamplePoint[], refTime: number, lookbackMs: number): number | undefined {
  return sampleAt(samples, refTime, lookbackMs)?.v;
}

function sampleAt(samples: readonly SamplePoint[], refTime: number, lookbackMs: number): SamplePoint | undefined {
  const i = lowerBound(samples, refTime + 1) - 1;
  const last = samples[i];
  if (!last || last.t < refTime - lookbackMs) return undefined;
  // A stale marker as the latest sample means the series ended: it is absent, not NaN.
  if (isStaleMarker(last.v)) return undefined;
  return last;
}

/** Samples in [start, end] without stale markers (Prometheus 2.42 range selectors are closed). */
function rangePoints(samples: readonly SamplePoint[], start: number, end: number): SamplePoint[] {
  const out: SamplePoint[] = [];
  for (let i = lowerBound(samples, start); i < samples.length; i++) {
    const p = samples[i]!;
    if (p.t > end) break;
    if (!isStaleMarker(p.v)) out.push(p);
  }
  return out;
}

class Evaluator {
  /** Above zero while evaluating a subquery's steps, whose many results are not worth keeping. */
  private subqueryNesting = 0;

  constructor(
    private readonly series: ReadonlyMap<VectorSelector, PreparedSeries[]>,
    /** The query's own time: `@ start()` and `@ end()` both mean it. */
    private readonly queryTime: number,
    private readonly lookbackMs: number,
    private readonly defaultStepMs: number,
    private readonly cache?: EvaluationCache,
  ) {}

  private tooDeep(e: Expr): never {
    throw new EvaluationError(`expression nests deeper than ${MAX_DEPTH} levels`, e.pos);
  }

  private selectorRef(sel: { at?: AtModifier; offsetMs?: number }, t: number): number {
    return (atTime(sel.at, this.queryTime) ?? t) - (sel.offsetMs ?? 0);
  }

  private fetched(sel: VectorSelector): PreparedSeries[] {
    const s = this.series.get(sel);
    if (!s) throw new EvaluationError('selector was not fetched', sel.pos);
    return s;
  }

  eval(e: Expr, t: number, depth: number): Value {
    if (depth > MAX_DEPTH) this.tooDeep(e);
    if (this.cache === undefined || this.subqueryNesting > 0 || !worthSharing(e)) return this.compute(e, t, depth);
    const node = exprKey(e);
    if (node === null) return this.compute(e, t, depth);
    // Everything a node's value depends on besides its own text.
    const key = `${t}\u0000${this.queryTime}\u0000${this.lookbackMs}\u0000${this.defaultStepMs}\u0000${node}`;
    const hit = this.cache.value(key);
    if (hit !== undefined) return hit;
    const v = this.compute(e, t, depth);
    this.cache.storeValue(key, e, v);
    return v;
  }

  private compute(e: Expr, t: number, depth: number): Value {
    switch (e.kind) {
      case 'NumberLiteral':
        return { type: 'scalar', value: e.value };
      case 'StringLiteral':
        return { type: 'string', value: e.value };
      case 'ParenExpr':
        return this.eval(e.expr, t, depth + 1);
      case 'VectorSelector': {
        const ref = this.selectorRef(e, t);
        const out: Sample[] = [];
        for (const s of this.fetched(e)) {
          const p = sampleAt(s.samples, ref, this.lookbackMs);
          if (p) out.push({ labels: s.labels, value: p.v, t: p.t });
        }
        return { type: 'vector', samples: out };
      }
      case 'MatrixSelector': {
        const end = this.selectorRef(e.selector, t);
        const series: RangeSeries[] = [];
        for (const s of this.fetched(e.selector)) {
          const points = rangePoints(s.samples, end - e.rangeMs, end);
          if (points.length > 0) series.push({ labels: s.labels, points });
        }
        return { type: 'matrix', series, rangeMs: e.rangeMs, endMs: end };
      }
      case 'SubqueryExpr':
        return this.subquery(e, t, depth);
      case 'UnaryExpr': {
        const v = this.eval(e.expr, t, depth + 1);
        if (e.op === '+') return v;
        if (v.type === 'scalar') return { type: 'scalar', value: -v.value };
        if (v.type === 'vector') {
          const samples = v.samples.map((s) => ({ labels: dropMetricName(s.labels), value: -s.value }));
          assertUniqueLabelsets(samples, e.pos);
          return { type: 'vector', samples };
        }
        throw new EvaluationError('unary expression only allowed on expressions of type scalar or instant vector', e.pos);
      }
      case 'BinaryExpr':
        return this.binaryChain(e, t, depth);
      case 'Call': {
        const fn = Object.prototype.hasOwnProperty.call(FUNCTIONS, e.name) ? FUNCTIONS[e.name] : undefined;
        if (!fn) throw new EvaluationError(`unknown function with name ${JSON.stringify(e.name)}`, e.pos);
        const args = e.args.map((a) => this.eval(a, t, depth + 1));
        const v = fn({ t, args, argExprs: e.args });
        if (v.type === 'vector') assertUniqueLabelsets(v.samples, e.pos);
        return v;
      }
      case 'AggregateExpr': {
        const param = e.param ? this.eval(e.param, t, depth + 1) : undefined;
        const input = this.eval(e.expr, t, depth + 1);
        if (input.type !== 'vector') throw new EvaluationError('expected an instant vector in aggregation expression', e.pos);
        const p = param === undefined ? undefined : param.type === 'scalar' || param.type === 'string' ? param.value : undefined;
        return { type: 'vector', samples: aggregate(e.op, e.grouping, e.without, p, input.samples) };
      }
    }
  }

  /**
   * The subquery's points: `expr` evaluated at every multiple of the step in
   * [t - offset - range, t - offset] (both ends included, as Prometheus 2.42).
   */
  private subquery(e: SubqueryExpr, t: number, depth: number): Matrix {
    const end = this.selectorRef(e, t);
    const step = e.stepMs || this.defaultStepMs;
    const from = end - e.rangeMs;
    // Go's integer division truncates towards zero.
    let start = step * Math.trunc(from / step);
    if (start < from) start += step;
    if ((end - start) / step > MAX_SUBQUERY_STEPS) {
      throw new EvaluationError(`subquery would compute more than ${MAX_SUBQUERY_STEPS} points per series`, e.pos);
    }
    const bySeries = new Map<string, RangeSeries>();
    this.subqueryNesting++;
    try {
      for (let ts = start; ts <= end; ts += step) {
        const v = this.eval(e.expr, ts, depth + 1);
        if (v.type !== 'vector') throw new EvaluationError('subquery is only allowed on instant vector', e.pos);
        for (const s of v.samples) {
          const key = labelsKey(s.labels);
          let rs = bySeries.get(key);
          if (!rs) {
            rs = { labels: s.labels, points: [] };
            bySeries.set(key, rs);
          }
          rs.points.push({ t: ts, v: s.value });
        }
      }
    } finally {
      this.subqueryNesting--;
    }
    return { type: 'matrix', series: [...bySeries.values()], rangeMs: e.rangeMs, endMs: end };
  }

  /**
   * `a + b + c` nests to the left; the left operands are walked in a loop so a chain of any
   * length costs one level of recursion for its operands.
   */
  private binaryChain(top: BinaryExpr, t: number, depth: number): Value {
    const chain: BinaryExpr[] = [];
    let e: Expr = top;
    while (e.kind === 'BinaryExpr') {
      chain.push(e);
      e = e.lhs;
    }
    let acc = this.eval(e, t, depth + 1);
    for (let i = chain.length - 1; i >= 0; i--) {
      const node = chain[i]!;
      acc = this.binary(node, acc, this.eval(node.rhs, t, depth + 1));
    }
    return acc;
  }

  private binary(e: BinaryExpr, l: Value, r: Value): Value {
    if ((l.type !== 'scalar' && l.type !== 'vector') || (r.type !== 'scalar' && r.type !== 'vector')) {
      throw new EvaluationError('binary expression must contain only scalar and instant vector types', e.pos);
    }
    if (l.type === 'scalar' && r.type === 'scalar') {
      if (e.op === 'and' || e.op === 'or' || e.op === 'unless') throw new EvaluationError(`set operator ${JSON.stringify(e.op)} not allowed in binary scalar expression`, e.pos);
      if (e.op === '==' || e.op === '!=' || e.op === '>' || e.op === '<' || e.op === '>=' || e.op === '<=') {
        return { type: 'scalar', value: compare(e.op, l.value, r.value) ? 1 : 0 };
      }
      return { type: 'scalar', value: arithmetic(e.op, l.value, r.value) };
    }
    let samples: Sample[];
    if (l.type === 'vector' && r.type === 'vector') {
      const matching = e.matching ?? { card: 'one-to-one' as const, on: false, labels: [], include: [] };
      if (e.op === 'and' || e.op === 'or' || e.op === 'unless') samples = setBinop(e.op, l.samples, r.samples, matching);
      else samples = vectorBinop(e, l.samples, r.samples);
    } else if (l.type === 'vector' && r.type === 'scalar') {
      samples = vectorScalarBinop(e, l.samples, r.value, false);
      // Every vector the evaluator makes has unique label sets; labels kept as they are stay unique.
      if (keepsLabels(e)) return { type: 'vector', samples };
    } else if (l.type === 'scalar' && r.type === 'vector') {
      samples = vectorScalarBinop(e, r.samples, l.value, true);
      if (keepsLabels(e)) return { type: 'vector', samples };
    } else {
      throw new EvaluationError('unexpected operand types', e.pos);
    }
    assertUniqueLabelsets(samples, e.pos);
    return { type: 'vector', samples };
  }
}

