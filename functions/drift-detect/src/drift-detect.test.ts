import { ManualClock, parseRuleGroupYaml, type DomainEvent, type Sample } from '@vigil/core';
import { openLocalContext } from '@vigil/adapter-local';
import { notifyMessageSchema } from '@vigil/events';
import { driftStatistics, ksCritical, MlConfigRepository } from '@vigil/ml';
import { normal, seeded } from '@vigil/ml/src/testing';
import { driftReportKey, handle, type DriftReport } from '.';

const MIN = 60_000;
const WEEK = 7 * 24 * 60 * MIN;

/** The drift-detect handler over the real local store and queue, on virtual time. */
describe('drift-detect', () => {
  const clock = new ManualClock(1_763_800_000_000);
  const published: DomainEvent[] = [];
  const { ctx, store, queue, close } = openLocalContext(clock, { prefix: 'vigil-drift-', events: { publish: async (e) => void published.push(...e) } });
  const at = clock.now();
  const g = normal(seeded(9));
  const reference = new Map<string, number[]>();
  const current = new Map<string, number[]>();
  afterAll(close);

  beforeAll(async () => {
    const group = parseRuleGroupYaml(`
name: drift
rules:
- alert: LatencyShifted
  expr: vigil_drift_score{source_metric="latency", test="ks", job="api"} > 0.5
`);
    await ctx.services.ruleGroups.put('t1', 'ns', group, at);
    const samples: Sample[] = [];
    // Per minute for an hour, a week ago and now: instance a moves from 50 to 60, b stays.
    for (const [instance, shift] of [
      ['a', 10],
      ['b', 0],
    ] as const) {
      const ref: number[] = [];
      const cur: number[] = [];
      for (let i = 0; i < 60; i++) {
        const r = 50 + 5 * g();
        const c = 50 + shift + 5 * g();
        ref.push(r);
        cur.push(c);
        samples.push({ labels: { __name__: 'latency', job: 'api', instance }, t: at - WEEK - i * MIN, v: r });
        samples.push({ labels: { __name__: 'latency', job: 'api', instance }, t: at - i * MIN, v: c });
      }
      reference.set(instance, ref);
      current.set(instance, cur);
    }
    await ctx.services.series.write('t1', samples);
  });

  const readSeries = async (metric: string) =>
    (await ctx.services.series.source('t1').select([{ name: '__name__', type: '=', value: metric }], at - MIN, at)).map((s) => ({ labels: s.labels, v: s.samples[s.samples.length - 1]!.v }));

  it('compares each series with the same window a week earlier and writes score and detected series', async () => {
    const r = await handle({ kind: 'tick', tenant: 't1', at }, ctx);
    expect(r).toMatchObject({ tenants: 1, targets: 1, series: 2, skipped: 0 });
    const scores = await readSeries('vigil_drift_score');
    expect(scores).toHaveLength(6);
    for (const instance of ['a', 'b']) {
      const expected = driftStatistics(reference.get(instance)!, current.get(instance)!);
      for (const test of ['psi', 'ks', 'wasserstein'] as const) {
        const got = scores.find((s) => s.labels.instance === instance && s.labels.test === test)!;
        expect(got.labels).toEqual({ __name__: 'vigil_drift_score', job: 'api', instance, source_metric: 'latency', test });
        expect(got.v).toBeCloseTo(expected[test], 10);
      }
    }
    const detected = (await readSeries('vigil_drift_detected')).filter((s) => s.v === 1).map((s) => `${s.labels.instance}/${s.labels.test}`).sort();
    // No Wasserstein threshold is configured: it is reported, never alerted on.
    expect(detected).toEqual(['a/ks', 'a/psi']);
    expect(r.detected).toBe(2);
  });

  it('keeps a drift report per series with a TTL', async () => {
    const key = driftReportKey('t1', { __name__: 'latency', job: 'api', instance: 'a' }, at);
    const item = await store.get<DriftReport>(key.pk, key.sk);
    expect(item!.value).toMatchObject({ metric: 'latency', referenceSamples: 60, currentSamples: 60, detected: ['psi', 'ks'] });
    expect(item!.value.thresholds.ks).toBeCloseTo(ksCritical(60, 60), 12);
    expect(item!.expiresAt).toBe(at + 14 * 24 * 60 * MIN);
  });

  it('sends the drift to notify as DriftDetected alerts, once per tick', async () => {
    await handle({ kind: 'tick', tenant: 't1', at }, ctx);
    const messages = await queue.receive('notify', 10, MIN);
    expect(messages).toHaveLength(1);
    const body = notifyMessageSchema.parse(messages[0]!.body);
    if (body.kind !== 'alerts') throw new Error('expected alerts');
    expect(body.alerts.map((a) => a.labels).sort((x, y) => (x.test! < y.test! ? -1 : 1))).toEqual([
      { alertname: 'DriftDetected', job: 'api', instance: 'a', source_metric: 'latency', test: 'ks', severity: 'warning' },
      { alertname: 'DriftDetected', job: 'api', instance: 'a', source_metric: 'latency', test: 'psi', severity: 'warning' },
    ]);
    const ks = body.alerts.find((a) => a.labels.test === 'ks')!;
    expect(Number(ks.annotations.statistic)).toBeGreaterThan(Number(ks.annotations.threshold));
    expect(ks).toMatchObject({ startsAt: at, endsAt: at + 120 * MIN });
    expect(published.filter((e) => e.type === 'DriftDetected')).toHaveLength(4);
  });

  it('uses configured thresholds, window, severity and extra targets', async () => {
    await new MlConfigRepository(store).put('t1', {
      drift: { window: '30m', thresholds: { psi: 100, ks: 0.99, wasserstein: 5 }, severity: 'info', targets: [{ selector: 'latency{instance="b"}' }] },
    });
    const next = at + 1000;
    const r = await handle({ kind: 'tick', tenant: 't1', at: next }, ctx);
    expect(r).toMatchObject({ targets: 2, series: 2, detected: 1 });
    const [message] = await queue.receive('notify', 10, MIN);
    const body = notifyMessageSchema.parse(message!.body);
    if (body.kind !== 'alerts') throw new Error('expected alerts');
    expect(body.alerts.map((a) => [a.labels.instance, a.labels.test, a.labels.severity])).toEqual([['a', 'wasserstein', 'info']]);
  });

  it('skips series with too few samples in either window', async () => {
    await ctx.services.series.write('t1', [{ labels: { __name__: 'latency', job: 'api', instance: 'young' }, t: at + 2000, v: 1 }]);
    const r = await handle({ kind: 'tick', tenant: 't1', at: at + 2000 }, ctx);
    expect(r).toMatchObject({ series: 2, skipped: 1 });
  });
});
