import { evaluateInstant } from '../evaluator';
import { parsePromQL } from '../parser';
import { MemorySource } from '../test-source';
import type { SeriesData } from '../source';
import { breachProbability, dropProbability, interpolatedCdf } from './forecast';
import { FORECAST_QUANTILES, formatHorizon } from './names';

const MIN = 60_000;

/** Predict's forecast series for one source series: quantile q of the bound is value(q). */
function forecast(source: Record<string, string>, metric: string, horizon: string, bound: 'max' | 'min', value: (q: number) => number, t: number): SeriesData[] {
  return FORECAST_QUANTILES.map((q) => ({
    labels: { __name__: 'vigil_forecast', ...source, source_metric: metric, horizon, bound, quantile: String(q) },
    samples: [{ t, v: value(q) }],
  }));
}

async function vector(expr: string, series: SeriesData[], t: number) {
  const v = await evaluateInstant(parsePromQL(expr), t, new MemorySource(series));
  if (v.type !== 'vector') throw new Error(`not a vector: ${v.type}`);
  return v.samples.map((s) => ({ labels: s.labels, value: s.value })).sort((a, b) => JSON.stringify(a.labels).localeCompare(JSON.stringify(b.labels)));
}

describe('forecast quantile interpolation', () => {
  const points = [
    { q: 0.1, x: 10 },
    { q: 0.5, x: 20 },
    { q: 0.9, x: 40 },
  ];
  it('interpolates linearly between stored quantiles', () => {
    expect(interpolatedCdf(points, 15)).toBeCloseTo(0.3, 12);
    expect(interpolatedCdf(points, 30)).toBeCloseTo(0.7, 12);
    expect(breachProbability(points, 30)).toBeCloseTo(0.3, 12);
    expect(dropProbability(points, 15)).toBeCloseTo(0.3, 12);
  });
  it('clamps to the lowest and highest stored level outside them', () => {
    expect(interpolatedCdf(points, -100)).toBe(0.1);
    expect(interpolatedCdf(points, 10)).toBe(0.1);
    expect(interpolatedCdf(points, 1000)).toBe(0.9);
    expect(breachProbability(points, 1000)).toBeCloseTo(0.1, 12);
  });
  it('sorts crossing quantiles and ignores NaN values', () => {
    const crossing = [
      { q: 0.1, x: 20 },
      { q: 0.5, x: 10 },
      { q: 0.9, x: NaN },
    ];
    expect(interpolatedCdf(crossing, 15)).toBeCloseTo(0.3, 12);
    expect(interpolatedCdf([{ q: 0.5, x: NaN }], 1)).toBeNaN();
  });
});

describe('anomaly_score()', () => {
  const t = 30 * MIN;
  const series: SeriesData[] = [
    { labels: { __name__: 'vigil_anomaly_score', source_metric: 'latency', job: 'api' }, samples: [{ t: t - 20 * MIN, v: 0.1 }, { t: t - 10 * MIN, v: 0.95 }] },
    { labels: { __name__: 'vigil_anomaly_score', source_metric: 'latency', job: 'web' }, samples: [{ t: t - 20 * MIN, v: 0.99 }] },
    { labels: { __name__: 'vigil_anomaly_score', source_metric: 'errors', job: 'api' }, samples: [{ t: t - MIN, v: 0.5 }] },
    { labels: { __name__: 'latency', job: 'api' }, samples: [{ t, v: 123 }] },
  ];
  it('reads the latest score of each selected source series, labelled as the source', async () => {
    expect(await vector('anomaly_score(latency)', series, t)).toEqual([{ labels: { job: 'api' }, value: 0.95 }]);
    expect(await vector('anomaly_score(latency{job="api"}) > 0.9', series, t)).toEqual([{ labels: { job: 'api' }, value: 0.95 }]);
    expect(await vector('anomaly_score(latency{job="web"})', series, t)).toEqual([]); // older than the 15m lookback
  });
  it('compiles to a range read of predict series in the expression tree', () => {
    const e = parsePromQL('anomaly_score(latency{job="api"})');
    expect(e).toMatchObject({ kind: 'Call', name: 'anomaly_score', args: [{ kind: 'MatrixSelector', rangeMs: 15 * MIN }] });
    const sel = (e as { args: { selector: { matchers: unknown[] } }[] }).args[0]!.selector;
    expect(sel.matchers).toEqual([
      { name: '__name__', type: '=', value: 'vigil_anomaly_score' },
      { name: 'source_metric', type: '=', value: 'latency' },
      { name: 'job', type: '=', value: 'api' },
    ]);
  });
  it.each([
    ['anomaly_score(rate(x[5m]))', 'expected a vector selector as the first argument of "anomaly_score"', 15],
    ['1 + anomaly_score({job="a"})', 'must name its metric', 19],
    ['anomaly_score(x{source_metric="y"})', 'label "source_metric" is reserved', 15],
    ['anomaly_score(x[5m])', 'expected type instant vector in call to function "anomaly_score", got range vector', 15],
    ['anomaly_scores(x)', 'unknown function with name "anomaly_scores"', 1],
  ])('refuses %s with the position', (expr, message, column) => {
    expect(() => parsePromQL(expr)).toThrow(message);
    try {
      parsePromQL(expr);
    } catch (err) {
      expect((err as { column: number }).column).toBe(column);
    }
  });
});

describe('forecast_breach_probability() and forecast_drop_probability()', () => {
  const t = 10 * MIN;
  // Predicted max of disk_used over 4h: quantile q is 50 + 50q (so P(max >= 90) = 1 - 0.8 = 0.2).
  const series = [
    ...forecast({ host: 'a' }, 'disk_used', '4h', 'max', (q) => 50 + 50 * q, t - MIN),
    ...forecast({ host: 'b' }, 'disk_used', '4h', 'max', (q) => 80 + 40 * q, t - MIN),
    ...forecast({ host: 'a' }, 'disk_used', '1h', 'max', () => 99, t - MIN),
    ...forecast({ host: 'a' }, 'disk_used', '4h', 'min', (q) => 10 + 10 * q, t - MIN),
  ];
  it('interpolates the probability that the max reaches the threshold, per source series', async () => {
    const got = await vector('forecast_breach_probability(disk_used, "4h", 90)', series, t);
    expect(got.map((s) => s.labels)).toEqual([{ host: 'a' }, { host: 'b' }]);
    expect(got[0]!.value).toBeCloseTo(0.2, 12);
    expect(got[1]!.value).toBeCloseTo(0.75, 12);
  });
  it('spells the horizon canonically, so "240m" is the "4h" predict wrote', async () => {
    const got = await vector('forecast_breach_probability(disk_used{host="a"}, "240m", 90) > 0.1', series, t);
    expect(got).toHaveLength(1);
    expect(got[0]!.value).toBeCloseTo(0.2, 12);
    expect(formatHorizon(4 * 3_600_000)).toBe('4h');
  });
  it('reads bound="min" for the drop probability', async () => {
    const got = await vector('forecast_drop_probability(disk_used, "4h", 15)', series, t);
    expect(got).toHaveLength(1);
    expect(got[0]!.value).toBeCloseTo(0.5, 12);
  });
  it('refuses a horizon that is not a positive duration', () => {
    expect(() => parsePromQL('forecast_breach_probability(x, "soon", 1)')).toThrow('invalid horizon "soon"');
    expect(() => parsePromQL('forecast_drop_probability(x, "0s", 1)')).toThrow('must be positive at line 1, column 30');
    expect(() => parsePromQL('forecast_drop_probability(x, "1h")')).toThrow('expected 3 argument(s)');
  });
});
