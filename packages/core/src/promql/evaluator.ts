import { METRIC_NAME, LABEL_NAME_RE, type Labels } from '../model/labels';
import {
  collectSelectors,
  isComparisonOp,
  type BinaryExpr,
  type BinaryOp,
  type Expr,
  type Pos,
  type VectorMatching,
  type VectorSelector,
} from './ast';
import { EvaluationError } from './errors';
import { labelValue, matchesAll } from './matchers';
import { MAX_DEPTH } from './limits';
import { isStaleMarker, type SamplePoint, type SeriesSource } from './source';

/** Prometheus' default: a series is current if it has a sample in the last 5 minutes. */
export const DEFAULT_LOOKBACK_MS = 5 * 60 * 1000;

export interface EvaluateOptions {
  /** How far back a sample still counts as the series' current value (default 5 minutes). */
  lookbackMs?: number;
}

export interface InstantSample {
  labels: Labels;
  value: number;
}

export type InstantValue =
  | { type: 'vector'; samples: InstantSample[] }
  | { type: 'scalar'; value: number }
  | { type: 'string'; value: string };

/** Labels that describe the metric rather than the series; arithmetic changes the metric, so they go. */
const METADATA_LABELS = [METRIC_NAME, '__type__', '__unit__'];

/**
 * Evaluates an expression at one instant, as a Prometheus instant query does. All series are
 * fetched first (concurrently, once per distinct selector), then the tree is evaluated
 * synchronously with recursion bounded by MAX_DEPTH.
 */
export async function evaluateInstant(
  expr: Expr,
  timeMs: number,
  source: SeriesSource,
  options: EvaluateOptions = {},
): Promise<InstantValue> {
  const lookbackMs = options.lookbackMs ?? DEFAULT_LOOKBACK_MS;
  if (!Number.isFinite(timeMs)) throw new RangeError('evaluation time must be a finite number of milliseconds');
  if (!Number.isFinite(lookbackMs) || lookbackMs <= 0) throw new RangeError('lookbackMs must be a positive number');

  const bySelector = new Map<VectorSelector, Promise<InstantSample[]>>();
  const byKey = new Map<string, Promise<InstantSample[]>>();
  for (const sel of collectSelectors(expr)) {
    const refTime = selectorTime(sel, timeMs);
    const key = JSON.stringify([refTime, sel.matchers.map((m) => [m.name, m.type, m.value])]);
    let pending = byKey.get(key);
    if (!pending) {
      pending = source
        .select(sel.matchers, refTime - lookbackMs, refTime)
        .then((series) => instantVector(series, sel, refTime, lookbackMs));
      byKey.set(key, pending);
    }
    bySelector.set(sel, pending);
  }
  const vectors = new Map<VectorSelector, InstantSample[]>();
  await Promise.all([...bySelector].map(async ([sel, pending]) => vectors.set(sel, await pending)));
  return new Evaluator(vectors).eval(expr, 1);
}

function selectorTime(sel: VectorSelector, timeMs: number): number {
  // For an instant query start() and end() are both the evaluation time.
  const base = sel.at?.kind === 'timestamp' ? sel.at.timeMs : timeMs;
  return base - (sel.offsetMs ?? 0);
}

/** The series' value at refTime: its latest sample in (refTime - lookback, refTime], unless stale. */
export function valueAt(samples: readonly SamplePoint[], refTime: number, lookbackMs: number): number | undefined {
  let lo = 0;
  let hi = samples.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (samples[mid]!.t <= refTime) lo = mid + 1;
    else hi = mid;
  }
  const last = samples[lo - 1];
  if (!last || last.t <= refTime - lookbackMs) return undefined;
  // A stale marker as the latest sample means the series ended: it is absent, not NaN.
  if (isStaleMarker(last.v)) return undefined;
  return last.v;
}

function instantVector(
  series: { labels: Labels; samples: SamplePoint[] }[],
  sel: VectorSelector,
  refTime: number,
  lookbackMs: number,
): InstantSample[] {
  const keyed: { key: string; sample: InstantSample }[] = [];
  const seen = new Set<string>();
  for (const s of series) {
    // Sources may over-return (e.g. everything under one metric name): the matchers decide.
    if (!matchesAll(s.labels, sel.matchers)) continue;
    const key = labelsKey(s.labels);
    if (seen.has(key)) continue;
    seen.add(key);
    const value = valueAt(s.samples, refTime, lookbackMs);
    if (value !== undefined) keyed.push({ key, sample: { labels: { ...s.labels }, value } });
  }
  // Prometheus storage yields series in label order; results are reproducible whatever the source does.
  keyed.sort((a, b) => compareKeys(a.key, b.key));
  return keyed.map((k) => k.sample);
}

