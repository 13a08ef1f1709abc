import type * as LezerPromQL from '@prometheus-io/lezer-promql';
import { lazy } from '../lazy';
import { METRIC_NAME } from '../model/labels';
import {
  children,
  isComparisonOp,
  isSetOp,
  type AggregateOp,
  type AtModifier,
  type BinaryExpr,
  type BinaryOp,
  type Expr,
  type LabelMatcher,
  type MatchingCardinality,
  type MatchType,
  type NumberLiteral,
  type Pos,
  type ValueType,
  type VectorMatching,
  type VectorSelector,
} from './ast';
import { PromQLError } from './errors';
import { FUNCTION_SIGNATURES } from './signatures';
import { rewriteExtensionCall } from './extensions/rewrite';
import { extensionNameAt, extensionsForGrammar } from './extensions/grammar';
import { findChain, PRECEDENCE, type Chain, type ChainOperator } from './chain';
import { LiteralError, parseDurationMs, parseNumber, unquoteString } from './literals';
import { MAX_DEPTH, MAX_QUERY_BYTES } from './limits';
import { compileMatcher, regexError } from './matchers';

type Tree = ReturnType<typeof LezerPromQL.parser.parse>;
type SyntaxNode = Tree['topNode'];

/**
 * The grammar, required on the first parse: its module deserialises the parse tables as it
 * loads (about 9 ms), which a function would otherwise pay at every cold start.
 */
const lezerParser = lazy(() => (require('@prometheus-io/lezer-promql') as typeof LezerPromQL).parser);

/**
 * Strict mode stops at the first syntax error. Lezer's error recovery would build a tree for
 * the rest of the input, which costs seconds on 64 KiB of adversarial text.
 */
const strictParser = lazy(() => lezerParser().configure({ strict: true }));

/**
 * The concrete tree may be deeper than the expression tree (matchers, modifier clauses, call
 * bodies), but never by more than this for a query within MAX_DEPTH; the converter's recursion
 * is bounded by it.
 */
const MAX_SYNTAX_DEPTH = 2 * MAX_DEPTH + 16;

/** Lezer's parser gives up on operator chains of a few hundred terms (300 to 650, by operator). */
const MAX_CHAIN_HINT = 250;

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
  const chain = findChain(text);
  if (chain) return parseChain(text, chain);
  return parseWhole(text).expr;
}

