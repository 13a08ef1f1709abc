/**
 * Finds the top-level binary operators of a long flat chain (`a + b + c ...`, `x or y or z ...`)
 * in one linear pass, so the parser can parse each operand on its own and join them by
 * precedence in a loop. The grammar's parser keeps a whole chain on its stack and gives up
 * after a few hundred terms; Prometheus has no such limit.
 *
 * The scan is conservative: anything it does not fully understand returns null, and the
 * query takes the ordinary path (which then reports the problem with its position).
 */

export interface ChainOperator {
  /** Operator text, lower-cased: `+`, `and`, `>=`, ... */
  op: string;
  /** Where the operator starts and its modifiers (`bool`, `on(...)`, `group_left(...)`) end. */
  from: number;
  to: number;
}

export interface Chain {
  operands: { from: number; to: number }[];
  operators: ChainOperator[];
}

/** Below this many operators the grammar copes well, and its error messages are kept. */
export const CHAIN_SPLIT_MIN = 64;

/** Binding strength of the operators that may be split at (`^` binds tighter than a sign and is left to the grammar). */
export const PRECEDENCE: Readonly<Record<string, number>> = {
  '*': 5,
  '/': 5,
  '%': 5,
  atan2: 5,
  '+': 4,
  '-': 4,
  '==': 3,
  '!=': 3,
  '<=': 3,
  '<': 3,
  '>=': 3,
  '>': 3,
  and: 2,
  unless: 2,
  or: 1,
};

const IDENT_START = /[A-Za-z_:]/;
const IDENT_PART = /[A-Za-z0-9_:]/;

export function findChain(text: string): Chain | null {
  const operands: { from: number; to: number }[] = [];
  const operators: ChainOperator[] = [];
  let depth = 0;
  let expectOperand = true;
  let operandFrom = -1;
  let lastTokenEnd = 0;
  // After `offset` or `@`, a sign belongs to the modifier's value.
  let signAllowed = false;
  let i = 0;

  const skipSpace = (from: number): number => {
    let k = from;
    while (k < text.length) {
      const c = text[k]!;
      if (c === '#') {
        const nl = text.indexOf('\n', k);
        k = nl < 0 ? text.length : nl + 1;
      } else if (c === ' ' || c === '\t' || c === '\n' || c === '\r') k++;
      else break;
    }
    return k;
  };
  const skipQuoted = (from: number): number => {
    const q = text[from];
    for (let k = from + 1; k < text.length; k++) {
      const c = text[k];
      if (c === '\\' && q !== '`') k++;
      else if (c === q) return k + 1;
    }
    return -1;
  };
  const ident = (from: number): number => {
    let k = from + 1;
    while (k < text.length && IDENT_PART.test(text[k]!)) k++;
    return k;
  };
  /** The index after a balanced `( ... )` starting at `from`, or -1. */
  const skipParens = (from: number): number => {
    if (text[from] !== '(') return -1;
    for (let k = from + 1; k < text.length; k++) {
      const c = text[k]!;
      if (c === ')') return k + 1;
      if (c === '(' || c === '[' || c === '{' || c === ']' || c === '}') return -1;
      if (c === '"' || c === "'" || c === '`') {
        const end = skipQuoted(k);
        if (end < 0) return -1;
        k = end - 1;
      }
    }
    return -1;
  };
  const startOperand = (at: number) => {
    if (operandFrom < 0) operandFrom = at;
  };
  const binary = (op: string, from: number, opEnd: number): boolean => {
    if (op === '^') {
      expectOperand = true;
      i = opEnd;
      return true;
    }
    operands.push({ from: operandFrom, to: lastTokenEnd });
    // Modifiers: bool, on(...)/ignoring(...), group_left/group_right with an optional list.
    let k = skipSpace(opEnd);
    let end = opEnd;
    const word = () => (IDENT_START.test(text[k] ?? '') ? text.slice(k, ident(k)).toLowerCase() : '');
    if (word() === 'bool') {
      end = ident(k);
      k = skipSpace(end);
    }
    if (word() === 'on' || word() === 'ignoring') {
      const p = skipParens(skipSpace(ident(k)));
      if (p < 0) return false;
      end = p;
      k = skipSpace(end);
      if (word() === 'group_left' || word() === 'group_right') {
        end = ident(k);
        const q = skipSpace(end);
        if (text[q] === '(') {
          const p2 = skipParens(q);
          if (p2 < 0) return false;
          end = p2;
        }
      }
    }
    operators.push({ op, from, to: end });
    operandFrom = -1;
    expectOperand = true;
    i = end;
    return true;
  };

  while (i < text.length) {
    const c = text[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '#') {
      i = skipSpace(i);
      continue;
    }
    if (c === '"' || c === "'" || c === '`') {
      const end = skipQuoted(i);
      if (end < 0) return null;
      if (depth === 0) {
        startOperand(i);
        expectOperand = false;
      }
      i = lastTokenEnd = end;
      continue;
    }
    if (c === '(' || c === '[' || c === '{') {
      if (depth === 0) {
        startOperand(i);
        expectOperand = false;
      }
      depth++;
      i++;
      continue;
    }
    if (c === ')' || c === ']' || c === '}') {
      depth--;
      if (depth < 0) return null;
      i++;
      if (depth === 0) lastTokenEnd = i;
      continue;
    }
    if (depth > 0) {
      i++;
      continue;
    }
    if (IDENT_START.test(c)) {
      const end = ident(i);
      const word = text.slice(i, end).toLowerCase();
      if (!expectOperand && (word === 'and' || word === 'or' || word === 'unless' || word === 'atan2')) {
        if (!binary(word, i, end)) return null;
        continue;
      }
      if (word === 'bool' || word === 'on' || word === 'ignoring' || word === 'group_left' || word === 'group_right') return null;
      startOperand(i);
      expectOperand = false;
      signAllowed = word === 'offset';
      i = lastTokenEnd = end;
      continue;
    }
    if (/[0-9.]/.test(c)) {
      let end = i + 1;
      while (end < text.length && /[0-9A-Za-z_.]/.test(text[end]!)) end++;
      const tok = text.slice(i, end);
      if (!/^0x/i.test(tok) && /e$/i.test(tok) && /[+-]/.test(text[end] ?? '') && /[0-9]/.test(text[end + 1] ?? '')) {
        end += 2;
        while (end < text.length && /[0-9]/.test(text[end]!)) end++;
      }
      startOperand(i);
      expectOperand = false;
      signAllowed = false;
      i = lastTokenEnd = end;
      continue;
    }
    if (c === '@') {
      startOperand(i);
      signAllowed = true;
      expectOperand = false;
      i = lastTokenEnd = i + 1;
      continue;
    }
    const two = text.slice(i, i + 2);
    if ((c === '+' || c === '-') && (expectOperand || signAllowed)) {
      startOperand(i);
      signAllowed = false;
      i++;
      continue;
    }
    if (expectOperand) return null;
    if (two === '==' || two === '!=' || two === '>=' || two === '<=') {
      if (!binary(two, i, i + 2)) return null;
      continue;
    }
    if ('+-*/%^<>'.includes(c)) {
      if (!binary(c, i, i + 1)) return null;
      continue;
    }
    return null;
  }
  if (depth !== 0 || expectOperand || operandFrom < 0) return null;
  operands.push({ from: operandFrom, to: lastTokenEnd });
  if (operators.length < CHAIN_SPLIT_MIN) return null;
  return { operands, operators };
}
