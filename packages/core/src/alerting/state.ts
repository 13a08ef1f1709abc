import { fingerprint, METRIC_NAME, withoutName, type Labels } from '../model';
import { expandTemplate } from '../template';
import type { NoDataTreatment } from '../rules/schema';

/**
 * The alert state machine of a Prometheus alerting rule, as a pure function of the
 * previous state, one evaluation's result vector and the evaluation time:
 * inactive → pending → firing → inactive (resolved), with `for` and `keep_firing_for`, and
 * Vigil's `keep_firing_while`, `no_data` and M of N (docs/RULES.md).
 * Resolved alerts are kept for RESOLVED_RETENTION_MS so they are reported as resolved.
 */
export type AlertState = 'pending' | 'firing' | 'inactive';

export const RESOLVED_RETENTION_MS = 15 * 60_000;
/** Prometheus resends firing alerts at most this often. */
export const RESEND_DELAY_MS = 60_000;

export interface AlertRecord {
  /** Which rule of the group owns the alert. */
  rule: string;
  fingerprint: string;
  labels: Labels;
  annotations: Labels;
  state: AlertState;
  activeAt: number;
  firedAt?: number;
  resolvedAt?: number;
  keepFiringSince?: number;
  value: number;
  /**
   * With M-of-N (`datapoints_to_alert` of `evaluation_periods`): whether the alert's series
   * breached at each of the last N evaluations, bit 0 the newest. A record that only keeps this
   * history has state `inactive` and no `resolvedAt`; nobody is told about it.
   */
  breaches?: number;
}

export interface AlertingRuleSpec {
  key: string;
  name: string;
  forMs: number;
  keepFiringForMs: number;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  externalLabels?: Record<string, string>;
  /** `$externalURL` in templates. */
  externalURL?: string;
  /** What an evaluation without any data means; absent: as Prometheus (`missing`). */
  noData?: NoDataTreatment;
  /** Fire when `toAlert` of the last `periods` evaluations breached. */
  datapoints?: { toAlert: number; periods: number };
}

export interface StepOptions {
  /**
   * True when the result is empty because every selector of the expression returned nothing in
   * its lookback (not merely because nothing crossed the threshold).
   */
  noData?: boolean;
  /**
   * The result of the rule's `keep_firing_while` expression: a firing alert whose series is in it
   * stays firing although it left the alert expression's result.
   */
  recovery?: ResultSample[];
  /**
   * Whether this evaluation opens a new M-of-N period (scheduled evaluations do); an extra
   * evaluation in between, triggered by fresh data, revises the newest period instead.
   */
  newPeriod?: boolean;
}

export interface ResultSample {
  labels: Labels;
  value: number;
}

export interface StepResult {
  /** Alerts after this evaluation (including resolved ones still retained). */
  alerts: AlertRecord[];
  /** Alerts whose persisted state changed (created, state moved, keep-firing clock set or cleared). */
  changed: AlertRecord[];
  /** Fingerprints of alerts to forget. */
  removed: string[];
  /** Alerts that changed state in a way a receiver must hear about (fired or resolved). */
  transitions: { alert: AlertRecord; from: AlertState | 'new'; to: AlertState }[];
}

export class AlertRuleError extends Error {}

/** Builds the alert's labels and annotations from a result sample, as Prometheus does. */
export function alertFromSample(rule: AlertingRuleSpec, sample: ResultSample): { labels: Labels; annotations: Labels } {
  const base = withoutName(sample.labels);
  // Templates see the sample's own labels, `__name__` included, as in Prometheus.
  const data = { labels: sample.labels, value: sample.value, externalLabels: rule.externalLabels, externalURL: rule.externalURL };
  const labels: Labels = { ...base };
  for (const [k, v] of Object.entries(rule.labels)) {
    const expanded = expandTemplate(v, data);
    // An empty label value means "no label", as in Prometheus.
    if (expanded === '') delete labels[k];
    else labels[k] = expanded;
  }
  labels.alertname = rule.name;
  delete labels[METRIC_NAME];
  const annotations: Labels = {};
  for (const [k, v] of Object.entries(rule.annotations)) annotations[k] = expandTemplate(v, data);
  return { labels, annotations };
}

function popcount(n: number): number {
  let c = 0;
  for (let x = n; x !== 0; x &= x - 1) c++;
  return c;
}

/** Under `no_data: breaching`: every alert of the rule breaches again, or one alert with the rule's labels alone. */
function breachingWithoutData(previous: readonly AlertRecord[]): ResultSample[] {
  const open = previous.filter((a) => a.state !== 'inactive' || a.resolvedAt === undefined);
  if (open.length === 0) return [{ labels: {}, value: NaN }];
  return open.map((a) => ({ labels: a.labels, value: a.value }));
}

