/**
 * The PromQL expression tree. Node shapes follow Prometheus' own parser (promql/parser/ast.go)
 * so later constructs (range selectors, calls, aggregations, subqueries) slot in as new union
 * members without changing the existing ones.
 */

/** Character offsets into the query text: `start` inclusive, `end` exclusive. */
export interface Pos {
  start: number;
  end: number;
}

export type MatchType = '=' | '!=' | '=~' | '!~';

export interface LabelMatcher {
  name: string;
  type: MatchType;
  value: string;
}

export type ArithmeticOp = '+' | '-' | '*' | '/' | '%' | '^' | 'atan2';
export type ComparisonOp = '==' | '!=' | '>' | '<' | '>=' | '<=';
export type SetOp = 'and' | 'or' | 'unless';
export type BinaryOp = ArithmeticOp | ComparisonOp | SetOp;
export type UnaryOp = '+' | '-';

export type ValueType = 'scalar' | 'vector' | 'matrix' | 'string';

export interface NumberLiteral {
  kind: 'NumberLiteral';
  value: number;
  pos: Pos;
}

export interface StringLiteral {
  kind: 'StringLiteral';
  value: string;
  pos: Pos;
}

/** `@ <timestamp>`, `@ start()` or `@ end()`. */
export type AtModifier = { kind: 'timestamp'; timeMs: number } | { kind: 'start' } | { kind: 'end' };

export interface VectorSelector {
  kind: 'VectorSelector';
  /** The metric name when written as an identifier or as a bare quoted name in the braces. */
  name?: string;
  /** Every matcher, including `__name__="<name>"` when `name` is set. */
  matchers: LabelMatcher[];
  /** `offset <duration>`: evaluation looks this far back (negative looks forward). */
  offsetMs?: number;
  at?: AtModifier;
  pos: Pos;
}

export type MatchingCardinality = 'one-to-one' | 'many-to-one' | 'one-to-many' | 'many-to-many';

/** How the series of two instant vectors are paired (`on`, `ignoring`, `group_left`, `group_right`). */
export interface VectorMatching {
  card: MatchingCardinality;
  /** True for `on(labels)`: match on exactly these labels; false for `ignoring(labels)` or the default. */
  on: boolean;
  /** The labels listed in `on(...)` or `ignoring(...)`. */
  labels: string[];
  /** Labels copied from the "one" side by `group_left(...)` / `group_right(...)`. */
  include: string[];
}

export interface BinaryExpr {
  kind: 'BinaryExpr';
  op: BinaryOp;
  lhs: Expr;
  rhs: Expr;
  returnBool: boolean;
  /** Null unless both operands are instant vectors. */
  matching: VectorMatching | null;
  pos: Pos;
}

export interface UnaryExpr {
  kind: 'UnaryExpr';
  op: UnaryOp;
  expr: Expr;
  pos: Pos;
}

export interface ParenExpr {
  kind: 'ParenExpr';
  expr: Expr;
  pos: Pos;
}

/** `selector[range]`: the samples of each series in the range before the evaluation time. */
export interface MatrixSelector {
  kind: 'MatrixSelector';
  /** Carries the matchers, `offset` and `@` of the whole range selector. */
  selector: VectorSelector;
  rangeMs: number;
  pos: Pos;
}

/** `expr[range:step]`: `expr` evaluated at every step-aligned instant of the range. */
export interface SubqueryExpr {
  kind: 'SubqueryExpr';
  expr: Expr;
  rangeMs: number;
  /** Zero when omitted (`[30m:]`): the evaluation's default step is used. */
  stepMs: number;
  offsetMs?: number;
  at?: AtModifier;
  pos: Pos;
}

/** A function call such as `rate(x[5m])`; `name` is checked against the function table. */
export interface Call {
  kind: 'Call';
  name: string;
  args: Expr[];
  pos: Pos;
}

export type AggregateOp =
  | 'sum'
  | 'avg'
  | 'min'
  | 'max'
  | 'count'
  | 'count_values'
  | 'group'
  | 'stddev'
  | 'stdvar'
  | 'topk'
  | 'bottomk'
  | 'quantile';

export interface AggregateExpr {
  kind: 'AggregateExpr';
  op: AggregateOp;
  expr: Expr;
  /** The first argument of topk, bottomk, quantile and count_values. */
  param?: Expr;
  /** Labels of `by (...)`, or of `without (...)` when `without` is true. */
  grouping: string[];
  without: boolean;
  pos: Pos;
}

export type Expr =
  | NumberLiteral
  | StringLiteral
  | VectorSelector
  | MatrixSelector
  | SubqueryExpr
  | Call
  | AggregateExpr
  | BinaryExpr
  | UnaryExpr
  | ParenExpr;

export const COMPARISON_OPS: ReadonlySet<BinaryOp> = new Set<BinaryOp>(['==', '!=', '>', '<', '>=', '<=']);
export const SET_OPS: ReadonlySet<BinaryOp> = new Set<BinaryOp>(['and', 'or', 'unless']);

export function isComparisonOp(op: BinaryOp): op is ComparisonOp {
  return COMPARISON_OPS.has(op);
}

export function isSetOp(op: BinaryOp): op is SetOp {
  return SET_OPS.has(op);
}

/** Result types of functions that do not return an instant vector. */
const FUNCTION_TYPES: Record<string, ValueType> = { time: 'scalar', scalar: 'scalar', pi: 'scalar' };

/**
 * The type an expression evaluates to: an operator yields a vector when either operand is
 * one. Walks with an explicit stack so hand-built trees of any depth are safe.
 */
export function exprType(expr: Expr): ValueType {
  let top = expr;
  while (top.kind === 'ParenExpr') top = top.expr;
  switch (top.kind) {
    case 'StringLiteral':
      return 'string';
    case 'NumberLiteral':
      return 'scalar';
    case 'VectorSelector':
    case 'AggregateExpr':
      return 'vector';
    case 'MatrixSelector':
    case 'SubqueryExpr':
      return 'matrix';
    case 'Call':
      return FUNCTION_TYPES[top.name] ?? 'vector';
    default:
      break;
  }
  // Unary and binary operators: a vector anywhere among the operands makes a vector.
  const stack: Expr[] = [top];
  while (stack.length > 0) {
    const e = stack.pop()!;
    if (e.kind === 'UnaryExpr' || e.kind === 'BinaryExpr' || e.kind === 'ParenExpr') {
      stack.push(...children(e));
    } else if (exprType(e) === 'vector') {
      return 'vector';
    }
  }
  return 'scalar';
}

/** Children of a node, left to right. */
export function children(expr: Expr): Expr[] {
  switch (expr.kind) {
    case 'BinaryExpr':
      return [expr.lhs, expr.rhs];
    case 'UnaryExpr':
    case 'ParenExpr':
    case 'SubqueryExpr':
      return [expr.expr];
    case 'MatrixSelector':
      return [expr.selector];
    case 'Call':
      return [...expr.args];
    case 'AggregateExpr':
      return expr.param ? [expr.param, expr.expr] : [expr.expr];
    default:
      return [];
  }
}

/** Every vector selector in the expression, in source order (to learn which metrics a rule reads). */
export function collectSelectors(expr: Expr): VectorSelector[] {
  const out: VectorSelector[] = [];
  const stack: Expr[] = [expr];
  while (stack.length > 0) {
    const e = stack.pop()!;
    if (e.kind === 'VectorSelector') out.push(e);
    const kids = children(e);
    for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i]!);
  }
  return out;
}
