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
    case 'MatrixSelector':
      return `${show(e.selector)}[${e.rangeMs}]`;
    case 'SubqueryExpr':
      return `(subquery ${show(e.expr)} ${e.rangeMs}:${e.stepMs})`;
    case 'Call':
      return `(${e.name} ${e.args.map(show).join(' ')})`;
    case 'AggregateExpr':
      return `(${e.op}${e.grouping.length > 0 || e.without ? ` ${e.without ? 'without' : 'by'}(${e.grouping.join(',')})` : ''}${e.param ? ` ${show(e.param)}` : ''} ${show(e.expr)})`;
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

describe('constructs newer than Prometheus 2.42', () => {
  it.each([
    ['first_over_time(x[5m])', 'unknown function with name "first_over_time"', 0],
    ['foo(x)', 'unknown function with name "foo"', 0],
    ['1 + bar (x)', 'unknown function with name "bar"', 4],
    ['x[5m+1m]', 'only duration literals such as 5m are supported here', 2],
    ['x[5]', 'missing unit character in duration', 2],
    ['x offset (1m)', 'only duration literals such as 5m are supported here', 9],
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
    const fns = (n: number) => `${'abs('.repeat(n - 1)}a${')'.repeat(n - 1)}`;
    expect(parsePromQL(fns(MAX_DEPTH)).kind).toBe('Call');
    expect(parseError(fns(MAX_DEPTH + 1)).reason).toBe(tooDeep);
  });

  it('accepts flat operator chains far longer than the nesting limit', () => {
    const chain = (n: number, op: string) => Array.from({ length: n }, () => 'a').join(` ${op} `);
    for (const op of ['+', '*', '-', 'or', '>', 'and on(x)']) {
      const e = parsePromQL(chain(MAX_DEPTH + 50, op));
      expect(e.kind).toBe('BinaryExpr');
    }
    // Chains mixing precedence levels nest only as deep as the levels.
    expect(parsePromQL(Array.from({ length: 150 }, () => 'a * 2').join(' + ')).kind).toBe('BinaryExpr');
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
    // A flat chain just under 64 KiB parses, as Prometheus accepts it.
    expect(parsePromQL(Array.from({ length: 32_000 }, () => 'a').join('+')).kind).toBe('BinaryExpr');
    // ^ binds to the right, so its chains do nest.
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

describe('semantic errors, worded as promtool 2.42 words them', () => {
  it.each([
    ['rate(x)', 'expected type range vector in call to function "rate", got instant vector', 5],
    ['rate(x[5m], 1)', 'expected 1 argument(s) in call to "rate", got 2', 0],
    ['round()', 'expected at least 1 argument(s) in call to "round", got 0', 0],
    ['round(x, 1, 2)', 'expected at most 2 argument(s) in call to "round", got 3', 0],
    ['label_join(x)', 'expected at least 3 argument(s) in call to "label_join", got 1', 0],
    ['sum(x[5m])', 'expected type instant vector in aggregation expression, got range vector', 4],
    ['topk(x, x)', 'expected type scalar in aggregation parameter, got instant vector', 5],
    ['topk(x)', 'wrong number of arguments for aggregate expression provided, expected 2, got 1', 0],
    ['count_values(1, x)', 'expected type string in aggregation parameter, got scalar', 13],
    ['sum()', 'no arguments for aggregate expression provided', 0],
    ['quantile("a", x)', 'expected type scalar in aggregation parameter, got string', 9],
    ['x offset 5m offset 1m', 'offset may not be set multiple times', 12],
    ['x @ 1 @ 2', '@ <timestamp> may not be set multiple times', 6],
    ['sum(x) offset 5m', 'offset modifier must be preceded by an instant vector selector or range vector selector or a subquery', 7],
    ['rate(x[5m]) @ 5', '@ modifier must be preceded by an instant vector selector or range vector selector or a subquery', 12],
    ['x offset 1m [5m]', 'no offset modifiers allowed before range', 13],
    ['x and 1', 'set operator "and" not allowed in binary scalar expression', 2],
    ['1 and x', 'set operator "and" not allowed in binary scalar expression', 2],
    ['x and on(a) group_left y', 'no grouping allowed for "and" operation', 2],
    ['x + on(a) group_left(a) y', 'label "a" must not occur in ON and GROUP clause at once', 2],
    ['x + bool y', 'bool modifier can only be used on comparison operators', 2],
    ['(x)[5m]', 'ranges only allowed for vector selectors', 0],
    ['x[5m][5m:]', 'subquery is only allowed on instant vector, got matrix instead', 0],
    ['x[5m] + 1', 'binary expression must contain only scalar and instant vector types', 0],
    ['x @ Inf', 'timestamp out of bounds for @ modifier: +Inf', 4],
    ['abs("a")', 'expected type instant vector in call to function "abs", got string', 4],
    ['vector(x)', 'expected type scalar in call to function "vector", got instant vector', 7],
    ['histogram_quantile(x, x)', 'expected type scalar in call to function "histogram_quantile", got instant vector', 19],
    ['time(1)', 'expected 0 argument(s) in call to "time", got 1', 0],
  ])('%s', (q, reason, position) => {
    const err = parseError(q);
    expect(err.reason).toBe(reason);
    expect(err.position).toBe(position);
  });
});

describe('range selectors, modifiers, calls and aggregations', () => {
  it.each([
    ['rate(x[5m])', '(rate x{__name__="x"}[300000])'],
    ['x[1h30m] offset -1m', 'x{__name__="x"}[5400000]'],
    ['max_over_time(x[30m:1m])', '(max_over_time (subquery x{__name__="x"} 1800000:60000))'],
    ['avg_over_time(x[5m:])', '(avg_over_time (subquery x{__name__="x"} 300000:0))'],
    ['sum by (a, b) (x)', '(sum by(a,b) x{__name__="x"})'],
    ['sum(x) without (a)', '(sum without(a) x{__name__="x"})'],
    ['SUM(x)', '(sum x{__name__="x"})'],
    ['topk(3, x)', '(topk 3 x{__name__="x"})'],
    ['count_values("v", x)', '(count_values "v" x{__name__="x"})'],
    ['label_replace(x, "a", "$1", "b", "(.*)")', '(label_replace x{__name__="x"} "a" "$1" "b" "(.*)")'],
    ['a and on(b) c', '(and a{__name__="a"} c{__name__="c"})'],
  ])('%s', (q, shown) => {
    expect(show(parsePromQL(q))).toBe(shown);
  });

  it('keeps offset and @ on the selector or subquery', () => {
    const e = parsePromQL('rate(x[5m] offset -1m @ 100.5)');
    if (e.kind !== 'Call' || e.args[0]?.kind !== 'MatrixSelector') throw new Error('shape');
    expect(e.args[0].selector.offsetMs).toBe(-60_000);
    expect(e.args[0].selector.at).toEqual({ kind: 'timestamp', timeMs: 100_500 });
    const s = parsePromQL('x[10m:1m] offset 5m @ end()');
    if (s.kind !== 'SubqueryExpr') throw new Error('shape');
    expect([s.offsetMs, s.at]).toEqual([300_000, { kind: 'end' }]);
    expect(parsePromQL('x @ start()')).toMatchObject({ kind: 'VectorSelector', at: { kind: 'start' } });
  });

  it('reads matching modifiers and their cardinality', () => {
    const e = parsePromQL('a * on(x) group_left(y, z) b');
    expect(e).toMatchObject({ kind: 'BinaryExpr', matching: { card: 'many-to-one', on: true, labels: ['x'], include: ['y', 'z'] } });
    expect(parsePromQL('a / ignoring(x) group_right b')).toMatchObject({ matching: { card: 'one-to-many', on: false, labels: ['x'], include: [] } });
    expect(parsePromQL('a or b')).toMatchObject({ matching: { card: 'many-to-many' } });
  });

  it('types calls and aggregations', () => {
    expect(exprType(parsePromQL('time()'))).toBe('scalar');
    expect(exprType(parsePromQL('scalar(x) + 1'))).toBe('scalar');
    expect(exprType(parsePromQL('vector(1)'))).toBe('vector');
    expect(exprType(parsePromQL('x[5m]'))).toBe('matrix');
    expect(exprType(parsePromQL('sum(x) * 2'))).toBe('vector');
  });
});