export function step(rule: AlertingRuleSpec, previous: AlertRecord[], results: ResultSample[], ts: number, options: StepOptions = {}): StepResult {
  const noData = options.noData === true && results.length === 0;
  if (noData && rule.noData === 'ignore') {
    // The evaluation does not count: alerts, their clocks and their M-of-N history stay as they were.
    return { alerts: previous.map((a) => ({ ...a })), changed: [], removed: [], transitions: [] };
  }
  const samples = noData && rule.noData === 'breaching' ? breachingWithoutData(previous) : results;
  const active = new Map(previous.map((a) => [a.fingerprint, { ...a }]));
  const before = new Map(previous.map((a) => [a.fingerprint, a]));

  const fresh = new Map<string, { labels: Labels; annotations: Labels; value: number }>();
  for (const sample of samples) {
    const { labels, annotations } = alertFromSample(rule, sample);
    const fp = fingerprint(labels);
    if (fresh.has(fp)) throw new AlertRuleError('vector contains metrics with the same labelset after applying alert labels');
    fresh.set(fp, { labels, annotations, value: sample.value });
  }

  // Which alerts hold this evaluation: those in the result, or with M-of-N those whose series
  // breached in at least M of the last N evaluations.
  const held = new Set<string>();
  const masks = new Map<string, number>();
  const m = rule.datapoints;
  if (!m) for (const fp of fresh.keys()) held.add(fp);
  else {
    const full = 2 ** m.periods - 1;
    for (const fp of new Set([...fresh.keys(), ...active.keys()])) {
      const old = active.get(fp)?.breaches ?? 0;
      const bit = fresh.has(fp) ? 1 : 0;
      const mask = options.newPeriod === false ? (old & ~1) | bit : ((old * 2) & full) | bit;
      masks.set(fp, mask);
      if (popcount(mask) >= m.toAlert) held.add(fp);
    }
  }

  for (const [fp, f] of fresh) {
    const existing = active.get(fp);
    if (existing) {
      existing.value = f.value;
      existing.annotations = f.annotations;
      if (existing.state !== 'inactive' || !held.has(fp)) continue;
    }
    // A new alert; with M-of-N one that does not hold yet only records its history.
    const state: AlertState = held.has(fp) ? 'pending' : 'inactive';
    active.set(fp, { rule: rule.key, fingerprint: fp, labels: f.labels, annotations: f.annotations, state, activeAt: ts, value: f.value });
  }
  for (const fp of held) {
    const a = active.get(fp);
    // Held by its history though missing from this result (M-of-N): a resolved or observed record starts a new alert.
    if (a && a.state === 'inactive' && !fresh.has(fp)) active.set(fp, { rule: rule.key, fingerprint: fp, labels: a.labels, annotations: a.annotations, state: 'pending', activeAt: ts, value: a.value });
  }
  for (const [fp, mask] of masks) {
    const a = active.get(fp);
    if (a) a.breaches = mask;
  }

  const recovering = new Set<string>();
  for (const sample of options.recovery ?? []) recovering.add(fingerprint(alertFromSample(rule, sample).labels));

  const removed: string[] = [];
  for (const [fp, a] of active) {
    if (!held.has(fp)) {
      const history = (a.breaches ?? 0) !== 0;
      let keepFiring = false;
      if (a.state === 'firing' && recovering.has(fp)) {
        keepFiring = true;
      } else if (a.state === 'firing' && rule.keepFiringForMs > 0) {
        a.keepFiringSince ??= ts;
        keepFiring = ts - a.keepFiringSince < rule.keepFiringForMs;
      }
      const expired = a.resolvedAt !== undefined && ts - a.resolvedAt > RESOLVED_RETENTION_MS;
      const observing = a.state === 'inactive' && a.resolvedAt === undefined;
      if ((a.state === 'pending' || expired || observing) && !history) {
        active.delete(fp);
        if (before.has(fp)) removed.push(fp);
        continue;
      }
      if (a.state === 'pending' || expired) {
        // Only the M-of-N history is left to keep.
        a.state = 'inactive';
        delete a.resolvedAt;
        delete a.firedAt;
        continue;
      }
      if (a.state !== 'inactive' && !keepFiring) {
        a.state = 'inactive';
        a.resolvedAt = ts;
      }
      continue;
    }
    delete a.keepFiringSince;
    if (a.state === 'pending' && ts - a.activeAt >= rule.forMs) {
      a.state = 'firing';
      a.firedAt = ts;
    }
  }

  const alerts = [...active.values()];
  const changed: AlertRecord[] = [];
  const transitions: StepResult['transitions'] = [];
  for (const a of alerts) {
    const prev = before.get(a.fingerprint);
    const moved = !prev || prev.state !== a.state || prev.activeAt !== a.activeAt;
    if (moved || prev.keepFiringSince !== a.keepFiringSince || prev.breaches !== a.breaches || prev.resolvedAt !== a.resolvedAt) changed.push(a);
    if (moved && (a.state === 'firing' || (a.state === 'inactive' && prev?.state === 'firing'))) {
      transitions.push({ alert: a, from: prev && prev.activeAt === a.activeAt ? prev.state : 'new', to: a.state });
    }
  }
  return { alerts, changed, removed, transitions };
}

/** The alerts a receiver should currently know of: firing ones and recently resolved ones. */
export function notifiable(alerts: AlertRecord[]): AlertRecord[] {
  return alerts.filter((a) => a.state === 'firing' || (a.state === 'inactive' && a.resolvedAt !== undefined));
}

/** endsAt as Prometheus sends it: a firing alert stays valid for 4 × max(interval, resend delay). */
export function alertEndsAt(a: AlertRecord, ts: number, intervalMs: number): number {
  if (a.state === 'inactive' && a.resolvedAt !== undefined) return a.resolvedAt;
  return ts + 4 * Math.max(intervalMs, RESEND_DELAY_MS);
}
