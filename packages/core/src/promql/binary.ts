import { METRIC_NAME, type Labels } from '../model/labels';
import { isComparisonOp, type BinaryExpr, type BinaryOp, type VectorMatching } from './ast';
import { EvaluationError } from './errors';
import { compareKeys, dropMetricName, formatLabelSet, LabelProjection, labelsKey, onlyLabels, setLabel, withoutLabels } from './labelset';
import { labelValue } from './matchers';
import { goPow } from './numeric';
import type { Sample } from './value';

/** Go's math.Mod: JavaScript's % is the same IEEE remainder (sign of x, NaN for x % 0 and Inf % y). */
export function goMod(x: number, y: number): number {
  return x % y;
}

export function arithmetic(op: BinaryOp, l: number, r: number): number {
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
export function compare(op: BinaryOp, l: number, r: number): boolean {
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

/** Operators whose result is no longer the metric (2.42 keeps the name through atan2). */
function dropsName(op: BinaryOp): boolean {
  return op === '+' || op === '-' || op === '*' || op === '/' || op === '%' || op === '^';
}

const matchProjections = new WeakMap<VectorMatching, LabelProjection>();

/** The labels two series are matched on (Prometheus' MatchLabels). */
function matchLabels(labels: Labels, matching: VectorMatching): Labels {
  let projection = matchProjections.get(matching);
  if (projection === undefined) {
    projection = matching.on ? new LabelProjection(matching.labels, true) : new LabelProjection([METRIC_NAME, ...matching.labels], false);
    matchProjections.set(matching, projection);
  }
  return projection.apply(labels);
}

function signature(labels: Labels, matching: VectorMatching): string {
  return labelsKey(matchLabels(labels, matching));
}

/**
 * True when a vector-scalar operation gives every result element its input's labels, so a
 * result of a vector with unique label sets needs no uniqueness check.
 */
export function keepsLabels(e: BinaryExpr): boolean {
  return !dropsName(e.op) && !e.returnBool;
}

/** Prometheus' VectorscalarBinop; `swap` when the scalar is the left operand. */
export function vectorScalarBinop(e: BinaryExpr, vector: readonly Sample[], scalar: number, swap: boolean): Sample[] {
  const out: Sample[] = [];
  const op = e.op;
  const comparison = isComparisonOp(op);
  const dropName = dropsName(op) || e.returnBool;
  // One pass without per-element allocations: this loop runs once per series for every threshold rule.
  for (let i = 0; i < vector.length; i++) {
    const s = vector[i]!;
    const lv = swap ? scalar : s.value;
    const rv = swap ? s.value : scalar;
    let value: number;
    if (comparison) {
      const keep = compare(op, lv, rv);
      if (e.returnBool) value = keep ? 1 : 0;
      else if (!keep) continue;
      else {
        // A filter passes the element through as it is (value and labels), whichever side the
        // vector is on; elements are never mutated, so the same object serves.
        out.push(s);
        continue;
      }
    } else {
      value = e.returnBool ? 1 : arithmetic(op, lv, rv);
    }
    out.push({ labels: dropName ? dropMetricName(s.labels) : s.labels, value });
  }
  return out;
}

/** `and`, `or`, `unless`: membership by matching labels; values and labels pass through. */
export function setBinop(op: 'and' | 'or' | 'unless', lhs: readonly Sample[], rhs: readonly Sample[], matching: VectorMatching): Sample[] {
  switch (op) {
    case 'and': {
      if (lhs.length === 0 || rhs.length === 0) return [];
      const right = new Set(rhs.map((s) => signature(s.labels, matching)));
      return lhs.filter((s) => right.has(signature(s.labels, matching)));
    }
    case 'or': {
      if (lhs.length === 0) return [...rhs];
      if (rhs.length === 0) return [...lhs];
      const left = new Set(lhs.map((s) => signature(s.labels, matching)));
      return [...lhs, ...rhs.filter((s) => !left.has(signature(s.labels, matching)))];
    }
    case 'unless': {
      if (lhs.length === 0 || rhs.length === 0) return [...lhs];
      const right = new Set(rhs.map((s) => signature(s.labels, matching)));
      return lhs.filter((s) => !right.has(signature(s.labels, matching)));
    }
  }
}

/** Prometheus' resultMetric: the "many" side's labels, shaped by the matching. */
function resultMetric(many: Labels, one: Labels, op: BinaryOp, matching: VectorMatching): Labels {
  let labels = dropsName(op) ? dropMetricName(many) : { ...many };
  if (matching.card === 'one-to-one') {
    labels = matching.on ? onlyLabels(labels, matching.labels) : withoutLabels(labels, matching.labels);
  }
  for (const name of matching.include) labels = setLabel(labels, name, labelValue(one, name) ?? '');
  return labels;
}

/** Prometheus' VectorBinop: one-to-one, many-to-one (group_left) and one-to-many (group_right). */
export function vectorBinop(e: BinaryExpr, lhsIn: readonly Sample[], rhsIn: readonly Sample[]): Sample[] {
  const matching: VectorMatching = e.matching ?? { card: 'one-to-one', on: false, labels: [], include: [] };
  if (matching.card === 'many-to-many') throw new EvaluationError('many-to-many only allowed for set operators', e.pos);
  if (lhsIn.length === 0 || rhsIn.length === 0) return [];
  // For one-to-many the sides swap, so the right-hand side is always the "one" side.
  const oneToMany = matching.card === 'one-to-many';
  const [lhs, rhs] = oneToMany ? [rhsIn, lhsIn] : [lhsIn, rhsIn];

  const right = new Map<string, Sample>();
  for (const rs of rhs) {
    const sig = signature(rs.labels, matching);
    const dup = right.get(sig);
    if (dup) {
      throw new EvaluationError(
        `found duplicate series for the match group ${formatLabelSet(matchLabels(rs.labels, matching))} on the ${oneToMany ? 'left' : 'right'} hand-side of the operation: ` +
          `[${formatLabelSet(rs.labels)}, ${formatLabelSet(dup.labels)}];many-to-many matching not allowed: matching labels must be unique on one side`,
        e.pos,
      );
    }
    right.set(sig, rs);
  }

  const matched = new Map<string, Set<string> | null>();
  const out: Sample[] = [];
  for (const ls of lhs) {
    const sig = signature(ls.labels, matching);
    const rs = right.get(sig);
    if (!rs) continue;
    const [vl, vr] = oneToMany ? [rs.value, ls.value] : [ls.value, rs.value];
    let { value, keep } = elemBinop(e.op, vl, vr);
    if (e.returnBool) value = keep ? 1 : 0;
    else if (!keep) continue;
    let labels = resultMetric(ls.labels, rs.labels, e.op, matching);
    if (e.returnBool) labels = dropMetricName(labels);
    const seen = matched.get(sig);
    if (matching.card === 'one-to-one') {
      if (seen !== undefined) {
        throw new EvaluationError('multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)', e.pos);
      }
      matched.set(sig, null);
    } else {
      const key = labelsKey(labels);
      if (seen === undefined || seen === null) matched.set(sig, new Set([key]));
      else if (seen.has(key)) throw new EvaluationError('multiple matches for labels: grouping labels must ensure unique matches', e.pos);
      else seen.add(key);
    }
    out.push({ labels, value });
  }
  return out;
}


