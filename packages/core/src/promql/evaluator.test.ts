import type { Labels } from '../model/labels';
import { collectSelectors, type Expr, type LabelMatcher } from './ast';
import { EvaluationError } from './errors';
import { evaluateInstant, goPow, type InstantValue } from './evaluator';
import { matchesAll } from './matchers';
import { parsePromQL } from './parser';
import { isStaleMarker, STALE_NAN, type SamplePoint, type SeriesData, type SeriesSource } from './source';
import { MemorySource } from './test-source';

const MIN = 60_000;
const T = 1_700_000_000_000;


/** Samples are built as objects: a NaN stored in a number[] (even a [t, v] pair) loses its stale-marker bits in V8. */
function p(t: number, v: number): SamplePoint {
  return { t, v };
}

function series(labels: Labels, ...samples: SamplePoint[]): SeriesData {
  return { labels, samples };
}

/** One sample a minute before T. */
function at(labels: Labels, v: number): SeriesData {
  return series(labels, p(T - MIN, v));
}

async function run(q: string, source: SeriesSource, timeMs = T, lookbackMs?: number): Promise<InstantValue> {
  return evaluateInstant(parsePromQL(q), timeMs, source, lookbackMs === undefined ? {} : { lookbackMs });
}

async function vector(q: string, source: SeriesSource, timeMs = T): Promise<{ labels: Labels; value: number }[]> {
  const r = await run(q, source, timeMs);
  if (r.type !== 'vector') throw new Error(`expected a vector, got ${r.type}`);
  return r.samples;
}

async function scalar(q: string): Promise<number> {
  const r = await run(q, new MemorySource([]));
  if (r.type !== 'scalar') throw new Error(`expected a scalar, got ${r.type}`);
  return r.value;
}

async function evalError(q: string, source: SeriesSource): Promise<EvaluationError> {
  try {
    await run(q, source);
  } catch (err) {
    if (err instanceof EvaluationError) return err;
    throw err;
  }
  throw new Error(`expected ${q} to fail`);
}

describe('staleness marker', () => {
  it('is a NaN told apart by its bits', () => {
    expect(Number.isNaN(STALE_NAN)).toBe(true);
    expect(isStaleMarker(STALE_NAN)).toBe(true);
    expect(isStaleMarker(NaN)).toBe(false);
    expect(isStaleMarker(0)).toBe(false);
    expect(isStaleMarker(Infinity)).toBe(false);
    const view = new DataView(new ArrayBuffer(8));
    view.setFloat64(0, STALE_NAN);
    expect(view.getUint32(0).toString(16)).toBe('7ff00000');
    expect(view.getUint32(4)).toBe(2);
  });
});

describe('lookback', () => {
  const name = { __name__: 'm' };

  it('includes a sample exactly 5 minutes old and excludes one a millisecond older (Prometheus 2.42)', async () => {
    expect(await vector('m', new MemorySource([series(name, p(T - 5 * MIN, 1))]))).toEqual([{ labels: name, value: 1 }]);
    expect(await vector('m', new MemorySource([series(name, p(T - 5 * MIN - 1, 1))]))).toEqual([]);
  });

  it('includes a sample at the evaluation time and ignores later ones', async () => {
    const src = new MemorySource([series(name, p(T - 2 * MIN, 1), p(T, 2), p(T + 1, 3))]);
    expect(await vector('m', src)).toEqual([{ labels: name, value: 2 }]);
    expect(await vector('m', src, T - 1)).toEqual([{ labels: name, value: 1 }]);
  });

  it('takes the latest sample in the window', async () => {
    const src = new MemorySource([series(name, p(T - 4 * MIN, 1), p(T - 3 * MIN, 2), p(T - 2 * MIN, 3))]);
    expect(await vector('m', src)).toEqual([{ labels: name, value: 3 }]);
  });

  it('honours a custom lookback', async () => {
    const src = new MemorySource([series(name, p(T - 2 * MIN, 7))]);
    expect(await run('m', src, T, MIN)).toEqual({ type: 'vector', samples: [] });
    expect(await run('m', src, T, 2 * MIN + 1)).toEqual({ type: 'vector', samples: [{ labels: name, value: 7 }] });
  });

  it('asks the source for the lookback window ending at the evaluation time', async () => {
    const src = new MemorySource([]);
    await run('m + m', src);
    expect(src.calls).toEqual([{ matchers: [{ name: '__name__', type: '=', value: 'm' }], startMs: T - 5 * MIN, endMs: T }]);
  });

  it('applies the matchers even when the source returns more', async () => {
    const loose: SeriesSource = { select: async () => [at({ __name__: 'm', job: 'a' }, 1), at({ __name__: 'other' }, 2)] };
    expect(await vector('m', loose)).toEqual([{ labels: { __name__: 'm', job: 'a' }, value: 1 }]);
  });
});

