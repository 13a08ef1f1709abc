import { exprType, type Expr } from './ast';
import { PromQLError } from './errors';
import { MAX_DEPTH } from './limits';
import { parsePromQL } from './parser';

/** A compact rendering of the tree: `(+ 1 (* 2 3))`, selectors as `name{matchers}`. */
function show(e: Expr): string {
  switch (e.kind) {
    case 'NumberLiteral':
      return String(e.value);
    case 'StringLiteral':
      return JSON.stringify(e.value);
    case 'VectorSelector':
      return `${e.name ?? ''}{${e.matchers.map((m) => `${m.name}${m.type}${JSON.stringify(m.value)}`).join(',')}}`;
    case 'ParenExpr':
      return `(paren ${show(e.expr)})`;
    case 'UnaryExpr':
      return `(${e.op}u ${show(e.expr)})`;
    case 'BinaryExpr':
      return `(${e.op}${e.returnBool ? ' bool' : ''} ${show(e.lhs)} ${show(e.rhs)})`;
  }
}

function parseError(q: string): PromQLError {
  try {
    parsePromQL(q);
  } catch (err) {
    if (err instanceof PromQLError) return err;
    throw err;
  }
  throw new Error(`expected ${JSON.stringify(q)} to be rejected`);
}

function num(q: string): number {
  const e = parsePromQL(q);
  if (e.kind !== 'NumberLiteral') throw new Error(`expected a number literal, got ${e.kind}`);
  return e.value;
}

describe('number and string literals', () => {
  it.each([
    ['1', 1],
    ['0x1F', 31],
    ['0xfF', 255],
    ['1e3', 1000],
    ['.5', 0.5],
    ['1_000', 1000],
    ['017', 15],
    ['08', 8],
    ['+5', 5],
    ['-5', -5],
    ['- - 1', 1],
    ['Inf', Infinity],
    ['-inf', -Infinity],
    ['+Inf', Infinity],
    ['5m', 300],
    ['1h30m', 5400],
    ['250ms', 0.25],
  ])('%s is %d', (q, v) => {
    expect(num(q)).toBe(v);
  });

  it('reads NaN in any case', () => {
    expect(num('NaN')).toBeNaN();
    expect(num('nan')).toBeNaN();
  });

  it('keeps the sign in the literal position', () => {
    expect(parsePromQL('-1').pos).toEqual({ start: 0, end: 2 });
  });

  it('refuses numbers out of float64 range, with the position', () => {
    const err = parseError('1 + 1e400');
    expect(err.reason).toMatch(/out of range/);
    expect(err.position).toBe(4);
  });

  it.each([
    ['"a\\nb"', 'a\nb'],
    ["'it\\'s'", "it's"],
    ['`raw\\n`', 'raw\\n'],
    ['"\\x41\\u00e9\\U0001F600"', 'Aé😀'],
    ['"\\303\\251"', 'é'],
    ['"tab\\there"', 'tab\there'],
  ])('string %s', (q, v) => {
    const e = parsePromQL(q);
    expect(e).toMatchObject({ kind: 'StringLiteral', value: v });
    expect(exprType(e)).toBe('string');
  });

  it('refuses unknown escapes at the escape', () => {
    const err = parseError('"ab\\qc"');
    expect(err.reason).toMatch(/unknown escape sequence/);
    expect(err.position).toBe(3);
  });

  it('refuses an escaped quote of the other kind, as Go does', () => {
    expect(parseError('"\\\'"').reason).toMatch(/unknown escape/);
  });

  it('refuses unterminated strings', () => {
    expect(parseError('foo{a="b}').reason).toMatch(/unterminated/);
    expect(parseError('"abc').position).toBe(0);
  });
});

