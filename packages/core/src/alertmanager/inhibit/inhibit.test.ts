import { parseAlertmanagerConfig } from '../config';
import { compileInhibitRules, Inhibitor, mayBeInhibited, type InhibitCandidate } from '.';

const NOW = 1_000_000;
let n = 0;
const alert = (labels: Record<string, string>, firing = true): InhibitCandidate => ({ fingerprint: `fp${++n}`, labels, endsAt: firing ? NOW + 60_000 : NOW - 1 });

function rules(yaml: string) {
  return compileInhibitRules(parseAlertmanagerConfig(`route: {receiver: r}\nreceivers: [{name: r}]\ninhibit_rules:\n${yaml}`).inhibit_rules);
}

describe('inhibition (Alertmanager 0.25 semantics)', () => {
  const criticalMutesWarning = rules(`
  - source_matchers: [severity="critical"]
    target_matchers: [severity="warning"]
    equal: [cluster]
`);

  it('mutes a target while a firing source agrees on the equal labels', () => {
    const src = alert({ alertname: 'Down', severity: 'critical', cluster: 'a' });
    const ih = new Inhibitor(criticalMutesWarning, [src], NOW);
    expect(ih.inhibitedBy({ alertname: 'Slow', severity: 'warning', cluster: 'a' })).toEqual([src.fingerprint]);
    expect(ih.mutes({ alertname: 'Slow', severity: 'warning', cluster: 'b' })).toBe(false);
    expect(ih.mutes({ alertname: 'Slow', severity: 'info', cluster: 'a' })).toBe(false);
  });

  it('ignores resolved sources', () => {
    const ih = new Inhibitor(criticalMutesWarning, [alert({ severity: 'critical', cluster: 'a' }, false)], NOW);
    expect(ih.mutes({ severity: 'warning', cluster: 'a' })).toBe(false);
  });

  it('treats a missing equal label as the empty string on both sides', () => {
    const ih = new Inhibitor(criticalMutesWarning, [alert({ severity: 'critical' })], NOW);
    expect(ih.mutes({ severity: 'warning' })).toBe(true);
    expect(ih.mutes({ severity: 'warning', cluster: '' })).toBe(true);
    expect(ih.mutes({ severity: 'warning', cluster: 'a' })).toBe(false);
  });

  it('never lets an alert matching both sides inhibit itself or its twin', () => {
    const both = rules(`
  - source_matchers: [team="db"]
    target_matchers: [team="db"]
`);
    const a = alert({ alertname: 'A', team: 'db' });
    const b = alert({ alertname: 'B', team: 'db' });
    const ih = new Inhibitor(both, [a, b], NOW);
    expect(ih.mutes(a.labels)).toBe(false);
    expect(ih.mutes(b.labels)).toBe(false);
    // A target matching only the target side is muted by them.
    const targetOnly = rules(`
  - source_matchers: [team="db", severity="critical"]
    target_matchers: [team="db"]
`);
    const src = alert({ alertname: 'S', team: 'db', severity: 'critical' });
    const ih2 = new Inhibitor(targetOnly, [src], NOW);
    expect(ih2.mutes({ alertname: 'T', team: 'db', severity: 'warning' })).toBe(true);
    expect(ih2.mutes(src.labels)).toBe(false);
  });

  it('reads legacy source_match / target_match_re (anchored RE2)', () => {
    const legacy = rules(`
  - source_match: {alertname: NodeDown}
    target_match_re: {alertname: 'Disk.*|CPU'}
    equal: [instance]
`);
    const ih = new Inhibitor(legacy, [alert({ alertname: 'NodeDown', instance: 'x' })], NOW);
    expect(ih.mutes({ alertname: 'DiskFull', instance: 'x' })).toBe(true);
    expect(ih.mutes({ alertname: 'CPU', instance: 'x' })).toBe(true);
    expect(ih.mutes({ alertname: 'MyCPU', instance: 'x' })).toBe(false);
  });
});

describe('mayBeInhibited', () => {
  it('tells whether any rule’s target side matches', () => {
    const r = rules(`
  - source_matchers: [severity="critical"]
    target_matchers: [severity=~"warning|info"]
`);
    expect(mayBeInhibited(r, { severity: 'info' })).toBe(true);
    expect(mayBeInhibited(r, { severity: 'critical' })).toBe(false);
    expect(mayBeInhibited([], { severity: 'info' })).toBe(false);
  });
});