describe('stale markers', () => {
  const name = { __name__: 'm' };

  it('makes a series absent when it is the latest sample', async () => {
    const src = new MemorySource([series(name, p(T - 2 * MIN, 1), p(T - MIN, STALE_NAN))]);
    expect(await vector('m', src)).toEqual([]);
  });

  it('is overridden by a later sample', async () => {
    const src = new MemorySource([series(name, p(T - 2 * MIN, STALE_NAN), p(T - MIN, 4))]);
    expect(await vector('m', src)).toEqual([{ labels: name, value: 4 }]);
  });

  it('differs from an ordinary NaN, which is a value', async () => {
    const samples = await vector('m', new MemorySource([series(name, p(T - MIN, NaN))]));
    expect(samples).toHaveLength(1);
    expect(samples[0]!.value).toBeNaN();
  });
});

describe('scalar arithmetic', () => {
  it.each([
    ['1 + 2 * 3', 7],
    ['2 ^ 3 ^ 2', 512],
    ['-2 ^ 2', -4],
    ['(-2) ^ 2', 4],
    ['2 / -2 ^ - - - 1 * 3 + 2', -10],
    ['7 % 3', 1],
    ['-7 % 3', -1],
    ['7 % -3', 1],
    ['1 / 0', Infinity],
    ['-1 / 0', -Infinity],
    ['2 > bool 1', 1],
    ['2 < bool 1', 0],
    ['NaN == bool NaN', 0],
    ['NaN != bool NaN', 1],
    ['1 ^ NaN', 1],
    ['0x10 atan2 0', Math.PI / 2],
  ])('%s = %d', async (q, v) => {
    expect(await scalar(q)).toBe(v);
  });

  it('gives NaN where Go does', async () => {
    expect(await scalar('5 % 0')).toBeNaN();
    expect(await scalar('Inf % 2')).toBeNaN();
    expect(await scalar('0 / 0')).toBeNaN();
    expect(await scalar('(-8) ^ 0.5')).toBeNaN();
  });

  it('follows math.Pow at the edges JavaScript differs on', () => {
    expect(goPow(1, Infinity)).toBe(1);
    expect(goPow(-1, -Infinity)).toBe(1);
    expect(goPow(2, 0.5)).toBe(Math.SQRT2);
  });

  it('returns strings as strings', async () => {
    expect(await run('"hello"', new MemorySource([]))).toEqual({ type: 'string', value: 'hello' });
  });
});

describe('vector and scalar', () => {
  const src = new MemorySource([at({ __name__: 'cpu', host: 'a' }, 90), at({ __name__: 'cpu', host: 'b' }, 10)]);

  it('filters on a comparison and keeps name and value', async () => {
    expect(await vector('cpu > 50', src)).toEqual([{ labels: { __name__: 'cpu', host: 'a' }, value: 90 }]);
  });

  it('keeps the vector value when the scalar is on the left', async () => {
    expect(await vector('50 < cpu', src)).toEqual([{ labels: { __name__: 'cpu', host: 'a' }, value: 90 }]);
  });

  it('returns 0 or 1 for every series with bool, without the name', async () => {
    expect(await vector('cpu > bool 50', src)).toEqual([
      { labels: { host: 'a' }, value: 1 },
      { labels: { host: 'b' }, value: 0 },
    ]);
  });

  it('drops the name for arithmetic, in either order', async () => {
    expect(await vector('cpu / 10', src)).toEqual([
      { labels: { host: 'a' }, value: 9 },
      { labels: { host: 'b' }, value: 1 },
    ]);
    expect(await vector('100 - cpu', src)).toEqual([
      { labels: { host: 'a' }, value: 10 },
      { labels: { host: 'b' }, value: 90 },
    ]);
  });

  it('drops the name when negating but not for unary plus', async () => {
    expect(await vector('-cpu', src)).toEqual([
      { labels: { host: 'a' }, value: -90 },
      { labels: { host: 'b' }, value: -10 },
    ]);
    expect((await vector('+cpu', src))[0]!.labels).toEqual({ __name__: 'cpu', host: 'a' });
  });

  it('never keeps a NaN in a filter', async () => {
    const nan = new MemorySource([at({ __name__: 'x' }, NaN)]);
    expect(await vector('x != 1', nan)).toHaveLength(1);
    expect(await vector('x == x', nan)).toEqual([]);
    expect(await vector('x >= -Inf', nan)).toEqual([]);
  });

  it('refuses results with two identical label sets', async () => {
    const two = new MemorySource([at({ __name__: 'a', host: 'x' }, 1), at({ __name__: 'b', host: 'x' }, 2)]);
    expect((await evalError('{__name__=~"a|b"} + 1', two)).message).toBe('vector cannot contain metrics with the same labelset');
    expect((await evalError('-{__name__=~"a|b"}', two)).message).toBe('vector cannot contain metrics with the same labelset');
    expect(await vector('{__name__=~"a|b"} > 0', two)).toHaveLength(2);
  });
});

