import { parser as lezerParser } from '@prometheus-io/lezer-promql';
import { METRIC_NAME } from '../model/labels';
import {
  isComparisonOp,
  type BinaryExpr,
  type BinaryOp,
  type Expr,
  type LabelMatcher,
  type MatchType,
  type NumberLiteral,
  type Pos,
  type ValueType,
  type VectorMatching,
  type VectorSelector,
} from './ast';
import { PromQLError } from './errors';
import { LiteralError, parseNumber, unquoteString } from './literals';
import { MAX_DEPTH, MAX_QUERY_BYTES } from './limits';
import { compileMatcher, regexError } from './matchers';


type SyntaxNode = ReturnType<typeof lezerParser.parse>['topNode'];

/**
 * Strict mode stops at the first syntax error. Lezer's error recovery would build a tree for
 * the rest of the input, which costs seconds on 64 KiB of adversarial text.
 */
const strictParser = lezerParser.configure({ strict: true });

/**
 * The concrete tree may be deeper than the expression tree (matchers, modifier clauses, call
 * bodies), but never by more than this for a query within MAX_DEPTH; the converter's recursion
 * is bounded by it.
 */
const MAX_SYNTAX_DEPTH = 2 * MAX_DEPTH + 16;

const BINARY_OPS: Record<string, BinaryOp> = {
  Pow: '^',
  Mul: '*',
  Div: '/',
  Mod: '%',
  Atan2: 'atan2',
  Add: '+',
  Sub: '-',
  Eql: '==',
  Neq: '!=',
  Gtr: '>',
  Lss: '<',
  Gte: '>=',
  Lte: '<=',
  And: 'and',
  Or: 'or',
  Unless: 'unless',
};

const UNSUPPORTED_NODES: Record<string, string> = {
  MatrixSelector: 'range selector',
  SubqueryExpr: 'subquery',
  OffsetExpr: 'offset modifier',
  StepInvariantExpr: '@ modifier',
  AnchoredExpr: '"anchored" modifier',
  SmoothedExpr: '"smoothed" modifier',
};

const CLOSERS: Record<string, string> = { ')': '(', ']': '[', '}': '{' };

/**
 * Parses a PromQL expression with the grammar Prometheus maintains for its own UI
 * (@prometheus-io/lezer-promql) and converts it to Vigil's AST, applying the semantic checks
 * Prometheus' parser applies. Every problem is a PromQLError with a position.
 */
export function parsePromQL(text: string): Expr {
  if (Buffer.byteLength(text, 'utf8') > MAX_QUERY_BYTES) {
    throw new PromQLError(`query is longer than ${MAX_QUERY_BYTES} bytes`, text, 0);
  }
  if (!hasTokens(text)) throw new PromQLError('no expression found in input', text, 0);
  prescan(text);

  let tree: ReturnType<typeof lezerParser.parse>;
  try {
    tree = strictParser.parse(text);
  } catch (err) {
    if (err instanceof SyntaxError) {
      const at = /No parse at (\d+)/.exec(err.message);
      throw syntaxFailure(text, at ? Number(at[1]) : 0);
    }
    // Lezer recurses while building trees; anything that still defeats it is refused, not crashed on.
    if (err instanceof RangeError) throw new PromQLError('query is too complex to parse', text, 0);
    throw err;
  }
  checkSyntax(tree, text);
  return new Converter(text).convertTop(tree.topNode);
}

/** True when the text holds something other than whitespace and comments. */
function hasTokens(text: string): boolean {
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '#') {
      const nl = text.indexOf('\n', i);
      if (nl < 0) return false;
      i = nl + 1;
    } else if (/\s/.test(c)) {
      i++;
    } else {
      return true;
    }
  }
  return false;
}

/** Index of the closing quote of the string starting at `start`, or -1 if it is unterminated. */
function skipQuoted(text: string, start: number): number {
  const q = text[start];
  for (let i = start + 1; i < text.length; i++) {
    const c = text[i];
    if (c === '\\' && q !== '`') i++;
    else if (c === q) return i;
    else if (c === '\n' && q !== '`') return -1;
  }
  return -1;
}

/**
 * A linear pass before the grammar runs: bracket nesting beyond MAX_DEPTH and stray closing
 * brackets are refused here, because Lezer's error recovery on such input costs seconds and
 * can exhaust the stack.
 */
