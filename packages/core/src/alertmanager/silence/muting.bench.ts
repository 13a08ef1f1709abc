/**
 * What muting costs at flush time: building the inhibitor over a tenant's alerts, building the
 * silencer (cold: every RE2 pattern compiled; warm: compiled matchers reused), and one mute check.
 * Prints figures; asserts nothing.
 *
 *   node --import tsx packages/core/src/alertmanager/silence/muting.bench.ts [alerts] [silences]
 */
import { compileInhibitRules, Inhibitor } from '../inhibit';
import { Silencer } from './silences';
import type { Silence } from './schema';

const ALERTS = Number(process.argv[2] ?? 10_000);
const SILENCES = Number(process.argv[3] ?? 1_000);
const now = Date.parse('2026-03-02T10:00:00Z');

const alerts = Array.from({ length: ALERTS }, (_, i) => ({
  fingerprint: `f${i}`,
  labels: { alertname: `A${i % 50}`, severity: i % 10 === 0 ? 'critical' : 'warning', cluster: `c${i % 100}`, instance: `i${i}` },
  endsAt: now + 60_000,
}));
const rules = compileInhibitRules([
  { source_matchers: ['severity="critical"'], target_matchers: ['severity="warning"'], equal: ['cluster'] },
  { source_matchers: ['alertname=~"A1.*"'], target_matchers: ['alertname="A2"'], equal: ['instance'] },
]);
const silences: Silence[] = Array.from({ length: SILENCES }, (_, i) => ({
  id: `s${i}`,
  matchers: [{ name: 'instance', type: '=~', value: `i${i}|i${i + 1}` }],
  startsAt: now - 1,
  endsAt: now + 3_600_000,
  updatedAt: now,
  createdBy: 'bench',
  comment: 'bench',
}));

const time = <T>(fn: () => T): [T, number] => {
  const t = process.hrtime.bigint();
  const out = fn();
  return [out, Number(process.hrtime.bigint() - t) / 1e6];
};

const [inhibitor, inhibitorMs] = time(() => new Inhibitor(rules, alerts, now));
const [, coldMs] = time(() => new Silencer(silences, now));
const [silencer, warmMs] = time(() => new Silencer(silences, now));
const sample = alerts.slice(0, 1_000);
const [muted, checkMs] = time(() => sample.filter((a) => inhibitor.mutes(a.labels) || silencer.mutes(a.labels)).length);

console.log(`inhibitor over ${ALERTS} alerts, ${rules.length} rules: ${inhibitorMs.toFixed(1)} ms`);
console.log(`silencer of ${SILENCES} regex silences: cold ${coldMs.toFixed(1)} ms, warm ${warmMs.toFixed(1)} ms`);
console.log(`mute check: ${((checkMs * 1000) / sample.length).toFixed(1)} µs per alert (${muted}/${sample.length} muted)`);
