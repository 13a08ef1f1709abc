import { EvaluationCache, exprKey } from './cache';
import { evaluateInstant, type InstantValue } from './evaluator';
import { parsePromQL } from './parser';
import { load, m } from './test-source';

const T = m(10);

function values(v: InstantValue): string[] {
  if (v.type !== 'vector') throw new Error(`expected a vector, got ${v.type}`);
  return v.samples.map((s) => `${JSON.stringify(s.labels)} ${s.value}`).sort();
}

describe('evaluation cache shared by the queries of one instant', () => {
  it('fetches a selector window once and computes a shared subexpression once', async () => {
    const src = load({ 'x{i="1"}': '0+60x10', 'x{i="2"}': '0+120x10' });
    const cache = new EvaluationCache();
    const high = await evaluateInstant(parsePromQL('rate(x[5m]) > 1.5'), T, src, { cache });
    const low = await evaluateInstant(parsePromQL('rate(x[5m]) > 0.5'), T, src, { cache });
    expect(values(high)).toEqual(['{"i":"2"} 2']);
    expect(values(low)).toEqual(['{"i":"1"} 1', '{"i":"2"} 2']);
    expect(src.calls).toHaveLength(1);
    // Each rule's result and the shared rate(x[5m]) and x[5m] nodes, and the one fetch.
    expect(cache.size).toEqual({ fetches: 1, values: 4 });
  });

  it('gives the same answers with and without a cache', async () => {
    const src = load({ 'x{i="1"}': '0+60x10', 'x{i="2"}': '5 4 3 2 1 0 1 2 3 4 5', 'y{i="1"}': '1x10' });
    const queries = [
      'sum by (i) (rate(x[5m])) / on(i) group_left y',
      'max_over_time(x[5m:1m]) - min_over_time(x[5m:1m])',
      'x > bool 2',
      '-x * 2 + 1',
      'topk(1, x) or y',
    ];
    const cache = new EvaluationCache();
    for (const q of queries) {
      const plain = await evaluateInstant(parsePromQL(q), T, src);
      expect(await evaluateInstant(parsePromQL(q), T, src, { cache })).toEqual(plain);
      // A second evaluation answers from the cache and still agrees.
      expect(await evaluateInstant(parsePromQL(q), T, src, { cache })).toEqual(plain);
    }
  });

  it('keeps results apart for different evaluation times and options', async () => {
    const src = load({ x: '0+1x10' });
    const cache = new EvaluationCache();
    const at = async (t: number, lookbackMs?: number) =>
      values(await evaluateInstant(parsePromQL('x'), t, src, lookbackMs === undefined ? { cache } : { cache, lookbackMs }));
    expect(await at(m(5))).toEqual(['{"__name__":"x"} 5']);
    expect(await at(m(6))).toEqual(['{"__name__":"x"} 6']);
    expect(await at(m(15))).toEqual(['{"__name__":"x"} 10']);
    expect(await at(m(15), m(2))).toEqual([]);
  });

  it('forgets what read a series once that series is written, and nothing else', async () => {
    const src = load({ 'x{i="1"}': '1x10', 'y{i="1"}': '7x10' });
    const cache = new EvaluationCache();
    await evaluateInstant(parsePromQL('sum(x)'), T, src, { cache });
    await evaluateInstant(parsePromQL('y'), T, src, { cache });
    expect(src.calls).toHaveLength(2);

    cache.invalidate([{ __name__: 'ALERTS', alertname: 'A' }]);
    await evaluateInstant(parsePromQL('sum(x)'), T, src, { cache });
    expect(src.calls).toHaveLength(2);

    // A later rule wrote x{i="2"}: the next query must see it.
    src.series.push({ labels: { __name__: 'x', i: '2' }, samples: [{ t: T, v: 2 }] });
    cache.invalidate([{ __name__: 'x', i: '2' }]);
    expect(values(await evaluateInstant(parsePromQL('sum(x)'), T, src, { cache }))).toEqual(['{} 3']);
    expect(src.calls).toHaveLength(3);
    // y was not written: still answered from the cache.
    await evaluateInstant(parsePromQL('y'), T, src, { cache });
    expect(src.calls).toHaveLength(3);
  });

  it('invalidates selectors without a metric name and regex name matchers too', async () => {
    const src = load({ 'x{i="1"}': '1x10' });
    const cache = new EvaluationCache();
    await evaluateInstant(parsePromQL('count({i="1"})'), T, src, { cache });
    await evaluateInstant(parsePromQL('count({__name__=~"x|rec"})'), T, src, { cache });
    expect(cache.size.fetches).toBe(2);
    cache.invalidate([{ __name__: 'rec', i: '1' }]);
    expect(cache.size).toEqual({ fetches: 0, values: 0 });
  });

  it('answers only queries on the source it first served', async () => {
    const one = load({ x: '1x10' });
    const two = load({ x: '2x10' });
    const cache = new EvaluationCache();
    expect(values(await evaluateInstant(parsePromQL('x'), T, one, { cache }))).toEqual(['{"__name__":"x"} 1']);
    expect(values(await evaluateInstant(parsePromQL('x'), T, two, { cache }))).toEqual(['{"__name__":"x"} 2']);
  });

  it('does not keep the values of subquery steps', async () => {
    const src = load({ x: '0+1x10' });
    const cache = new EvaluationCache();
    await evaluateInstant(parsePromQL('max_over_time(rate(x[2m])[5m:1m])'), T, src, { cache });
    // The call, the subquery, and nothing per step.
    expect(cache.size.values).toBe(2);
  });

  it('tells apart literals that JSON would print alike', () => {
    const key = (q: string) => exprKey(parsePromQL(q));
    expect(key('x > NaN')).not.toBe(key('x > Inf'));
    expect(key('x > Inf')).not.toBe(key('x > -Inf'));
    expect(key('x * 0')).not.toBe(key('x * -0'));
    expect(key('x offset 1m')).not.toBe(key('x offset 2m'));
    expect(key('rate(x[5m])')).toBe(key('rate( x [5m] )'));
  });
});