function prescan(text: string): void {
  const open: string[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"' || c === "'" || c === '`') {
      const end = skipQuoted(text, i);
      if (end < 0) throw new PromQLError('unterminated quoted string', text, i);
      i = end;
    } else if (c === '#') {
      const nl = text.indexOf('\n', i);
      if (nl < 0) return;
      i = nl;
    } else if (c === '(' || c === '[' || c === '{') {
      open.push(c);
      if (open.length > MAX_DEPTH) throw tooDeep(text, i);
    } else if (c === ')' || c === ']' || c === '}') {
      if (open.pop() !== CLOSERS[c]) throw new PromQLError(`unexpected "${c}"`, text, i);
    }
  }
}

interface SyntaxScan {
  /** Offset of the first error node, or -1. */
  firstError: number;
  /** Where the tree first got too deep, or -1. */
  tooDeepAt: number;
}

/**
 * Walks Lezer's tree with a cursor (no recursion) for error nodes and runaway depth. Expression
 * nodes are counted against MAX_DEPTH (+1: a matcher's string literal is an expression node
 * type too); all nodes against MAX_SYNTAX_DEPTH, which bounds the converter's recursion.
 */
function scanSyntax(tree: ReturnType<typeof lezerParser.parse>): SyntaxScan {
  const cursor = tree.cursor();
  const levelIsExpr: boolean[] = [];
  let exprDepth = 0;
  let firstError = -1;
  for (;;) {
    if (cursor.type.isError && (firstError < 0 || cursor.from < firstError)) firstError = cursor.from;
    const isExpr = cursor.type.is('Expr');
    if (isExpr) exprDepth++;
    levelIsExpr.push(isExpr);
    if (exprDepth > MAX_DEPTH + 1 || levelIsExpr.length > MAX_SYNTAX_DEPTH) return { firstError, tooDeepAt: cursor.from };
    if (cursor.firstChild()) continue;
    for (;;) {
      if (levelIsExpr.pop()) exprDepth--;
      if (cursor.nextSibling()) break;
      if (!cursor.parent()) return { firstError, tooDeepAt: -1 };
    }
  }
}

function tooDeep(text: string, position: number): PromQLError {
  return new PromQLError(`expression nests deeper than ${MAX_DEPTH} levels`, text, position);
}

function checkSyntax(tree: ReturnType<typeof lezerParser.parse>, text: string): void {
  const { firstError, tooDeepAt } = scanSyntax(tree);
  if (tooDeepAt >= 0) throw tooDeep(text, tooDeepAt);
  if (firstError >= 0) throw unexpected(text, firstError);
}

/**
 * The strict parser also stops where Lezer's own depth safeguards give up (around a thousand
 * chained operators), which would read as a baffling syntax error. The text before that point
 * parsed, so re-parsing just that prefix is cheap and tells the two cases apart.
 */
function syntaxFailure(text: string, position: number): PromQLError {
  try {
    const { tooDeepAt } = scanSyntax(lezerParser.parse(text.slice(0, position)));
    if (tooDeepAt >= 0) return tooDeep(text, tooDeepAt);
  } catch (err) {
    if (!(err instanceof RangeError)) throw err;
    return tooDeep(text, 0);
  }
  return unexpected(text, position);
}

function unexpected(text: string, position: number): PromQLError {
  const at = skipSpace(text, position);
  if (at >= text.length) return new PromQLError('unexpected end of input', text, at);
  return new PromQLError(`unexpected ${describeToken(text, at)}`, text, at);
}

function skipSpace(text: string, from: number): number {
  let i = from;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '#') {
      const nl = text.indexOf('\n', i);
      i = nl < 0 ? text.length : nl + 1;
    } else if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
    } else {
      break;
    }
  }
  return i;
}

const TWO_CHAR_OPS = new Set(['==', '!=', '>=', '<=', '=~', '!~', '</', '>/']);

/** Names the token at `at` for an error message, e.g. `"}"` or `identifier "bar"`. */
function describeToken(text: string, at: number): string {
  const clip = (s: string) => JSON.stringify(s.length > 40 ? `${s.slice(0, 40)}...` : s);
  const c = text[at]!;
  if (/[A-Za-z_:]/.test(c)) {
    let end = at + 1;
    while (end < text.length && /[A-Za-z0-9_:]/.test(text[end]!)) end++;
    return `identifier ${clip(text.slice(at, end))}`;
  }
  if (/[0-9.]/.test(c)) {
    let end = at + 1;
    while (end < text.length && /[0-9A-Za-z_.]/.test(text[end]!)) end++;
    return `number ${clip(text.slice(at, end))}`;
  }
  if (c === '"' || c === "'" || c === '`') {
    const end = skipQuoted(text, at);
    return `string ${clip(text.slice(at, end < 0 ? text.length : end + 1))}`;
  }
  const two = text.slice(at, at + 2);
  return JSON.stringify(TWO_CHAR_OPS.has(two) ? two : c);
}

