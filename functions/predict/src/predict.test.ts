/** @jest-environment ./packages/ml/jest/onnx-environment.js */
import { ManualClock, parseRuleGroupYaml, type Sample } from '@vigil/core';
import { openLocalContext } from '@vigil/adapter-local';
import { evaluateGroup, groupId } from '@vigil/fn-evaluate';
import { gridWindow, linearTrendReference, MlConfigRepository, OnnxModelRunner, robustZReference } from '@vigil/ml';
import { normal, seeded } from '@vigil/ml/src/testing';
import { handle } from '.';

const MIN = 60_000;

/** The predict handler over the real local store and real ONNX inference, on virtual time. */
describe('predict', () => {
  const clock = new ManualClock(1_763_800_000_000);
  const { ctx, store, close } = openLocalContext(clock, { prefix: 'vigil-predict-' });
  const runner = new OnnxModelRunner();
  const at = clock.now();
  afterAll(async () => {
    await runner.close();
    close();
  });

  const read = async (tenant: string, metric: string) =>
    (await ctx.services.series.source(tenant).select([{ name: '__name__', type: '=', value: metric }], at - MIN, at)).map((s) => ({ labels: s.labels, v: s.samples[s.samples.length - 1]!.v }));

  beforeAll(async () => {
    const group = parseRuleGroupYaml(`
name: ml
rules:
- alert: LatencyAnomaly
  expr: anomaly_score(latency{job="api"}) > 0.999
- alert: DiskFillsUp
  expr: forecast_breach_probability(disk_used, "4h", 100) > 0.5
`);
    await ctx.services.ruleGroups.put('t1', 'ns', group, at);
    const g = normal(seeded(5));
    const samples: Sample[] = [];
    // An hour of 15 s samples: two latency series (one ending on a spike), a filling disk, and a latency series of another job.
    for (let t = at - 60 * MIN + 15_000; t <= at; t += 15_000) {
      const last = t === at;
      samples.push({ labels: { __name__: 'latency', job: 'api', instance: 'a' }, t, v: last ? 0.9 : 0.2 + 0.01 * g() });
      samples.push({ labels: { __name__: 'latency', job: 'api', instance: 'b' }, t, v: 0.2 + 0.01 * g() });
      samples.push({ labels: { __name__: 'latency', job: 'batch', instance: 'c' }, t, v: last ? 5 : 0.2 });
      samples.push({ labels: { __name__: 'disk_used', host: 'h' }, t, v: 50 + ((t - at) / MIN) * 0.25 + 0.3 * g() });
    }
    await ctx.services.series.write('t1', samples);
  });

  it('scores the series the rules ask about, matching the reference math on the same window', async () => {
    const r = await handle({ kind: 'tick', tenant: 't1', at }, ctx, { runner });
    expect(r).toMatchObject({ tenants: 1, targets: 2, series: 3, skipped: 0, failed: 0 });
    const scores = await read('t1', 'vigil_anomaly_score');
    expect(scores.map((s) => s.labels).sort((a, b) => (a.instance! < b.instance! ? -1 : 1))).toEqual([
      { __name__: 'vigil_anomaly_score', job: 'api', instance: 'a', source_metric: 'latency' },
      { __name__: 'vigil_anomaly_score', job: 'api', instance: 'b', source_metric: 'latency' },
    ]);
    const source = await ctx.services.series.source('t1').select([{ name: '__name__', type: '=', value: 'latency' }, { name: 'job', type: '=', value: 'api' }], at - 70 * MIN, at);
    for (const s of source) {
      const ref = robustZReference(gridWindow(s.samples, at, 60 * MIN, 60).values);
      const got = scores.find((x) => x.labels.instance === s.labels.instance)!.v;
      expect(got).toBeCloseTo(ref.score, 4);
    }
    expect(scores.find((s) => s.labels.instance === 'a')!.v).toBeGreaterThan(0.999);
    expect(scores.find((s) => s.labels.instance === 'b')!.v).toBeLessThan(0.999);
  });

  it('writes nine quantiles of the forecast max and min for each horizon, as the reference computes them', async () => {
    const forecast = await read('t1', 'vigil_forecast');
    expect(forecast).toHaveLength(18);
    const labels = forecast.map((f) => `${f.labels.bound}/${f.labels.quantile}/${f.labels.horizon}/${f.labels.host}/${f.labels.source_metric}`);
    expect(labels).toContain('max/0.99/4h/h/disk_used');
    expect(labels).toContain('min/0.01/4h/h/disk_used');
    const [disk] = await ctx.services.series.source('t1').select([{ name: '__name__', type: '=', value: 'disk_used' }], at - 70 * MIN, at);
    const w = gridWindow(disk!.samples, at, 60 * MIN, 60);
    const ref = linearTrendReference(w.values, w.times.map((t) => (t - at) / 1000), 4 * 3600);
    const q = (bound: string, level: string) => forecast.find((f) => f.labels.bound === bound && f.labels.quantile === level)!.v;
    expect(q('max', '0.5')).toBeCloseTo(ref.max[4]!, 2);
    expect(q('min', '0.05')).toBeCloseTo(ref.min[1]!, 2);
    // The disk grows 15 per hour from 50: in four hours the median maximum is near 110.
    expect(q('max', '0.5')).toBeGreaterThan(105);
    expect(q('max', '0.5')).toBeLessThan(115);
  });

  it('the rules read what predict wrote: the spike and the filling disk fire', async () => {
    const stored = (await ctx.services.ruleGroups.get('t1', 'ns', 'ml'))!;
    await evaluateGroup('t1', stored, at, true, ctx);
    const states = (await ctx.services.alertStates.load('t1', groupId('ns', 'ml'))).map((s) => `${s.record.rule}:${s.record.labels.instance ?? s.record.labels.host}:${s.record.state}`).sort();
    expect(states).toEqual(['DiskFillsUp:h:firing', 'LatencyAnomaly:a:firing']);
  });

  it('a redelivered tick writes the same samples again', async () => {
    const before = await read('t1', 'vigil_anomaly_score');
    await handle({ kind: 'tick', tenant: 't1', at }, ctx, { runner });
    const after = await read('t1', 'vigil_anomaly_score');
    expect(after).toEqual(before);
  });

  it('runs configured targets with their own model and horizons; a bad model fails only its target', async () => {
    await new MlConfigRepository(store).put('t1', {
      targets: [
        { kind: 'anomaly', selector: 'latency{job="batch"}', window: '30m', points: 30 },
        { kind: 'forecast', selector: 'disk_used', horizons: ['1h'] },
        { kind: 'anomaly', selector: 'disk_used', model: 'missing-model' },
      ],
    });
    const r = await handle({ kind: 'tick', at }, ctx, { runner });
    expect(r).toMatchObject({ tenants: 1, targets: 4, failed: 1 });
    const scores = await read('t1', 'vigil_anomaly_score');
    expect(scores.find((s) => s.labels.job === 'batch')!.v).toBeGreaterThan(0.999);
    const horizons = new Set((await read('t1', 'vigil_forecast')).map((f) => f.labels.horizon));
    expect([...horizons].sort()).toEqual(['1h', '4h']);
  });

  it('leaves out series without a current value or with too few points', async () => {
    const later = at + 30 * MIN;
    await ctx.services.series.write('t1', [{ labels: { __name__: 'latency', job: 'api', instance: 'new' }, t: later, v: 1 }]);
    const r = await handle({ kind: 'tick', tenant: 't1', at: later }, ctx, { runner });
    // a, b: stale for 30 minutes; new: one point. batch (config target): stale too.
    expect(r.skipped).toBe(4);
  });
});
