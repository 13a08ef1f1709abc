import { ManualClock } from '../ports';
import { step, type AlertingRuleSpec, type AlertRecord, type ResultSample, type StepOptions } from './state';

const rule = (over: Partial<AlertingRuleSpec> = {}): AlertingRuleSpec => ({
  key: 'HighCPU',
  name: 'HighCPU',
  forMs: 0,
  keepFiringForMs: 0,
  labels: { severity: 'page' },
  annotations: {},
  ...over,
});
const cpu = (value: number, host = 'a'): ResultSample => ({ labels: { __name__: 'cpu', host }, value });

/** Evaluations every minute on a virtual clock; `inputs[i]` is the i-th evaluation's result and options. */
function drive(spec: AlertingRuleSpec, inputs: { result: ResultSample[]; options?: StepOptions }[]) {
  const clock = new ManualClock(0);
  let alerts: AlertRecord[] = [];
  const states: string[] = [];
  const transitions: string[] = [];
  for (const [i, input] of inputs.entries()) {
    const r = step(spec, alerts, input.result, clock.now(), input.options);
    alerts = r.alerts;
    const shown = alerts.filter((a) => a.state !== 'inactive' || a.resolvedAt !== undefined);
    states.push(shown.map((a) => `${a.labels.host ?? '-'}:${a.state}`).join(',') || 'none');
    for (const t of r.transitions) transitions.push(`${i}:${t.from}->${t.to}`);
    clock.advance(60_000);
  }
  return { states, transitions, alerts };
}

const breach = { result: [cpu(95)] };
const quiet = { result: [] };
const noData = { result: [], options: { noData: true } };

describe('M of N datapoints', () => {
  const spec = rule({ datapoints: { toAlert: 2, periods: 3 } });
  it('fires at the evaluation where 2 of the last 3 breached, and resolves when fewer do', () => {
    const { states, transitions } = drive(spec, [breach, quiet, breach, breach, quiet, quiet]);
    expect(states).toEqual(['none', 'none', 'a:firing', 'a:firing', 'a:firing', 'a:inactive']);
    expect(transitions).toEqual(['2:new->firing', '5:firing->inactive']);
  });
  it('does not fire on isolated breaches further apart than N', () => {
    const { states } = drive(spec, [breach, quiet, quiet, breach, quiet, quiet, breach]);
    expect(states.every((s) => s === 'none')).toBe(true);
  });
  it('keeps the history in the alert record, so a restart continues it', () => {
    const first = drive(spec, [breach]);
    expect(first.alerts).toEqual([expect.objectContaining({ state: 'inactive', breaches: 1 })]);
    expect(first.alerts[0]!.resolvedAt).toBeUndefined();
    const second = step(spec, JSON.parse(JSON.stringify(first.alerts)) as AlertRecord[], [cpu(96)], 60_000);
    expect(second.alerts[0]).toMatchObject({ state: 'firing', breaches: 0b11 });
    expect(second.changed).toHaveLength(1);
  });
  it('with `for`, the M-of-N condition must hold for that long', () => {
    const { states } = drive(rule({ forMs: 120_000, datapoints: { toAlert: 2, periods: 3 } }), [breach, breach, breach, quiet, breach, breach]);
    expect(states).toEqual(['none', 'a:pending', 'a:pending', 'a:firing', 'a:firing', 'a:firing']);
  });
  it('an evaluation between scheduled ones revises the newest period instead of opening one', () => {
    const { states } = drive(spec, [breach, { result: [cpu(95)], options: { newPeriod: false } }, { result: [], options: { newPeriod: false } }]);
    expect(states).toEqual(['none', 'none', 'none']);
  });
});

describe('no_data', () => {
  it('default and missing: no data resolves as in Prometheus', () => {
    for (const noDataRule of [rule(), rule({ noData: 'missing' }), rule({ noData: 'notBreaching' })]) {
      expect(drive(noDataRule, [breach, noData]).states).toEqual(['a:firing', 'a:inactive']);
    }
  });
  it('ignore: the evaluation leaves alerts and their clocks as they were', () => {
    const spec = rule({ noData: 'ignore', forMs: 120_000 });
    const { states, transitions } = drive(spec, [breach, noData, noData, breach, quiet]);
    expect(states).toEqual(['a:pending', 'a:pending', 'a:pending', 'a:firing', 'a:inactive']);
    expect(transitions).toEqual(['3:pending->firing', '4:firing->inactive']);
  });
  it('ignore only applies to no data, not to a result that is merely empty', () => {
    expect(drive(rule({ noData: 'ignore' }), [breach, quiet]).states).toEqual(['a:firing', 'a:inactive']);
  });
  it('breaching: existing alerts keep breaching with their own labels', () => {
    const { states, alerts } = drive(rule({ noData: 'breaching' }), [breach, noData, noData]);
    expect(states).toEqual(['a:firing', 'a:firing', 'a:firing']);
    expect(alerts[0]!.labels).toEqual({ alertname: 'HighCPU', host: 'a', severity: 'page' });
  });
  it('breaching: without alerts, one alert with the rule labels fires and resolves when data returns', () => {
    const { states, alerts, transitions } = drive(rule({ noData: 'breaching' }), [noData, quiet]);
    expect(states).toEqual(['-:firing', '-:inactive']);
    expect(alerts[0]!.labels).toEqual({ alertname: 'HighCPU', severity: 'page' });
    expect(transitions).toEqual(['0:new->firing', '1:firing->inactive']);
  });
  it('breaching counts as a breached datapoint for M of N', () => {
    expect(drive(rule({ noData: 'breaching', datapoints: { toAlert: 2, periods: 2 } }), [breach, noData]).states).toEqual(['none', 'a:firing']);
  });
});

describe('keep_firing_while (recovery)', () => {
  it('a firing alert stays firing while its series is in the recovery result, then resolves', () => {
    const spec = rule();
    const recovering = { result: [], options: { recovery: [cpu(75)] } };
    const { states, transitions } = drive(spec, [breach, recovering, recovering, { result: [], options: { recovery: [cpu(60, 'b')] } }]);
    expect(states).toEqual(['a:firing', 'a:firing', 'a:firing', 'a:inactive']);
    expect(transitions).toEqual(['0:new->firing', '3:firing->inactive']);
  });
  it('does not make a new alert fire or hold a pending one', () => {
    const spec = rule({ forMs: 120_000 });
    const { states } = drive(spec, [{ result: [], options: { recovery: [cpu(75)] } }, breach, { result: [], options: { recovery: [cpu(75)] } }]);
    expect(states).toEqual(['none', 'a:pending', 'none']);
  });
});