describe('vector and vector', () => {
  const src = new MemorySource([
    at({ __name__: 'errors', job: 'api', instance: '1' }, 5),
    at({ __name__: 'errors', job: 'api', instance: '2' }, 1),
    at({ __name__: 'errors', job: 'web', instance: '1' }, 3),
    at({ __name__: 'total', job: 'api', instance: '1' }, 100),
    at({ __name__: 'total', job: 'api', instance: '2' }, 100),
    at({ __name__: 'limit', job: 'api' }, 2),
    at({ __name__: 'limit', job: 'web' }, 4),
  ]);

  it('matches one-to-one on all labels but the name and drops unmatched series', async () => {
    expect(await vector('errors / total', src)).toEqual([
      { labels: { job: 'api', instance: '1' }, value: 0.05 },
      { labels: { job: 'api', instance: '2' }, value: 0.01 },
    ]);
  });

  it('filters with the left value and labels, name kept', async () => {
    expect(await vector('total > errors', src)).toEqual([
      { labels: { __name__: 'total', job: 'api', instance: '1' }, value: 100 },
      { labels: { __name__: 'total', job: 'api', instance: '2' }, value: 100 },
    ]);
    expect(await vector('errors > total', src)).toEqual([]);
  });

  it('returns 0/1 per matched pair with bool, without the name', async () => {
    expect(await vector('errors > bool on(job, instance) total', src)).toEqual([
      { labels: { job: 'api', instance: '1' }, value: 0 },
      { labels: { job: 'api', instance: '2' }, value: 0 },
    ]);
  });

  it('matches on() the listed labels and keeps only them', async () => {
    expect(await vector('errors{instance="1"} > on(job) limit', src)).toEqual([
      { labels: { job: 'api' }, value: 5 },
    ]);
  });

  it('matches ignoring() the listed labels and removes them', async () => {
    expect(await vector('errors{instance="1"} - ignoring(instance) limit', src)).toEqual([
      { labels: { job: 'api' }, value: 3 },
      { labels: { job: 'web' }, value: -1 },
    ]);
  });

  it('refuses two series on the right with the same match group', async () => {
    const err = await evalError('limit * on(job) errors', src);
    expect(err.message).toBe(
      'found duplicate series for the match group {job="api"} on the right hand-side of the operation: ' +
        '[{__name__="errors", instance="2", job="api"}, {__name__="errors", instance="1", job="api"}];' +
        'many-to-many matching not allowed: matching labels must be unique on one side',
    );
  });

  it('refuses two series on the left matching one on the right', async () => {
    const err = await evalError('errors - on(job) limit', src);
    expect(err.message).toBe('multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)');
    // Prometheus 2.42 filters first: a comparison that keeps at most one per group is fine.
    expect(await vector('errors > on(job) limit * 100', src)).toEqual([]);
  });

  it('does not complain when one side is empty', async () => {
    expect(await vector('errors - on(job) nothing', src)).toEqual([]);
  });
});

describe('selectors', () => {
  it('collects every selector in source order', () => {
    const sels = collectSelectors(parsePromQL('a + (b{x="1"} * -c) > bool 1'));
    expect(sels.map((s) => s.name)).toEqual(['a', 'b', 'c']);
  });

  it('fetches a selector used twice once', async () => {
    const src = new MemorySource([at({ __name__: 'm' }, 3)]);
    const r = await vector('m * m', src);
    expect(r).toEqual([{ labels: {}, value: 9 }]);
    expect(src.calls).toHaveLength(1);
  });

  it('honours offset and @ on hand-built selectors', async () => {
    const src = new MemorySource([series({ __name__: 'm' }, p(T - 10 * MIN, 1), p(T - MIN, 2))]);
    const base = parsePromQL('m');
    if (base.kind !== 'VectorSelector') throw new Error('expected a selector');
    const shifted: Expr = { ...base, offsetMs: 8 * MIN };
    expect(await evaluateInstant(shifted, T, src)).toEqual({ type: 'vector', samples: [{ labels: { __name__: 'm' }, value: 1 }] });
    const pinned: Expr = { ...base, at: { kind: 'timestamp', timeMs: T - 20 * MIN } };
    expect(await evaluateInstant(pinned, T, src)).toEqual({ type: 'vector', samples: [] });
  });

  it('bounds recursion on hand-built trees', async () => {
    let e: Expr = { kind: 'NumberLiteral', value: 1, pos: { start: 0, end: 1 } };
    for (let i = 0; i < 10_000; i++) e = { kind: 'ParenExpr', expr: e, pos: { start: 0, end: 1 } };
    await expect(evaluateInstant(e, T, new MemorySource([]))).rejects.toThrow(/nests deeper/);
  });
});
