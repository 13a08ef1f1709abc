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

export type Expr = NumberLiteral | StringLiteral | VectorSelector | BinaryExpr | UnaryExpr | ParenExpr;

export const COMPARISON_OPS: ReadonlySet<BinaryOp> = new Set<BinaryOp>(['==', '!=', '>', '<', '>=', '<=']);
export const SET_OPS: ReadonlySet<BinaryOp> = new Set<BinaryOp>(['and', 'or', 'unless']);

export function isComparisonOp(op: BinaryOp): op is ComparisonOp {
  return COMPARISON_OPS.has(op);
}

export function isSetOp(op: BinaryOp): op is SetOp {
  return SET_OPS.has(op);
}

/**
 * The type an expression evaluates to: an operator yields a vector when either operand is
 * one. Walks with an explicit stack so hand-built trees of any depth are safe.
 */
export function exprType(expr: Expr): ValueType {
  let top = expr;
  while (top.kind === 'ParenExpr') top = top.expr;
  if (top.kind === 'StringLiteral') return 'string';
  const stack: Expr[] = [top];
  while (stack.length > 0) {
    const e = stack.pop()!;
    if (e.kind === 'VectorSelector') return 'vector';
    stack.push(...children(e));
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
      return [expr.expr];
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
