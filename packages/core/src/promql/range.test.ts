import { parsePromQL } from './parser';
import { evaluateInstant, evaluateQuery } from './evaluator';
import { EvaluationError } from './errors';
import { MAX_DEPTH } from './limits';
import { load, m, query } from './test-source';

describe('selector windows', () => {
  it('fetches each selector once for the window it needs: lookback, range, offset, @, subquery', async () => {
    const src = load({ x: '1' });
    await evaluateInstant(parsePromQL('x offset 1m + rate(x[5m] offset -2m) * max_over_time(x[10m:1m] @ 3600)'), m(20), src);
    const windows = src.calls.map((c) => [c.startMs, c.endMs]);
    expect(windows).toEqual(
      expect.arrayContaining([
        [m(20 - 1 - 5), m(19)],
        [m(22 - 5), m(22)],
        // The subquery's steps from 50m to 60m, each looking back 5 minutes; one step of margin.
        [m(60 - 10 - 1 - 5), m(60)],
      ]),
    );
    expect(src.calls).toHaveLength(3);
  });

  it('treats start() and end() as the evaluation time of an instant query', async () => {
    const src = load({ x: '0+1x30' });
    expect(await query(src, 'x @ start()', m(10))).toBe('{__name__="x"} 10');
    expect(await query(src, 'x @ end() offset 2m', m(10))).toBe('{__name__="x"} 8');
    // Inside a subquery, @ pins every step to the same instant.
    expect(await query(src, 'sum_over_time((x @ end())[3m:1m])', m(10))).toBe('{} 40');
  });

  it('takes range samples from the closed window [t - range, t] without stale markers', async () => {
    const src = load({ c: '1 2 stale 4 5' });
    expect(await query(src, 'count_over_time(c[2m])', m(4))).toBe('{} 2');
    expect(await query(src, 'count_over_time(c[3m])', m(4))).toBe('{} 3');
    expect(await query(src, 'c', m(2))).toBe('');
    expect(await query(src, 'c', m(3))).toBe('{__name__="c"} 4');
  });

  it('returns a range vector from evaluateQuery and refuses it in evaluateInstant', async () => {
    const src = load({ x: '1 2 3' });
    const r = await evaluateQuery(parsePromQL('x[1m]'), m(2), src);
    expect(r).toEqual({ type: 'matrix', series: [{ labels: { __name__: 'x' }, samples: [{ t: m(1), v: 2 }, { t: m(2), v: 3 }] }] });
    await expect(evaluateInstant(parsePromQL('x[1m]'), m(2), src)).rejects.toBeInstanceOf(EvaluationError);
  });
});

describe('subqueries', () => {
  const src = load({ g: '0+1x60' });

  it('aligns steps to multiples of the step, both ends included', async () => {
    // 10m30s - 3m = 7m30s: first aligned step 8m, then 9m and 10m.
    expect(await query(src, 'count_over_time(g[3m:1m])', m(10.5))).toBe('{} 3');
    expect(await query(src, 'count_over_time(g[3m:1m])', m(10))).toBe('{} 4');
  });

  it('uses the default step when none is given (the rule group interval)', async () => {
    expect(await query(src, 'count_over_time(g[10m:])', m(30))).toBe('{} 11');
    expect(await query(src, 'count_over_time(g[10m:])', m(30), { defaultSubqueryStepMs: m(5) })).toBe('{} 3');
  });

  it('nests', async () => {
    expect(await query(src, 'max_over_time(sum_over_time(g[2m:1m])[4m:2m])', m(20))).toBe('{} 57');
  });

  it('refuses more points than it will compute', async () => {
    expect(await query(src, 'count_over_time(g[1y:1s])', m(10))).toMatch(/^ERR subquery would compute more than/);
  });
});