interface Typed<E extends Expr = Expr> {
  expr: E;
  type: ValueType;
}

class Converter {
  constructor(private readonly text: string) {}

  private fail(reason: string, position: number): never {
    throw new PromQLError(reason, this.text, position);
  }

  private src(node: SyntaxNode): string {
    return this.text.slice(node.from, node.to);
  }

  private pos(node: SyntaxNode): Pos {
    return { start: node.from, end: node.to };
  }

  /** Named children, comments left out. */
  private kids(node: SyntaxNode): SyntaxNode[] {
    const out: SyntaxNode[] = [];
    for (let c = node.firstChild; c; c = c.nextSibling) if (c.name !== 'LineComment') out.push(c);
    return out;
  }

  private exprKids(node: SyntaxNode): SyntaxNode[] {
    return this.kids(node).filter((k) => k.type.is('Expr'));
  }

  convertTop(top: SyntaxNode): Expr {
    const [root] = this.exprKids(top);
    if (!root) this.fail('no expression found in input', 0);
    return this.convert(root, 1).expr;
  }

  private convert(node: SyntaxNode, depth: number): Typed {
    if (depth > MAX_DEPTH) this.fail(`expression nests deeper than ${MAX_DEPTH} levels`, node.from);
    switch (node.name) {
      case 'NumberDurationLiteral':
        return { expr: this.numberLiteral(node), type: 'scalar' };
      case 'StringLiteral':
        return { expr: { kind: 'StringLiteral', value: this.string(node), pos: this.pos(node) }, type: 'string' };
      case 'VectorSelector':
        return { expr: this.vectorSelector(node), type: 'vector' };
      case 'ParenExpr': {
        const [inner] = this.exprKids(node);
        if (!inner) this.fail('expected an expression in parentheses', node.from);
        const t = this.convert(inner, depth + 1);
        return { expr: { kind: 'ParenExpr', expr: t.expr, pos: this.pos(node) }, type: t.type };
      }
      case 'UnaryExpr':
        return this.unary(node, depth);
      case 'BinaryExpr':
        return this.binary(node, depth);
      case 'FunctionCall': {
        const id = node.getChild('FunctionIdentifier');
        return this.fail(`function ${JSON.stringify(id ? this.src(id) : '?')} is not supported yet`, node.from);
      }
      case 'AggregateExpr': {
        const op = node.getChild('AggregateOp');
        return this.fail(`aggregation ${JSON.stringify(op ? this.src(op) : '?')} is not supported yet`, node.from);
      }
      default: {
        const what = UNSUPPORTED_NODES[node.name];
        if (what) {
          const token = node.getChild('Offset') ?? node.getChild('At') ?? node.getChild('Anchored') ?? node.getChild('Smoothed');
          // Point at the modifier keyword, or the opening bracket of a range or subquery.
          const at = token ? token.from : this.text.indexOf('[', node.firstChild?.to ?? node.from);
          return this.fail(`${what} is not supported yet`, at >= 0 ? at : node.from);
        }
        return this.fail(`${JSON.stringify(node.name)} is not supported yet`, node.from);
      }
    }
  }