describe('operators', () => {
  it.each([
    ['1 + 2 * 3', '(+ 1 (* 2 3))'],
    ['1 * 2 + 3', '(+ (* 1 2) 3)'],
    ['1 - 2 - 3', '(- (- 1 2) 3)'],
    ['2 ^ 3 ^ 2', '(^ 2 (^ 3 2))'],
    ['2 * 3 % 4 / 5', '(/ (% (* 2 3) 4) 5)'],
    ['(1 + 2) * 3', '(* (paren (+ 1 2)) 3)'],
    ['-1 ^ 2', '(-u (^ 1 2))'],
    ['-1 ^ -2', '(-u (^ 1 -2))'],
    ['2 * -3 ^ 2', '(* 2 (-u (^ 3 2)))'],
    ['-1 * 2', '(* -1 2)'],
    ['-a ^ 2', '(-u (^ a{__name__="a"} 2))'],
    ['+a', '(+u a{__name__="a"})'],
    ['a + b > 1', '(> (+ a{__name__="a"} b{__name__="b"}) 1)'],
    ['a > bool 1', '(> bool a{__name__="a"} 1)'],
    ['1 == bool 1', '(== bool 1 1)'],
    ['a != b == c', '(== (!= a{__name__="a"} b{__name__="b"}) c{__name__="c"})'],
    ['a >= b <= c < d', '(< (<= (>= a{__name__="a"} b{__name__="b"}) c{__name__="c"}) d{__name__="d"})'],
    ['x atan2 y', '(atan2 x{__name__="x"} y{__name__="y"})'],
    ['a\n  # comment\n  + 1', '(+ a{__name__="a"} 1)'],
  ])('%s', (q, tree) => {
    expect(show(parsePromQL(q))).toBe(tree);
  });

  it('records positions of operators and operands', () => {
    const e = parsePromQL('foo + bar');
    expect(e).toMatchObject({ kind: 'BinaryExpr', pos: { start: 0, end: 9 }, lhs: { pos: { start: 0, end: 3 } }, rhs: { pos: { start: 6, end: 9 } } });
  });

  it('gives vector/vector operations default one-to-one matching and scalar ones none', () => {
    expect(parsePromQL('a + b')).toMatchObject({ matching: { card: 'one-to-one', on: false, labels: [], include: [] } });
    expect(parsePromQL('a + 1')).toMatchObject({ matching: null });
  });

  it('reads on() and ignoring() label lists', () => {
    expect(parsePromQL('a * on(x, "y z") b')).toMatchObject({ matching: { on: true, labels: ['x', 'y z'] } });
    expect(parsePromQL('a / ignoring(instance) b')).toMatchObject({ matching: { on: false, labels: ['instance'] } });
    expect(parsePromQL('a > bool on() b')).toMatchObject({ returnBool: true, matching: { on: true, labels: [] } });
  });

  it('requires bool between scalars, at the operator', () => {
    const err = parseError('1 > 2');
    expect(err.reason).toBe('comparisons between scalars must use BOOL modifier');
    expect(err.position).toBe(2);
  });

  it('allows bool only on comparisons', () => {
    expect(parseError('a + bool b').reason).toBe('bool modifier can only be used on comparison operators');
  });

  it('refuses strings as operands', () => {
    expect(parseError('"a" + 1').reason).toMatch(/only scalar and instant vector/);
    expect(parseError('1 + ("a")').position).toBe(4);
    expect(parseError('-"a"').reason).toMatch(/unary expression only allowed/);
  });

  it('refuses label matching when an operand is a scalar', () => {
    expect(parseError('1 + on(x) a').reason).toBe('vector matching only allowed between instant vectors');
  });

  it('types expressions', () => {
    expect(exprType(parsePromQL('1 + 2'))).toBe('scalar');
    expect(exprType(parsePromQL('1 + (a)'))).toBe('vector');
    expect(exprType(parsePromQL('-a'))).toBe('vector');
  });
});