describe('long operator chains and deep nesting', () => {
  it('evaluates a flat chain far longer than the nesting limit', async () => {
    const src = load({ a: '2' });
    const n = MAX_DEPTH + 44;
    expect(await query(src, Array.from({ length: n }, () => 'a').join(' + '), 0)).toBe(`{} ${2 * n}`);
    expect(await query(src, Array.from({ length: n }, () => '1').join(' - '), 0)).toBe(`{} ${2 - n}`);
    expect(await query(src, Array.from({ length: n }, () => 'a').join(' or '), 0)).toBe('{__name__="a"} 2');
  });

  it('refuses a hand-built tree nested deeper than the limit without overflowing the stack', async () => {
    let e = parsePromQL('a');
    for (let i = 0; i < 100_000; i++) e = { kind: 'ParenExpr', expr: e, pos: { start: 0, end: 1 } };
    await expect(evaluateInstant(e, 0, load({ a: '1' }))).rejects.toThrow(`expression nests deeper than ${MAX_DEPTH} levels`);
  });
});

describe('aggregation parameters', () => {
  const src = load({ 'x{a="1"}': '1', 'x{a="2"}': '5', 'x{a="3"}': '3' });
  it('truncates k, refuses k beyond int64, returns nothing for k < 1', async () => {
    expect(await query(src, 'topk(1.9, x)', 0)).toBe('{__name__="x", a="2"} 5');
    expect(await query(src, 'bottomk(1e30, x)', 0)).toBe('ERR Scalar value 1e+30 overflows int64');
    expect(await query(src, 'bottomk(-1e19, x)', 0)).toBe('ERR Scalar value -1e+19 overflows int64');
    expect(await query(src, 'topk(0.5, x)', 0)).toBe('');
    expect(await query(src, 'topk(scalar(x{a="1"}) + 1, x)', 0)).toBe('{__name__="x", a="2"} 5 | {__name__="x", a="3"} 3');
  });
  it('gives quantile -Inf below 0 and +Inf above 1', async () => {
    expect(await query(src, 'quantile(-0.1, x)', 0)).toBe('{} -Infinity');
    expect(await query(src, 'quantile(1.1, x)', 0)).toBe('{} Infinity');
  });
});

describe('label functions', () => {
  const src = load({ 'x{a="1",b="z"}': '1', 'x{a="2",b="z"}': '1' });
  it('refuses results with the same label set', async () => {
    expect(await query(src, 'label_replace(x, "a", "", "a", ".*")', 0)).toBe('ERR vector cannot contain metrics with the same labelset');
    expect(await query(src, 'label_join(x, "b", "", "c")', 0)).toBe('{__name__="x", a="1"} 1 | {__name__="x", a="2"} 1');
  });
  it('leaves series alone when the regex does not match the whole value', async () => {
    expect(await query(src, 'label_replace(x, "c", "$1", "b", "(y)")', 0)).toBe('{__name__="x", a="1", b="z"} 1 | {__name__="x", a="2", b="z"} 1');
  });
  it('uses RE2: refuses backreferences and stays linear on catastrophic patterns', async () => {
    expect(await query(src, 'label_replace(x, "c", "$1", "b", "(a)\\\\1")', 0)).toMatch(/^ERR invalid regular expression/);
    const evil = load({ [`x{b="${'a'.repeat(5000)}!"}`]: '1' });
    expect(await query(evil, 'label_replace(x, "c", "y", "b", "(a+)+b")', 0)).toMatch(/^\{__name__="x", b="a+!"\} 1$/);
  });
});

describe('regex anchoring (checked with promtool 2.42)', () => {
  const src = load({ 'x{a="1\\n2"}': '1' });
  it('does not let . match a newline in matchers or label_replace', async () => {
    expect(await query(src, 'x{a=~"1.2"}', 0)).toBe('');
    expect(await query(src, 'x{a=~"1\\n2"}', 0)).toBe('{__name__="x", a="1\\n2"} 1');
    expect(await query(src, 'label_replace(x, "b", "$1", "a", "(.*)")', 0)).toBe('{__name__="x", a="1\\n2"} 1');
  });
});
