import type { AlertRecord } from '../../alerting/state';
import { METRIC_NAME } from '../../model';
import { STALE_NAN } from '../../promql';
import type { AppendSample } from './memory';
import { ALERT_STATE_LABEL, ALERTS_FOR_STATE_METRIC, ALERTS_METRIC } from './group';

const active = (a: AlertRecord) => a.state === 'pending' || a.state === 'firing';
const series = (a: AlertRecord, state: string) => ({ ...a.labels, [METRIC_NAME]: ALERTS_METRIC, [ALERT_STATE_LABEL]: state });

/**
 * The `ALERTS` samples one group evaluation writes, as Prometheus does: 1 for every pending and
 * firing alert, and a staleness marker for every series that was active before and is not now
 * (an alert resolved, or moved from pending to firing), so `ALERTS` ends at once.
 */
export function alertsSeriesSamples(before: readonly AlertRecord[], after: readonly AlertRecord[], ts: number): AppendSample[] {
  const now = new Set(after.filter(active).map((a) => `${a.fingerprint}\u0000${a.state}`));
  const out: AppendSample[] = after.filter(active).map((a) => ({ labels: series(a, a.state), t: ts, v: 1 }));
  for (const a of before.filter(active)) {
    if (!now.has(`${a.fingerprint}\u0000${a.state}`)) out.push({ labels: series(a, a.state), t: ts, v: STALE_NAN });
  }
  return out;
}

/**
 * `ALERTS_FOR_STATE{<alert labels>}` = the alert's activeAt in seconds, for every pending and
 * firing alert, and a staleness marker when an alert stops being active, as Prometheus writes it.
 * Vigil restores alert state from the store, not from this series; it is there for queries and
 * dashboards that read it.
 */
export function alertsForStateSamples(before: readonly AlertRecord[], after: readonly AlertRecord[], ts: number): AppendSample[] {
  const forState = (a: AlertRecord) => ({ ...a.labels, [METRIC_NAME]: ALERTS_FOR_STATE_METRIC });
  const now = new Set(after.filter(active).map((a) => a.fingerprint));
  const out: AppendSample[] = after.filter(active).map((a) => ({ labels: forState(a), t: ts, v: Math.floor(a.activeAt / 1000) }));
  for (const a of before.filter(active)) if (!now.has(a.fingerprint)) out.push({ labels: forState(a), t: ts, v: STALE_NAN });
  return out;
}

/** Both series Prometheus writes for alert state: `ALERTS` and `ALERTS_FOR_STATE`. */
export function alertStateSeriesSamples(before: readonly AlertRecord[], after: readonly AlertRecord[], ts: number): AppendSample[] {
  return [...alertsSeriesSamples(before, after, ts), ...alertsForStateSamples(before, after, ts)];
}