function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Canonical identity of a label set; an empty value is the same as an absent label. */
function labelsKey(labels: Labels): string {
  const pairs: [string, string][] = [];
  for (const name of Object.keys(labels)) {
    const v = labels[name];
    if (v !== undefined && v !== '') pairs.push([name, v]);
  }
  pairs.sort((x, y) => compareKeys(x[0], y[0]));
  return JSON.stringify(pairs);
}

/** Prometheus' text form of a label set, for error messages: {__name__="up", job="api"}. */
export function formatLabelSet(labels: Labels): string {
  const parts = Object.keys(labels)
    .filter((k) => labels[k] !== '')
    .sort(compareKeys)
    .map((k) => `${LABEL_NAME_RE.test(k) ? k : JSON.stringify(k)}=${JSON.stringify(labels[k])}`);
  return `{${parts.join(', ')}}`;
}

function withoutLabels(labels: Labels, names: readonly string[]): Labels {
  const out: Labels = { ...labels };
  for (const n of names) delete out[n];
  return out;
}

function onlyLabels(labels: Labels, names: readonly string[]): Labels {
  const out: Labels = {};
  for (const n of names) {
    const v = labelValue(labels, n);
    if (v !== undefined && v !== '') out[n] = v;
  }
  return out;
}

/** The labels two series are matched on (Prometheus' MatchLabels). */
function matchLabels(labels: Labels, matching: VectorMatching): Labels {
  return matching.on ? onlyLabels(labels, matching.labels) : withoutLabels(labels, [METRIC_NAME, ...matching.labels]);
}

/** Go's math.Pow: JavaScript differs only where the base is 1, or -1 with an infinite exponent. */
export function goPow(x: number, y: number): number {
  if (x === 1) return 1;
  if (x === -1 && (y === Infinity || y === -Infinity)) return 1;
  return Math.pow(x, y);
}

/** Go's math.Mod: JavaScript's % is the same IEEE remainder (sign of x, NaN for x % 0 and Inf % y). */
export function goMod(x: number, y: number): number {
  return x % y;
}

function arithmetic(op: BinaryOp, l: number, r: number): number {
  switch (op) {
    case '+':
      return l + r;
    case '-':
      return l - r;
    case '*':
      return l * r;
    case '/':
      return l / r;
    case '%':
      return goMod(l, r);
    case '^':
      return goPow(l, r);
    case 'atan2':
      return Math.atan2(l, r);
    default:
      throw new EvaluationError(`operator ${JSON.stringify(op)} is not an arithmetic operator`);
  }
}

/** JavaScript and Go agree on IEEE comparisons: NaN is unequal to everything, itself included. */
function compare(op: BinaryOp, l: number, r: number): boolean {
  switch (op) {
    case '==':
      return l === r;
    case '!=':
      return l !== r;
    case '>':
      return l > r;
    case '<':
      return l < r;
    case '>=':
      return l >= r;
    case '<=':
      return l <= r;
    default:
      throw new EvaluationError(`operator ${JSON.stringify(op)} is not a comparison operator`);
  }
}

/** Prometheus' vectorElemBinop: a comparison keeps the left value and says whether it passed. */
function elemBinop(op: BinaryOp, l: number, r: number): { value: number; keep: boolean } {
  if (isComparisonOp(op)) return { value: l, keep: compare(op, l, r) };
  return { value: arithmetic(op, l, r), keep: true };
}

function assertUniqueLabelsets(samples: readonly InstantSample[], pos: Pos): void {
  const seen = new Set<string>();
  for (const s of samples) {
    const key = labelsKey(s.labels);
    if (seen.has(key)) throw new EvaluationError('vector cannot contain metrics with the same labelset', pos);
    seen.add(key);
  }
}

class Evaluator {
  constructor(private readonly vectors: ReadonlyMap<VectorSelector, InstantSample[]>) {}

  eval(e: Expr, depth: number): InstantValue {
    if (depth > MAX_DEPTH) throw new EvaluationError(`expression nests deeper than ${MAX_DEPTH} levels`, e.pos);
    switch (e.kind) {
      case 'NumberLiteral':
        return { type: 'scalar', value: e.value };
      case 'StringLiteral':
        return { type: 'string', value: e.value };
      case 'VectorSelector': {
        const samples = this.vectors.get(e);
        if (!samples) throw new EvaluationError('selector was not fetched', e.pos);
        return { type: 'vector', samples: samples.map((s) => ({ labels: { ...s.labels }, value: s.value })) };
      }
      case 'ParenExpr':
        return this.eval(e.expr, depth + 1);
      case 'UnaryExpr': {
        const v = this.eval(e.expr, depth + 1);
        if (e.op === '+') return v;
        if (v.type === 'scalar') return { type: 'scalar', value: -v.value };
        if (v.type === 'vector') {
          const samples = v.samples.map((s) => ({ labels: withoutLabels(s.labels, METADATA_LABELS), value: -s.value }));
          assertUniqueLabelsets(samples, e.pos);
          return { type: 'vector', samples };
        }
        throw new EvaluationError('unary expression only allowed on expressions of type scalar or instant vector', e.pos);
      }
      case 'BinaryExpr':
        return this.binary(e, depth);
    }
  }