  /** Splits `- 1` into its sign and the position of the unsigned number. */
  private signedNumber(node: SyntaxNode): { sign: '+' | '-' | null; numberFrom: number; value: number } {
    const raw = this.src(node);
    let numStart = raw.length;
    while (numStart > 0 && !/\s/.test(raw[numStart - 1]!)) numStart--;
    const first = raw[0];
    const sign = first === '-' || first === '+' ? first : null;
    if (sign && numStart === 0) numStart = 1;
    const digits = raw.slice(numStart);
    let value: number;
    try {
      value = parseNumber(digits);
    } catch (err) {
      if (err instanceof LiteralError) this.fail(`error parsing number: ${err.message}`, node.from + numStart);
      throw err;
    }
    return { sign, numberFrom: node.from + numStart, value };
  }

  private numberLiteral(node: SyntaxNode): NumberLiteral {
    const { sign, value } = this.signedNumber(node);
    return { kind: 'NumberLiteral', value: sign === '-' ? -value : value, pos: this.pos(node) };
  }

  private string(node: SyntaxNode): string {
    try {
      return unquoteString(this.src(node));
    } catch (err) {
      if (err instanceof LiteralError) this.fail(err.message, node.from + err.offset);
      throw err;
    }
  }

  private vectorSelector(node: SyntaxNode): VectorSelector {
    const id = node.getChild('Identifier');
    const name = id ? this.src(id) : undefined;
    const inBraces: LabelMatcher[] = [];
    let quotedName: string | undefined;
    const list = node.getChild('LabelMatchers');
    for (const m of list ? this.kids(list) : []) {
      if (m.name === 'QuotedLabelName') {
        const lit = m.getChild('StringLiteral');
        const value = lit ? this.string(lit) : '';
        quotedName ??= value;
        inBraces.push({ name: METRIC_NAME, type: '=', value });
        continue;
      }
      const labelNode = m.name === 'QuotedLabelMatcher' ? m.getChild('QuotedLabelName')?.getChild('StringLiteral') : m.getChild('LabelName');
      const opNode = m.getChild('MatchOp');
      const valueNode = m.getChild('StringLiteral');
      if (!labelNode || !opNode || !valueNode) this.fail('malformed label matcher', m.from);
      const label = labelNode.name === 'StringLiteral' ? this.string(labelNode) : this.src(labelNode);
      const type = this.src(opNode) as MatchType;
      const value = this.string(valueNode);
      if (type === '=~' || type === '!~') {
        const problem = regexError(value);
        if (problem !== null) this.fail(`invalid regular expression ${JSON.stringify(value)}: ${problem}`, valueNode.from);
      }
      inBraces.push({ name: label, type, value });
    }

    if (name !== undefined) {
      const clash = inBraces.find((m) => m.name === METRIC_NAME);
      if (clash) this.fail(`metric name must not be set twice: ${JSON.stringify(name)} or ${JSON.stringify(clash.value)}`, node.from);
      return {
        kind: 'VectorSelector',
        name,
        matchers: [...inBraces, { name: METRIC_NAME, type: '=', value: name }],
        pos: this.pos(node),
      };
    }
    // Without it `{}` or `{a=~".*"}` would select every series: Prometheus refuses such selectors.
    if (!inBraces.some((m) => !compileMatcher(m)(''))) {
      this.fail('vector selector must contain at least one non-empty matcher', node.from);
    }
    const sel: VectorSelector = { kind: 'VectorSelector', matchers: inBraces, pos: this.pos(node) };
    if (quotedName !== undefined) sel.name = quotedName;
    return sel;
  }

  private unary(node: SyntaxNode, depth: number): Typed {
    const opNode = node.getChild('UnaryOp');
    const [operand] = this.exprKids(node);
    if (!opNode || !operand) this.fail('malformed unary expression', node.from);
    const op = this.src(opNode) === '-' ? '-' : '+';
    const inner = this.convert(operand, depth + 1);
    if (inner.type !== 'scalar' && inner.type !== 'vector') {
      this.fail(`unary expression only allowed on expressions of type scalar or instant vector, got ${inner.type}`, node.from);
    }
    // Prometheus folds a sign into a number literal: -1 is a literal, not an operation.
    if (inner.expr.kind === 'NumberLiteral') {
      const value = op === '-' ? -inner.expr.value : inner.expr.value;
      return { expr: { kind: 'NumberLiteral', value, pos: this.pos(node) }, type: 'scalar' };
    }
    return { expr: { kind: 'UnaryExpr', op, expr: inner.expr, pos: this.pos(node) }, type: inner.type };
  }

