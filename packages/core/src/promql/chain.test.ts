import { CHAIN_SPLIT_MIN, findChain } from './chain';
import { evaluateInstant } from './evaluator';
import { PromQLError } from './errors';
import { parsePromQL } from './parser';
import { load, query } from './test-source';

function parseError(q: string): PromQLError {
  try {
    parsePromQL(q);
  } catch (err) {
    if (err instanceof PromQLError) return err;
    throw err;
  }
  throw new Error(`expected ${q} to fail`);
}

const terms = (n: number, term: (i: number) => string, op: (i: number) => string) =>
  Array.from({ length: n }, (_, i) => term(i)).reduce((acc, t, i) => (i === 0 ? t : `${acc} ${op(i)} ${t}`), '');

describe('long flat operator chains', () => {
  it('finds the top-level operators and leaves short chains to the grammar', () => {
    expect(findChain(terms(CHAIN_SPLIT_MIN, () => 'a', () => '+'))).toBeNull();
    const c = findChain(terms(CHAIN_SPLIT_MIN + 1, () => 'rate(x{a="+"}[5m] offset -1m)', () => '-'));
    expect(c?.operators).toHaveLength(CHAIN_SPLIT_MIN);
    expect(c?.operands[0]).toEqual({ from: 0, to: 'rate(x{a="+"}[5m] offset -1m)'.length });
  });

  it('keeps precedence: a long mixed arithmetic chain equals the same sum computed directly', async () => {
    const ops = ['+', '-', '*', '/', '%'];
    const q = terms(5000, (i) => String((i % 17) + 1), (i) => ops[(i * 7) % ops.length]!);
    // JavaScript has the same precedence and left associativity for these five operators.
    const expected = Function(`return ${q}`)() as number;
    const r = await evaluateInstant(parsePromQL(q), 0, load({}));
    expect(r).toEqual({ type: 'scalar', value: expected });
  });

  it('evaluates thousands of terms of vectors with matching modifiers and set operators', async () => {
    const src = load({ 'x{a="1",b="1"}': '2', 'y{a="1",b="2"}': '3' });
    const q = terms(2500, (i) => (i % 2 === 0 ? 'x' : 'y'), (i) => (i % 2 === 1 ? '* on(a) group_left' : 'or ignoring(b)'));
    expect(q.length).toBeLessThan(64 * 1024);
    expect(await query(src, q, 0)).toBe('{a="1", b="1"} 6');
    const cmp = terms(2000, () => 'x', () => '> bool');
    expect(await query(src, cmp, 0)).toBe('{a="1", b="1"} 0');
  });

  it('keeps signs, ^, offsets and @ inside their operands', async () => {
    const src = load({ x: '1 2 3 4 5' });
    const q = terms(300, (i) => (i % 3 === 0 ? '-x offset -1m' : i % 3 === 1 ? '2 ^ -1' : 'x @ 60'), () => '+');
    // 100 × -(x at 1m) + 100 × 0.5 + 100 × (x at 60s)
    expect(await query(src, q, 0)).toBe(`{} ${100 * -2 + 50 + 100 * 2}`);
  });

  it('points errors inside an operand at the right place', () => {
    const prefix = `${terms(100, () => 'a', () => '+')} + `;
    const err = parseError(`${prefix}rate(x)`);
    expect(err.reason).toBe('expected type range vector in call to function "rate", got instant vector');
    expect(err.position).toBe(prefix.length + 5);
    const multiline = parseError(`${terms(100, () => 'a', () => '+\n')} + sum(x[5m])`);
    expect(multiline.line).toBe(100);
  });

  it('applies operator checks to split chains', () => {
    const prefix = `${terms(100, () => 'a', () => 'or')} and `;
    expect(parseError(`${prefix}1`).reason).toBe('set operator "and" not allowed in binary scalar expression');
    const bool = parseError(`${terms(100, () => 'a', () => '+')} + bool a`);
    expect(bool.reason).toBe('bool modifier can only be used on comparison operators');
    expect(parseError(`${terms(100, () => 'a', () => '+')} +`).reason).toMatch(/unexpected end of input|unexpected/);
  });

  it('refuses 64 KiB of operators without exhausting anything', () => {
    expect(parseError(terms(32_000, () => 'a', () => '+')).reason).toMatch(/longer than/);
  });
});
