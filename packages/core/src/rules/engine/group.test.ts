import { isStaleMarker } from '../../promql';
import { parseRuleGroupYaml } from '../load';
import { RuleGroupEngine } from './group';
import { MemorySeries } from './memory';

const MIN = 60_000;

function setup(yaml: string) {
  const store = new MemorySeries();
  const engine = new RuleGroupEngine(parseRuleGroupYaml(yaml), store, store);
  return { store, engine };
}

function series(store: MemorySeries, name: string) {
  return store.all().filter((s) => s.labels.__name__ === name);
}

describe('rule group engine', () => {
  it('writes ALERTS and ALERTS_FOR_STATE while an alert is active, and a stale marker when it ends', async () => {
    const { store, engine } = setup('name: g\nrules:\n- alert: High\n  expr: gauge > 10\n  for: 1m\n');
    store.append({ __name__: 'gauge', i: 'a' }, 0, 20);
    store.append({ __name__: 'gauge', i: 'a' }, MIN, 20);
    store.append({ __name__: 'gauge', i: 'a' }, 2 * MIN, 5);
    for (const ts of [0, MIN, 2 * MIN]) expect(await engine.evaluate(ts)).toEqual([{ name: 'High', kind: 'alert' }]);
    const alerts = series(store, 'ALERTS');
    expect(alerts.map((s) => s.labels.alertstate).sort()).toEqual(['firing', 'pending']);
    const pending = alerts.find((s) => s.labels.alertstate === 'pending')!;
    expect(pending.labels).toEqual({ __name__: 'ALERTS', alertname: 'High', alertstate: 'pending', i: 'a' });
    expect(pending.samples[0]).toEqual({ t: 0, v: 1 });
    // pending → firing at 1m: the pending series goes stale then; the firing one at 2m.
    expect(isStaleMarker(pending.samples[1]!.v)).toBe(true);
    expect(pending.samples[1]!.t).toBe(MIN);
    const firing = alerts.find((s) => s.labels.alertstate === 'firing')!;
    expect(firing.samples[0]).toEqual({ t: MIN, v: 1 });
    expect(isStaleMarker(firing.samples[1]!.v)).toBe(true);
    expect(series(store, 'ALERTS_FOR_STATE')[0]!.samples[0]).toEqual({ t: 0, v: 0 });
    expect(engine.alerts('High').map((a) => a.state)).toEqual(['inactive']);
  });

  it('records with rule labels and lets later rules read the result at the same time', async () => {
    const { store, engine } = setup('name: g\nrules:\n- record: job:x:sum\n  expr: sum by (job) (x)\n  labels: {tier: gold}\n- alert: Big\n  expr: job:x:sum > 3\n');
    store.append({ __name__: 'x', job: 'j', i: '1' }, 0, 2);
    store.append({ __name__: 'x', job: 'j', i: '2' }, 0, 2);
    await engine.evaluate(0);
    expect(series(store, 'job:x:sum')).toEqual([{ labels: { __name__: 'job:x:sum', job: 'j', tier: 'gold' }, samples: [{ t: 0, v: 4 }] }]);
    expect(engine.alerts('Big').map((a) => [a.state, a.labels])).toEqual([['firing', { alertname: 'Big', job: 'j', tier: 'gold' }]]);
  });

  it('shares a subexpression between rules until a rule writes a series it reads', async () => {
    const yaml = [
      'name: g',
      'rules:',
      '- alert: Before',
      '  expr: count({__name__=~"x|y"}) > 0',
      '- record: y',
      '  expr: x * 2',
      '- alert: After',
      '  expr: count({__name__=~"x|y"}) > 0',
      '- alert: Again',
      '  expr: count({__name__=~"x|y"}) > 0',
    ].join('\n');
    const { store, engine } = setup(yaml);
    store.append({ __name__: 'x', i: '1' }, 0, 1);
    await engine.evaluate(0);
    expect(engine.alerts('Before').map((a) => a.value)).toEqual([1]);
    expect(engine.alerts('After').map((a) => a.value)).toEqual([2]);
    expect(engine.alerts('Again').map((a) => a.value)).toEqual([2]);
  });

  it('fails a rule over the group limit and forgets its alerts', async () => {
    const { store, engine } = setup('name: g\nlimit: 1\nrules:\n- alert: Any\n  expr: x\n- record: y\n  expr: x\n');
    store.append({ __name__: 'x', i: '1' }, 0, 1);
    store.append({ __name__: 'x', i: '2' }, 0, 1);
    expect(await engine.evaluate(0)).toEqual([
      { name: 'Any', kind: 'alert', error: 'exceeded limit of 1 with 2 alerts' },
      { name: 'y', kind: 'record', error: 'exceeded limit of 1 with 2 series' },
    ]);
    expect(engine.alerts('Any')).toEqual([]);
  });

  it('refuses a recording rule whose labels make two series the same', async () => {
    const { store, engine } = setup('name: g\nrules:\n- record: y\n  expr: x\n  labels: {i: same}\n');
    store.append({ __name__: 'x', i: '1' }, 0, 1);
    store.append({ __name__: 'x', i: '2' }, 0, 1);
    expect((await engine.evaluate(0))[0]!.error).toBe('vector contains metrics with the same labelset after applying rule labels');
  });
});

describe('ALERTS samples of the evaluate handler', () => {
  const { alertsSeriesSamples } = jest.requireActual('./alerts-series') as typeof import('./alerts-series');
  const alert = (state: 'pending' | 'firing' | 'inactive', fp = 'f1') => ({ rule: 'A', fingerprint: fp, labels: { alertname: 'A', i: fp }, annotations: {}, state, activeAt: 0, value: 1 });
  it('writes 1 for active alerts and a stale marker where a series ended', () => {
    const out = alertsSeriesSamples([alert('pending'), alert('firing', 'f2')], [alert('firing'), alert('inactive', 'f2')], 60_000);
    expect(out.filter((s) => s.v === 1).map((s) => s.labels)).toEqual([{ __name__: 'ALERTS', alertname: 'A', alertstate: 'firing', i: 'f1' }]);
    expect(out.filter((s) => isStaleMarker(s.v)).map((s) => `${s.labels.alertstate}${s.labels.i}`).sort()).toEqual(['firingf2', 'pendingf1']);
  });
});