describe('vector selectors', () => {
  it('puts the metric name among the matchers', () => {
    const e = parsePromQL('up');
    expect(e).toEqual({ kind: 'VectorSelector', name: 'up', matchers: [{ name: '__name__', type: '=', value: 'up' }], pos: { start: 0, end: 2 } });
  });

  it('reads all four match operators and quoted label names', () => {
    const e = parsePromQL('http_requests:rate5m{a="1", b!="2", c=~"3|4", d!~"5.*", "e.f"="6",}');
    expect(e.kind === 'VectorSelector' && e.matchers).toEqual([
      { name: 'a', type: '=', value: '1' },
      { name: 'b', type: '!=', value: '2' },
      { name: 'c', type: '=~', value: '3|4' },
      { name: 'd', type: '!~', value: '5.*' },
      { name: 'e.f', type: '=', value: '6' },
      { name: '__name__', type: '=', value: 'http_requests:rate5m' },
    ]);
  });

  it('accepts the metric name inside the braces', () => {
    expect(parsePromQL('{__name__="up", job="api"}')).toMatchObject({
      matchers: [
        { name: '__name__', type: '=', value: 'up' },
        { name: 'job', type: '=', value: 'api' },
      ],
    });
    expect(parsePromQL('{"my.metric", job="api"}')).toMatchObject({
      name: 'my.metric',
      matchers: [
        { name: '__name__', type: '=', value: 'my.metric' },
        { name: 'job', type: '=', value: 'api' },
      ],
    });
  });

  it('refuses selectors that would match every series', () => {
    for (const q of ['{}', '{a=""}', '{a=~".*"}', '{a!="x"}', '{a!~"x"}']) {
      const err = parseError(q);
      expect(err.reason).toBe('vector selector must contain at least one non-empty matcher');
      expect(err.position).toBe(0);
    }
    expect(parsePromQL('{a=~".+"}').kind).toBe('VectorSelector');
    expect(parsePromQL('{a=~".*", b="x"}').kind).toBe('VectorSelector');
  });

  it('refuses a metric name given twice', () => {
    expect(parseError('foo{__name__="bar"}').reason).toBe('metric name must not be set twice: "foo" or "bar"');
    expect(parseError('foo{"bar"}').reason).toMatch(/must not be set twice/);
  });

  it('refuses invalid regexes at parse time, at the pattern', () => {
    const err = parseError('up{job=~"(api"}');
    expect(err.reason).toMatch(/^invalid regular expression "\(api": missing closing \)/);
    expect(err.position).toBe(8);
    expect(err.column).toBe(9);
  });

  it.each([
    ['backreference', 'a{b=~"(x)\\\\1"}', /backreferences are not supported/],
    ['lookahead', 'a{b=~"(?=x)"}', /lookaround/],
    ['negative lookahead', 'a{b!~"(?!x)y"}', /lookaround/],
    ['lookbehind', 'a{b=~"(?<=x)y"}', /lookaround/],
    ['escape from the anchor group', 'a{b=~"x)|(y"}', /unexpected \)/],
    ['huge repeat', 'a{b=~"x{1001}"}', /invalid repeat count/],
  ])('refuses %s', (_name, q, reason) => {
    expect(parseError(q).reason).toMatch(reason);
  });
});

describe('syntax errors', () => {
  it('names the unexpected token with line and column', () => {
    const err = parseError('sum_rate{a="b"} + }');
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe('PromQLError');
    expect(err.message).toBe('unexpected "}" at line 1, column 19');
    expect(err.position).toBe(18);
  });

  it('counts lines and columns from 1', () => {
    const err = parseError('up\n  + foo bar');
    expect(err.line).toBe(2);
    expect(err.column).toBe(9);
    expect(err.position).toBe(11);
    expect(err.reason).toBe('unexpected identifier "bar"');
  });

  it.each([
    ['a{b}', 3, 'unexpected "}"'],
    ['a ==', 4, 'unexpected end of input'],
    ['(a', 2, 'unexpected end of input'],
    ['a +* b', 3, 'unexpected "*"'],
    ['a)', 1, 'unexpected ")"'],
    ['(a]', 2, 'unexpected "]"'],
    ['"x" "y"', 4, 'unexpected string "\\"y\\""'],
    ['', 0, 'no expression found in input'],
    ['  # only a comment', 0, 'no expression found in input'],
  ])('%j fails at %d', (q, position, reason) => {
    const err = parseError(q);
    expect(err.position).toBe(position);
    expect(err.reason).toBe(reason);
  });
});