function parseWhole(text: string): Typed {
  let tree: Tree;
  try {
    tree = strictParser().parse(forGrammar(text));
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

/** Parses `text.slice(from, to)` on its own, with positions (and errors) relative to `text`. */
function parseFragment(text: string, from: number, to: number): Typed {
  const fragment = text.slice(from, to);
  let typed: Typed;
  try {
    if (!hasTokens(fragment)) throw new PromQLError('unexpected end of input', fragment, fragment.length);
    typed = parseWhole(fragment);
  } catch (err) {
    if (err instanceof PromQLError) throw new PromQLError(err.reason, text, from + err.position);
    throw err;
  }
  const stack: Expr[] = [typed.expr];
  while (stack.length > 0) {
    const e = stack.pop()!;
    e.pos = { start: e.pos.start + from, end: e.pos.end + from };
    stack.push(...children(e));
  }
  return typed;
}

/**
 * A long flat chain: each operand parsed on its own, then joined by operator precedence with
 * an explicit stack (all split operators are left-associative), so the chain's length costs
 * neither the grammar's stack nor recursion.
 */
function parseChain(text: string, chain: Chain): Expr {
  const values: Typed[] = [];
  const ops: ChainOperator[] = [];
  // A chain repeats few distinct operators: each is parsed once.
  const operatorTrees = new Map<string, SyntaxNode | null>();
  const reduce = () => {
    const op = ops.pop()!;
    const rhs = values.pop()!;
    const lhs = values.pop()!;
    values.push(joinBinary(text, op, lhs, rhs, operatorTrees));
  };
  chain.operands.forEach((operand, k) => {
    values.push(parseFragment(text, operand.from, operand.to));
    const op = chain.operators[k];
    if (!op) return;
    const prec = PRECEDENCE[op.op] ?? 0;
    while (ops.length > 0 && (PRECEDENCE[ops[ops.length - 1]!.op] ?? 0) >= prec) reduce();
    ops.push(op);
  });
  while (ops.length > 0) reduce();
  return values[0]!.expr;
}

/**
 * One operator of a split chain, with its modifiers: the grammar parses `0 <op text> 0` and the
 * converter applies the usual checks to the real operands; positions map back to the query.
 */
function joinBinary(text: string, op: ChainOperator, lhs: Typed, rhs: Typed, cache: Map<string, SyntaxNode | null>): Typed {
  const opText = text.slice(op.from, op.to);
  const synthetic = `0 ${opText} 0`;
  let node = cache.get(opText);
  if (node === undefined) {
    node = strictParser().parse(synthetic).topNode.getChild('BinaryExpr');
    cache.set(opText, node);
  }
  if (!node) throw new PromQLError(`unexpected ${JSON.stringify(opText)}`, text, op.from);
  try {
    const typed = new Converter(synthetic).binaryStep(node, lhs, 1, rhs);
    typed.expr.pos = { start: lhs.expr.pos.start, end: rhs.expr.pos.end };
    return typed;
  } catch (err) {
    if (!(err instanceof PromQLError)) throw err;
    const p = err.position;
    const at = p < 2 ? lhs.expr.pos.start : p >= 2 + opText.length ? rhs.expr.pos.start : op.from + p - 2;
    throw new PromQLError(err.reason, text, at);
  }
}

/**
 * The grammar is Prometheus 3's, which no longer knows holt_winters. The text the grammar sees
 * calls day_of_month instead, a name of the same length, so every position stays right; the
 * converter reads names from the original text and so sees holt_winters.
 */
function forGrammar(text: string): string {
  const renamed = text.includes('holt_winters') ? text.replace(/(?<![A-Za-z0-9_:])holt_winters(?=\s*\()/g, 'day_of_month') : text;
  return extensionsForGrammar(renamed);
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
  /** Most operators chained along one left spine (a + b + c ... has one per term). */
  longestChain: number;
}

/**
 * Walks Lezer's tree with a cursor (no recursion) for error nodes and runaway depth. Expression
 * nodes are counted against MAX_DEPTH (+1: a matcher's string literal is an expression node
 * type too); all nodes against MAX_SYNTAX_DEPTH, which bounds the converter's recursion.
 *
 * A binary expression that is the left operand of another one does not count: `a + b + c`
 * nests to the left, and the converter and evaluator walk such chains in a loop, so a long
 * flat chain (as Prometheus accepts) is not mistaken for deep nesting.
 */
function scanSyntax(tree: Tree): SyntaxScan {
  const cursor = tree.cursor();
  // Per open level: its weight in each depth count, and whether it is a binary expression.
  const levels: { expr: number; syntax: number; binary: boolean; chain: number }[] = [];
  let exprDepth = 0;
  let syntaxDepth = 0;
  let firstError = -1;
  let longestChain = 0;
  let viaFirstChild = false;
  for (;;) {
    if (cursor.type.isError && (firstError < 0 || cursor.from < firstError)) firstError = cursor.from;
    const binary = cursor.name === 'BinaryExpr';
    const parent = levels[levels.length - 1];
    const spine = binary && viaFirstChild && parent !== undefined && parent.binary;
    const chain = binary ? (spine ? parent!.chain + 1 : 1) : 0;
    if (chain > longestChain) longestChain = chain;
    const level = { expr: !spine && cursor.type.is('Expr') ? 1 : 0, syntax: spine ? 0 : 1, binary, chain };
    exprDepth += level.expr;
    syntaxDepth += level.syntax;
    levels.push(level);
    if (exprDepth > MAX_DEPTH + 1 || syntaxDepth > MAX_SYNTAX_DEPTH) return { firstError, tooDeepAt: cursor.from, longestChain };
    if (cursor.firstChild()) {
      viaFirstChild = true;
      continue;
    }
    for (;;) {
      const done = levels.pop()!;
      exprDepth -= done.expr;
      syntaxDepth -= done.syntax;
      if (cursor.nextSibling()) {
        viaFirstChild = false;
        break;
      }
      if (!cursor.parent()) return { firstError, tooDeepAt: -1, longestChain };
    }
  }
}

function tooDeep(text: string, position: number): PromQLError {
  return new PromQLError(`expression nests deeper than ${MAX_DEPTH} levels`, text, position);
}

function checkSyntax(tree: Tree, text: string): void {
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
    const { tooDeepAt, longestChain } = scanSyntax(lezerParser().parse(forGrammar(text).slice(0, position)));
    if (tooDeepAt >= 0) return tooDeep(text, tooDeepAt);
    if (longestChain >= MAX_CHAIN_HINT) {
      return new PromQLError('too many chained binary operators (the parser handles at least 300)', text, position);
    }
  } catch (err) {
    if (!(err instanceof RangeError)) throw err;
    return tooDeep(text, 0);
  }
  return unexpected(text, position);
}

function unexpected(text: string, position: number): PromQLError {
  const at = skipSpace(text, position);
  if (at >= text.length) return new PromQLError('unexpected end of input', text, at);
  // `foo(` where foo is no function: Lezer only knows the function names, so say what Prometheus says.
  if (text[at] === '(') {
    const before = /([A-Za-z_][A-Za-z0-9_:]*)\s*$/.exec(text.slice(Math.max(0, at - 200), at));
    if (before && !KEYWORDS.has(before[1]!.toLowerCase())) {
      const name = before[1]!;
      return new PromQLError(`unknown function with name ${JSON.stringify(name)}`, text, at - (text.slice(0, at).length - text.slice(0, at).trimEnd().length) - name.length);
    }
  }
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

const KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'and', 'or', 'unless', 'offset', 'atan2']);

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

  convertTop(top: SyntaxNode): Typed {
    const [root] = this.exprKids(top);
    if (!root) this.fail('no expression found in input', 0);
    return this.convert(root, 1);
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
      case 'FunctionCall':
        return this.call(node, depth);
      case 'AggregateExpr':
        return this.aggregate(node, depth);
      case 'MatrixSelector':
        return this.matrixSelector(node, depth);
      case 'SubqueryExpr':
        return this.subquery(node, depth);
      case 'OffsetExpr':
        return this.offset(node, depth);
      case 'StepInvariantExpr':
        return this.atModifier(node, depth);
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

  /**
   * Binary expressions nest to the left (`a + b + c` is `(a + b) + c`): the chain of left
   * operands is walked in a loop, so its length costs no recursion.
   */
  private binary(node: SyntaxNode, depth: number): Typed {
    const spine: SyntaxNode[] = [];
    let bottom: SyntaxNode = node;
    for (;;) {
      spine.push(bottom);
      const lhs = this.exprKids(bottom)[0];
      if (!lhs || lhs.name !== 'BinaryExpr') break;
      bottom = lhs;
    }
    let acc: Typed | null = null;
    for (let i = spine.length - 1; i >= 0; i--) acc = this.binaryStep(spine[i]!, acc, depth);
    return acc!;
  }

  private groupingLabels(list: SyntaxNode | null): string[] {
    const labels: string[] = [];
    for (const l of list ? this.kids(list) : []) {
      if (l.name === 'LabelName') labels.push(this.src(l));
      else if (l.name === 'QuotedLabelName') {
        const lit = l.getChild('StringLiteral');
        labels.push(lit ? this.string(lit) : '');
      }
    }
    return labels;
  }

  binaryStep(node: SyntaxNode, convertedLhs: Typed | null, depth: number, convertedRhs?: Typed): Typed {
    const kids = this.kids(node);
    const exprs = kids.filter((k) => k.type.is('Expr'));
    const lhsNode = exprs[0];
    const rhsNode = exprs[exprs.length - 1];
    const opNode = kids.find((k) => k.name in BINARY_OPS || k.name === 'TrimUpper' || k.name === 'TrimLower');
    if (!lhsNode || !rhsNode || exprs.length !== 2 || !opNode) this.fail('malformed binary expression', node.from);
    const opText = this.src(opNode);
    const op = BINARY_OPS[opNode.name];
    if (op === undefined) return this.fail(`operator ${JSON.stringify(opText)} is not supported`, opNode.from);
    const returnBool = node.getChild('BoolModifier') !== null;
    const clause = node.getChild('MatchingModifierClause');
    const fill = node.getChild('FillModifier');
    if (fill) this.fail('fill modifiers are not supported', fill.from);
    let on = false;
    let labels: string[] = [];
    let include: string[] = [];
    let card: MatchingCardinality = 'one-to-one';
    if (clause) {
      on = clause.getChild('On') !== null;
      const lists = clause.getChildren('GroupingLabels');
      labels = this.groupingLabels(lists[0] ?? null);
      const group = clause.getChild('GroupLeft') ?? clause.getChild('GroupRight');
      if (group) {
        card = group.name === 'GroupLeft' ? 'many-to-one' : 'one-to-many';
        // The include list follows group_left/group_right; it is optional.
        const after = lists.find((l) => l.from > group.from);
        include = this.groupingLabels(after ?? null);
      }
    }

    // The grammar folds a sign into a number literal even before `^`, but Prometheus binds the
    // sign looser than `^`: -2 ^ 2 is -(2 ^ 2).
    let lhs: Typed;
    let wrapSign: '+' | '-' | null = null;
    let innerFrom = node.from;
    const childDepth = depth + 1;
    if (convertedLhs) {
      lhs = convertedLhs;
    } else if (op === '^' && lhsNode.name === 'NumberDurationLiteral') {
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
    const rhs = convertedRhs ?? this.convert(rhsNode, wrapSign ? childDepth + 1 : childDepth);

    if (returnBool && !isComparisonOp(op)) {
      this.fail('bool modifier can only be used on comparison operators', opNode.from);
    }
    if (isComparisonOp(op) && !returnBool && lhs.type === 'scalar' && rhs.type === 'scalar') {
      this.fail('comparisons between scalars must use BOOL modifier', opNode.from);
    }
    if (isSetOp(op) && card === 'one-to-one') card = 'many-to-many';
    if (on) {
      const both = labels.find((l) => include.includes(l));
      if (both !== undefined) this.fail(`label ${JSON.stringify(both)} must not occur in ON and GROUP clause at once`, opNode.from);
    }
    for (const [side, t] of [
      [lhsNode, lhs],
      [rhsNode, rhs],
    ] as const) {
      if (t.type !== 'scalar' && t.type !== 'vector') {
        this.fail('binary expression must contain only scalar and instant vector types', side.from);
      }
    }
    let matching: VectorMatching | null = null;
    if (lhs.type === 'vector' && rhs.type === 'vector') {
      if (isSetOp(op) && card !== 'many-to-many') {
        this.fail(`no grouping allowed for ${JSON.stringify(op)} operation`, opNode.from);
      }
      matching = { card, on, labels, include };
    } else if (labels.length > 0) {
      this.fail('vector matching only allowed between instant vectors', clause?.from ?? node.from);
    }
    if ((lhs.type === 'scalar' || rhs.type === 'scalar') && isSetOp(op)) {
      this.fail(`set operator ${JSON.stringify(op)} not allowed in binary scalar expression`, opNode.from);
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

  /** A duration in a range or subquery bracket: a plain duration literal such as `5m`. */
  private duration(node: SyntaxNode): number {
    const kids = this.kids(node);
    const lit = kids[0];
    if (kids.length !== 1 || !lit || lit.name !== 'NumberDurationLiteralInDurationContext') {
      return this.fail('only duration literals such as 5m are supported here', node.from);
    }
    const text = this.src(lit);
    if (/^[0-9]+$/.test(text)) this.fail('missing unit character in duration', lit.from);
    let ms: number | null;
    try {
      ms = parseDurationMs(text);
    } catch (err) {
      if (err instanceof LiteralError) return this.fail(err.message, lit.from);
      throw err;
    }
    if (ms === null) return this.fail(`bad duration syntax: ${JSON.stringify(text)}`, lit.from);
    return ms;
  }

  private matrixSelector(node: SyntaxNode, depth: number): Typed {
    const [innerNode] = this.exprKids(node);
    const rangeNode = node.getChild('DurationExpr');
    if (!innerNode || !rangeNode) return this.fail('malformed range selector', node.from);
    const inner = this.convert(innerNode, depth + 1);
    // A range binds tighter than a sign: -x[5m] is -(x[5m]), a sign on a range vector.
    if (inner.expr.kind === 'UnaryExpr') this.fail(UNARY_ON_RANGE, node.from);
    if (inner.expr.kind !== 'VectorSelector') this.fail('ranges only allowed for vector selectors', node.from);
    if (inner.expr.offsetMs !== undefined) this.fail('no offset modifiers allowed before range', rangeNode.from);
    if (inner.expr.at !== undefined) this.fail('no @ modifiers allowed before range', rangeNode.from);
    const rangeMs = this.duration(rangeNode);
    return { expr: { kind: 'MatrixSelector', selector: inner.expr, rangeMs, pos: this.pos(node) }, type: 'matrix' };
  }

  private subquery(node: SyntaxNode, depth: number): Typed {
    const [innerNode] = this.exprKids(node);
    const durations = node.getChildren('DurationExpr');
    const rangeNode = durations[0];
    if (!innerNode || !rangeNode) return this.fail('malformed subquery', node.from);
    const inner = this.convert(innerNode, depth + 1);
    if (inner.expr.kind === 'UnaryExpr') this.fail(UNARY_ON_RANGE, node.from);
    if (inner.type !== 'vector') this.fail(`subquery is only allowed on instant vector, got ${inner.type} instead`, node.from);
    const rangeMs = this.duration(rangeNode);
    const stepMs = durations[1] ? this.duration(durations[1]) : 0;
    return { expr: { kind: 'SubqueryExpr', expr: inner.expr, rangeMs, stepMs, pos: this.pos(node) }, type: 'matrix' };
  }

  /** The selector or subquery that `offset` or `@` applies to. */
  private modifierTarget(t: Typed, what: string, at: number): VectorSelector | Extract<Expr, { kind: 'SubqueryExpr' }> {
    // Modifiers bind tighter than a sign: -x offset 5m is -(x offset 5m).
    let e = t.expr;
    while (e.kind === 'UnaryExpr') e = e.expr;
    if (e.kind === 'VectorSelector' || e.kind === 'SubqueryExpr') return e;
    if (e.kind === 'MatrixSelector') return e.selector;
    return this.fail(`${what} modifier must be preceded by an instant vector selector or range vector selector or a subquery`, at);
  }

  private offset(node: SyntaxNode, depth: number): Typed {
    const [innerNode] = this.exprKids(node);
    const keyword = node.getChild('Offset');
    const durationNode = node.getChild('OffsetDurationExpr');
    if (!innerNode || !keyword || !durationNode) return this.fail('malformed offset modifier', node.from);
    const inner = this.convert(innerNode, depth + 1);
    const target = this.modifierTarget(inner, 'offset', keyword.from);
    if (target.offsetMs) this.fail('offset may not be set multiple times', keyword.from);
    // Prometheus 2.42 accepts `offset 5m` and `offset -5m`, nothing more elaborate.
    let sign = 1;
    let lit: SyntaxNode = durationNode;
    const unary = durationNode.getChild('UnaryOp');
    if (unary) {
      if (this.src(unary) === '-') sign = -1;
      const nested = durationNode.getChild('OffsetDurationExpr');
      if (!nested) return this.fail('malformed offset modifier', durationNode.from);
      lit = nested;
    }
    const ms = this.duration(lit);
    target.offsetMs = sign * ms;
    return { expr: inner.expr, type: inner.type };
  }

  private atModifier(node: SyntaxNode, depth: number): Typed {
    const [innerNode] = this.exprKids(node);
    const keyword = node.getChild('At');
    if (!innerNode || !keyword) return this.fail('malformed @ modifier', node.from);
    const inner = this.convert(innerNode, depth + 1);
    const target = this.modifierTarget(inner, '@', keyword.from);
    if (target.at) this.fail('@ <timestamp> may not be set multiple times', keyword.from);
    let at: AtModifier;
    const pre = node.getChild('AtModifierPreprocessors');
    const num = node.getChild('NumberDurationLiteral');
    if (pre) {
      at = pre.getChild('AtStart') ? { kind: 'start' } : { kind: 'end' };
    } else if (num) {
      const { sign, value, numberFrom } = this.signedNumber(num);
      if (/[a-z]/i.test(this.text.slice(numberFrom, num.to).replace(/^(inf|nan)$/i, ''))) {
        this.fail('unexpected duration after @: a timestamp in seconds is expected', numberFrom);
      }
      const seconds = sign === '-' ? -value : value;
      if (!Number.isFinite(seconds) || Math.abs(seconds) >= 9.223372036854776e18) {
        this.fail(`timestamp out of bounds for @ modifier: ${Number.isNaN(seconds) ? 'NaN' : seconds > 0 ? '+Inf' : '-Inf'}`, num.from);
      }
      at = { kind: 'timestamp', timeMs: goRound(seconds * 1000) };
    } else {
      return this.fail('malformed @ modifier', node.from);
    }
    target.at = at;
    return { expr: inner.expr, type: inner.type };
  }

  private call(node: SyntaxNode, depth: number): Typed {
    const id = node.getChild('FunctionIdentifier');
    const name = id ? (extensionNameAt(this.text, id.from) ?? this.src(id)) : '?';
    const sig = Object.prototype.hasOwnProperty.call(FUNCTION_SIGNATURES, name) ? FUNCTION_SIGNATURES[name] : undefined;
    if (!sig) return this.fail(`unknown function with name ${JSON.stringify(name)}`, node.from);
    const body = node.getChild('FunctionCallBody');
    const argNodes = body ? this.exprKids(body) : [];
    const nargs = sig.argTypes.length;
    if (sig.variadic === 0) {
      if (argNodes.length !== nargs) {
        this.fail(`expected ${nargs} argument(s) in call to ${JSON.stringify(name)}, got ${argNodes.length}`, node.from);
      }
    } else {
      const min = nargs - 1;
      if (argNodes.length < min) {
        this.fail(`expected at least ${min} argument(s) in call to ${JSON.stringify(name)}, got ${argNodes.length}`, node.from);
      }
      if (sig.variadic > 0 && argNodes.length > min + sig.variadic) {
        this.fail(`expected at most ${min + sig.variadic} argument(s) in call to ${JSON.stringify(name)}, got ${argNodes.length}`, node.from);
      }
    }
    const args: Expr[] = [];
    argNodes.forEach((argNode, i) => {
      const t = this.convert(argNode, depth + 1);
      const want = sig.argTypes[Math.min(i, nargs - 1)]!;
      this.expectType(t.type, want, `call to function ${JSON.stringify(name)}`, argNode.from);
      args.push(t.expr);
    });
    const call: Expr = { kind: 'Call', name, args, pos: this.pos(node) };
    // Extension calls read predict's series for their source selector (extensions/rewrite.ts).
    const problem = rewriteExtensionCall(call);
    if (problem) this.fail(problem.reason, problem.at);
    return { expr: call, type: sig.returnType };
  }

  private expectType(got: ValueType, want: ValueType, context: string, at: number): void {
    if (got !== want) this.fail(`expected type ${documentedType(want)} in ${context}, got ${documentedType(got)}`, at);
  }

  private aggregate(node: SyntaxNode, depth: number): Typed {
    const opNode = node.getChild('AggregateOp');
    const opText = opNode ? this.src(opNode).toLowerCase() : '?';
    if (!AGGREGATE_OPS.has(opText)) return this.fail(`aggregation ${JSON.stringify(opText)} is not supported`, node.from);
    const op = opText as AggregateOp;
    const modifier = node.getChild('AggregateModifier');
    const without = modifier?.getChild('Without') !== null && modifier?.getChild('Without') !== undefined;
    const grouping = modifier ? this.groupingLabels(modifier.getChild('GroupingLabels')) : [];
    const body = node.getChild('FunctionCallBody');
    const argNodes = body ? this.exprKids(body) : [];
    if (argNodes.length === 0) this.fail('no arguments for aggregate expression provided', node.from);
    const wanted = PARAM_AGGREGATES.has(op) ? 2 : 1;
    if (argNodes.length !== wanted) {
      this.fail(`wrong number of arguments for aggregate expression provided, expected ${wanted}, got ${argNodes.length}`, node.from);
    }
    const exprNode = argNodes[argNodes.length - 1]!;
    let param: Expr | undefined;
    if (wanted === 2) {
      const paramNode = argNodes[0]!;
      const p = this.convert(paramNode, depth + 1);
      this.expectType(p.type, op === 'count_values' ? 'string' : 'scalar', 'aggregation parameter', paramNode.from);
      param = p.expr;
    }
    const inner = this.convert(exprNode, depth + 1);
    this.expectType(inner.type, 'vector', 'aggregation expression', exprNode.from);
    const agg: Expr = { kind: 'AggregateExpr', op, expr: inner.expr, grouping, without, pos: this.pos(node) };
    if (param) agg.param = param;
    return { expr: agg, type: 'vector' };
  }
}

const UNARY_ON_RANGE = 'unary expression only allowed on expressions of type scalar or instant vector, got "range vector"';

const AGGREGATE_OPS: ReadonlySet<string> = new Set([
  'sum', 'avg', 'min', 'max', 'count', 'count_values', 'group', 'stddev', 'stdvar', 'topk', 'bottomk', 'quantile',
]);
const PARAM_AGGREGATES: ReadonlySet<AggregateOp> = new Set<AggregateOp>(['topk', 'bottomk', 'quantile', 'count_values']);

/** The type names Prometheus' messages use. */
function documentedType(t: ValueType): string {
  if (t === 'vector') return 'instant vector';
  if (t === 'matrix') return 'range vector';
  return t;
}

/** Go's math.Round: halves away from zero (JavaScript's Math.round sends -0.5 up to -0). */
function goRound(x: number): number {
  return x < 0 ? -Math.floor(-x + 0.5) : Math.floor(x + 0.5);
}