  private binary(node: SyntaxNode, depth: number): Typed {
    const kids = this.kids(node);
    const exprs = kids.filter((k) => k.type.is('Expr'));
    const lhsNode = exprs[0];
    const rhsNode = exprs[exprs.length - 1];
    const opNode = kids.find((k) => k.name in BINARY_OPS || k.name === 'TrimUpper' || k.name === 'TrimLower');
    if (!lhsNode || !rhsNode || exprs.length !== 2 || !opNode) this.fail('malformed binary expression', node.from);
    const opText = this.src(opNode);
    const op = BINARY_OPS[opNode.name];
    if (op === undefined) return this.fail(`operator ${JSON.stringify(opText)} is not supported yet`, opNode.from);
    if (op === 'and' || op === 'or' || op === 'unless') {
      this.fail(`set operator ${JSON.stringify(op)} is not supported yet`, opNode.from);
    }
    const returnBool = node.getChild('BoolModifier') !== null;
    const clause = node.getChild('MatchingModifierClause');
    const fill = node.getChild('FillModifier');
    if (fill) this.fail('fill modifiers are not supported yet', fill.from);
    let on = false;
    const labels: string[] = [];
    if (clause) {
      const group = clause.getChild('GroupLeft') ?? clause.getChild('GroupRight');
      if (group) this.fail(`${this.src(group).toLowerCase()} modifier is not supported yet`, group.from);
      on = clause.getChild('On') !== null;
      const list = clause.getChild('GroupingLabels');
      for (const l of list ? this.kids(list) : []) {
        if (l.name === 'LabelName') labels.push(this.src(l));
        else if (l.name === 'QuotedLabelName') {
          const lit = l.getChild('StringLiteral');
          labels.push(lit ? this.string(lit) : '');
        }
      }
    }

    // The grammar folds a sign into a number literal even before `^`, but Prometheus binds the
    // sign looser than `^`: -2 ^ 2 is -(2 ^ 2).
    let lhs: Typed;
    let wrapSign: '+' | '-' | null = null;
    let innerFrom = node.from;
    const childDepth = depth + 1;
    if (op === '^' && lhsNode.name === 'NumberDurationLiteral') {
      const { sign, numberFrom, value } = this.signedNumber(lhsNode);
      if (sign) {
        wrapSign = sign;
        innerFrom = numberFrom;
        lhs = { expr: { kind: 'NumberLiteral', value, pos: { start: numberFrom, end: lhsNode.to } }, type: 'scalar' };
      } else {
        lhs = this.convert(lhsNode, childDepth);
      }
    } else {
      lhs = this.convert(lhsNode, childDepth);
    }
    const rhs = this.convert(rhsNode, wrapSign ? childDepth + 1 : childDepth);

    if (returnBool && !isComparisonOp(op)) {
      this.fail('bool modifier can only be used on comparison operators', opNode.from);
    }
    for (const [side, t] of [
      [lhsNode, lhs],
      [rhsNode, rhs],
    ] as const) {
      if (t.type !== 'scalar' && t.type !== 'vector') {
        this.fail('binary expression must contain only scalar and instant vector types', side.from);
      }
    }
    if (isComparisonOp(op) && !returnBool && lhs.type === 'scalar' && rhs.type === 'scalar') {
      this.fail('comparisons between scalars must use BOOL modifier', opNode.from);
    }
    let matching: VectorMatching | null = null;
    if (lhs.type === 'vector' && rhs.type === 'vector') {
      matching = { card: 'one-to-one', on, labels, include: [] };
    } else if (labels.length > 0) {
      this.fail('vector matching only allowed between instant vectors', clause?.from ?? node.from);
    }

    const type: ValueType = lhs.type === 'vector' || rhs.type === 'vector' ? 'vector' : 'scalar';
    const bin: BinaryExpr = {
      kind: 'BinaryExpr',
      op,
      lhs: lhs.expr,
      rhs: rhs.expr,
      returnBool,
      matching,
      pos: { start: innerFrom, end: node.to },
    };
    if (!wrapSign) return { expr: bin, type };
    return { expr: { kind: 'UnaryExpr', op: wrapSign, expr: bin, pos: this.pos(node) }, type };
  }
}