describe('constructs not supported yet', () => {
  it.each([
    ['rate(http_requests_total[5m])', 'function "rate" is not supported yet', 0],
    ['1 + abs(x)', 'function "abs" is not supported yet', 4],
    ['sum by (job) (up)', 'aggregation "sum" is not supported yet', 0],
    ['up[5m]', 'range selector is not supported yet', 2],
    ['up[5m:1m]', 'subquery is not supported yet', 2],
    ['up offset 5m', 'offset modifier is not supported yet', 3],
    ['up @ 1700000000', '@ modifier is not supported yet', 3],
    ['up @ start()', '@ modifier is not supported yet', 3],
    ['a and b', 'set operator "and" is not supported yet', 2],
    ['a or b', 'set operator "or" is not supported yet', 2],
    ['a unless b', 'set operator "unless" is not supported yet', 2],
    ['a * on(x) group_left(y) b', 'group_left modifier is not supported yet', 10],
    ['a * ignoring(x) group_right b', 'group_right modifier is not supported yet', 16],
  ])('%s', (q, reason, position) => {
    const err = parseError(q);
    expect(err.reason).toBe(reason);
    expect(err.position).toBe(position);
  });
});

describe('limits', () => {
  const tooDeep = `expression nests deeper than ${MAX_DEPTH} levels`;

  it('refuses input over 64 KiB', () => {
    expect(parseError(`a + ${'1'.repeat(64 * 1024)}`).reason).toMatch(/longer than 65536 bytes/);
    expect(parseError(`"${'é'.repeat(33 * 1024)}"`).reason).toMatch(/longer than/);
  });

  it('accepts nesting up to the limit and refuses one more', () => {
    const parens = (n: number) => `${'('.repeat(n - 1)}a${')'.repeat(n - 1)}`;
    expect(parsePromQL(parens(MAX_DEPTH)).kind).toBe('ParenExpr');
    expect(parseError(parens(MAX_DEPTH + 1)).reason).toBe(tooDeep);
    const sum = (n: number) => Array.from({ length: n }, () => 'a').join(' + ');
    expect(parsePromQL(sum(MAX_DEPTH)).kind).toBe('BinaryExpr');
    expect(parseError(sum(MAX_DEPTH + 1)).reason).toBe(tooDeep);
  });

  it('survives 100k nested parentheses', () => {
    const err = parseError(`${'('.repeat(100_000)}a${')'.repeat(100_000)}`);
    expect(err.reason).toMatch(/longer than/);
    const fits = `${'('.repeat(30_000)}a${')'.repeat(30_000)}`;
    expect(parseError(fits).reason).toBe(tooDeep);
    expect(parseError('('.repeat(60_000)).reason).toBe(tooDeep);
  });

  it('survives a 100k-term sum and a 32k-term one', () => {
    expect(parseError(Array.from({ length: 100_000 }, () => 'a').join('+')).reason).toMatch(/longer than/);
    expect(parseError(Array.from({ length: 32_000 }, () => 'a').join('+')).reason).toBe(tooDeep);
    expect(parseError(Array.from({ length: 32_000 }, () => 'a').join('^')).reason).toBe(tooDeep);
  });

  it('survives long unary chains and operator soup', () => {
    expect(parseError(`${'-'.repeat(60_000)}a`).reason).toBe(tooDeep);
    expect(parseError(Array.from({ length: 30_000 }, () => '+').join(' ')).reason).toBe(tooDeep);
    expect(parseError('}'.repeat(60_000)).reason).toBe('unexpected "}"');
    expect(parseError(')a('.repeat(20_000)).position).toBe(0);
    expect(parseError(Array.from({ length: 30_000 }, () => 'a').join(' ')).reason).toBe('unexpected identifier "a"');
  });

  it('ignores brackets inside strings and comments when counting depth', () => {
    const e = parsePromQL(`a{b="${'('.repeat(300)}"} # ${'['.repeat(300)}\n + 1`);
    expect(e.kind).toBe('BinaryExpr');
  });
});

describe('unterminated strings', () => {
  it.each([['"a\\"\n"'], ["'abc"], ['`abc'], ['a{b="c\\"}']])('%j', (q) => {
    expect(parseError(q).reason).toBe('unterminated quoted string');
  });
});
