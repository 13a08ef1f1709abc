import { ManualClock } from '../ports';
import { step, type AlertRecord, type AlertingRuleSpec, RESOLVED_RETENTION_MS, alertEndsAt } from './state';

const rule = (over: Partial<AlertingRuleSpec> = {}): AlertingRuleSpec => ({
  key: 'HighCPU#0',
  name: 'HighCPU',
  forMs: 60_000,
  keepFiringForMs: 0,
  labels: { severity: 'page' },
  annotations: { summary: '{{ $labels.host }} at {{ $value }}' },
  ...over,
});
const sample = (value = 95, host = 'a') => ({ labels: { __name__: 'cpu', host }, value });

/** Drives the state machine through evaluations every `interval` on a virtual clock. */
function run(spec: AlertingRuleSpec, present: (t: number) => boolean, evals: number, interval = 15_000) {
  const clock = new ManualClock(1_000_000);
  let alerts: AlertRecord[] = [];
  const log: { t: number; state: string | undefined; transitions: string[] }[] = [];
  for (let i = 0; i < evals; i++) {
    const t = clock.now();
    const r = step(spec, alerts, present(t - 1_000_000) ? [sample()] : [], t);
    alerts = r.alerts;
    log.push({ t: t - 1_000_000, state: alerts[0]?.state, transitions: r.transitions.map((x) => `${x.from}->${x.to}`) });
    clock.advance(interval);
  }
  return log;
}

describe('alert state machine', () => {
  it('goes pending, then firing exactly when `for` has elapsed', () => {
    const log = run(rule(), () => true, 6);
    expect(log.map((l) => l.state)).toEqual(['pending', 'pending', 'pending', 'pending', 'firing', 'firing']);
    expect(log[4]).toEqual({ t: 60_000, state: 'firing', transitions: ['pending->firing'] });
    expect(log[5]!.transitions).toEqual([]);
  });

  it('fires in the first evaluation with for: 0', () => {
    const log = run(rule({ forMs: 0 }), () => true, 2);
    expect(log[0]).toEqual({ t: 0, state: 'firing', transitions: ['new->firing'] });
  });

  it('drops a pending alert without a resolved notification when the condition clears before `for`', () => {
    const log = run(rule(), (t) => t < 45_000, 5);
    expect(log.map((l) => l.state)).toEqual(['pending', 'pending', 'pending', undefined, undefined]);
    expect(log.flatMap((l) => l.transitions)).toEqual([]);
  });

  it('resolves once the condition clears and keeps the resolved alert for the retention period', () => {
    const spec = rule({ forMs: 0 });
    let alerts = step(spec, [], [sample()], 0).alerts;
    const r = step(spec, alerts, [], 15_000);
    expect(r.transitions.map((x) => `${x.from}->${x.to}`)).toEqual(['firing->inactive']);
    alerts = r.alerts;
    expect(alerts[0]).toMatchObject({ state: 'inactive', resolvedAt: 15_000 });
    expect(alertEndsAt(alerts[0]!, 20_000, 15_000)).toBe(15_000);
    // Still retained right at the edge, forgotten just after it.
    expect(step(spec, alerts, [], 15_000 + RESOLVED_RETENTION_MS).alerts).toHaveLength(1);
    const gone = step(spec, alerts, [], 15_000 + RESOLVED_RETENTION_MS + 1);
    expect(gone.alerts).toHaveLength(0);
    expect(gone.removed).toEqual([alerts[0]!.fingerprint]);
  });

  it('starts a new pending alert when a resolved one comes back', () => {
    const spec = rule({ forMs: 30_000 });
    let alerts = step(spec, [], [sample()], 0).alerts;
    alerts = step(spec, alerts, [sample()], 30_000).alerts;
    alerts = step(spec, alerts, [], 45_000).alerts;
    const back = step(spec, alerts, [sample()], 60_000);
    expect(back.alerts[0]).toMatchObject({ state: 'pending', activeAt: 60_000 });
    expect(back.changed).toHaveLength(1);
  });

  describe('keep_firing_for', () => {
    const spec = rule({ forMs: 0, keepFiringForMs: 30_000 });
    it('keeps firing while less than keep_firing_for has passed since the condition cleared', () => {
      let alerts = step(spec, [], [sample()], 0).alerts;
      let r = step(spec, alerts, [], 15_000);
      expect(r.alerts[0]).toMatchObject({ state: 'firing', keepFiringSince: 15_000 });
      expect(r.changed).toHaveLength(1);
      alerts = r.alerts;
      r = step(spec, alerts, [], 44_999);
      expect(r.alerts[0]!.state).toBe('firing');
      expect(r.changed).toHaveLength(0);
      r = step(spec, r.alerts, [], 45_000);
      expect(r.alerts[0]).toMatchObject({ state: 'inactive', resolvedAt: 45_000 });
      expect(r.transitions).toHaveLength(1);
    });
    it('clears the keep-firing clock when the condition returns', () => {
      let alerts = step(spec, [], [sample()], 0).alerts;
      alerts = step(spec, alerts, [], 15_000).alerts;
      const r = step(spec, alerts, [sample()], 30_000);
      expect(r.alerts[0]!.keepFiringSince).toBeUndefined();
      expect(r.alerts[0]!.state).toBe('firing');
      expect(r.transitions).toHaveLength(0);
      expect(r.changed).toHaveLength(1);
      // And the full period applies again from the next clearing.
      const later = step(spec, r.alerts, [], 45_000);
      expect(step(spec, later.alerts, [], 74_999).alerts[0]!.state).toBe('firing');
    });
    it('does not apply to pending alerts', () => {
      const s = rule({ forMs: 60_000, keepFiringForMs: 30_000 });
      const alerts = step(s, [], [sample()], 0).alerts;
      expect(step(s, alerts, [], 15_000).alerts).toHaveLength(0);
    });
  });

  it('templates labels and annotations and keeps alerts per label set', () => {
    const r = step(rule({ forMs: 0 }), [], [sample(91, 'a'), sample(97, 'b')], 0);
    expect(r.alerts.map((a) => a.labels)).toEqual([
      { host: 'a', severity: 'page', alertname: 'HighCPU' },
      { host: 'b', severity: 'page', alertname: 'HighCPU' },
    ]);
    expect(r.alerts[1]!.annotations.summary).toBe('b at 97');
    expect(r.alerts[0]!.fingerprint).not.toBe(r.alerts[1]!.fingerprint);
  });

  it('rejects results that collide after the alert labels are applied', () => {
    const collide = [
      { labels: { __name__: 'a', host: 'x' }, value: 1 },
      { labels: { __name__: 'b', host: 'x' }, value: 2 },
    ];
    expect(() => step(rule(), [], collide, 0)).toThrow(/same labelset/);
  });

  it('does not mutate the previous state', () => {
    const prev = step(rule({ forMs: 0 }), [], [sample()], 0).alerts;
    const snapshot = JSON.stringify(prev);
    step(rule({ forMs: 0 }), prev, [], 15_000);
    expect(JSON.stringify(prev)).toBe(snapshot);
  });
});