  private binary(e: BinaryExpr, depth: number): InstantValue {
    const l = this.eval(e.lhs, depth + 1);
    const r = this.eval(e.rhs, depth + 1);
    if (l.type === 'string' || r.type === 'string') {
      throw new EvaluationError('binary expression must contain only scalar and instant vector types', e.pos);
    }
    if (e.op === 'and' || e.op === 'or' || e.op === 'unless') {
      throw new EvaluationError(`set operator ${JSON.stringify(e.op)} is not supported yet`, e.pos);
    }
    if (l.type === 'scalar' && r.type === 'scalar') {
      if (isComparisonOp(e.op)) return { type: 'scalar', value: compare(e.op, l.value, r.value) ? 1 : 0 };
      return { type: 'scalar', value: arithmetic(e.op, l.value, r.value) };
    }
    let samples: InstantSample[];
    if (l.type === 'vector' && r.type === 'vector') {
      samples = this.vectorBinop(e, l.samples, r.samples);
    } else if (l.type === 'vector' && r.type === 'scalar') {
      samples = this.vectorScalarBinop(e, l.samples, r.value, false);
    } else if (l.type === 'scalar' && r.type === 'vector') {
      samples = this.vectorScalarBinop(e, r.samples, l.value, true);
    } else {
      throw new EvaluationError('unexpected operand types', e.pos);
    }
    assertUniqueLabelsets(samples, e.pos);
    return { type: 'vector', samples };
  }

  /** Prometheus' VectorscalarBinop; `swap` when the scalar is the left operand. */
  private vectorScalarBinop(e: BinaryExpr, vector: InstantSample[], scalar: number, swap: boolean): InstantSample[] {
    const out: InstantSample[] = [];
    const dropName = !isComparisonOp(e.op) || e.returnBool;
    for (const s of vector) {
      const [lv, rv] = swap ? [scalar, s.value] : [s.value, scalar];
      let { value, keep } = elemBinop(e.op, lv, rv);
      // A filter passes the vector's own value through, whichever side it is on.
      if (isComparisonOp(e.op) && swap) value = rv;
      if (e.returnBool) {
        value = keep ? 1 : 0;
        keep = true;
      }
      if (!keep) continue;
      out.push({ labels: dropName ? withoutLabels(s.labels, METADATA_LABELS) : s.labels, value });
    }
    return out;
  }

  /** Prometheus' VectorBinop for one-to-one matching. */
  private vectorBinop(e: BinaryExpr, lhs: InstantSample[], rhs: InstantSample[]): InstantSample[] {
    const matching: VectorMatching = e.matching ?? { card: 'one-to-one', on: false, labels: [], include: [] };
    if (matching.card !== 'one-to-one') {
      throw new EvaluationError(`${matching.card} matching is not supported yet`, e.pos);
    }
    if (lhs.length === 0 || rhs.length === 0) return [];
    const signature = (labels: Labels) => labelsKey(matchLabels(labels, matching));

    const right = new Map<string, InstantSample>();
    for (const rs of rhs) {
      const sig = signature(rs.labels);
      const dup = right.get(sig);
      if (dup) {
        const [a, b] = [formatLabelSet(rs.labels), formatLabelSet(dup.labels)].sort(compareKeys);
        throw new EvaluationError(
          `found duplicate series for the match group ${formatLabelSet(matchLabels(rs.labels, matching))} on the right hand-side of the operation: ` +
            `[${a}, ${b}];many-to-many matching not allowed: matching labels must be unique on one side`,
          e.pos,
        );
      }
      right.set(sig, rs);
    }

    const dropName = !isComparisonOp(e.op) || e.returnBool;
    const matched = new Set<string>();
    const out: InstantSample[] = [];
    for (const ls of lhs) {
      const sig = signature(ls.labels);
      const rs = right.get(sig);
      if (!rs) continue;
      let { value, keep } = elemBinop(e.op, ls.value, rs.value);
      if (e.returnBool) value = keep ? 1 : 0;
      // Checked before the filter, as Prometheus does: a duplicate is an error even if filtered out.
      if (matched.has(sig)) {
        throw new EvaluationError('multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)', e.pos);
      }
      matched.add(sig);
      if (!keep && !e.returnBool) continue;
      let labels = dropName ? withoutLabels(ls.labels, METADATA_LABELS) : { ...ls.labels };
      labels = matching.on ? onlyLabels(labels, matching.labels) : withoutLabels(labels, matching.labels);
      out.push({ labels, value });
    }
    return out;
  }
}
