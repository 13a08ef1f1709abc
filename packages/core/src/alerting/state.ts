import { fingerprint, METRIC_NAME, withoutName, type Labels } from '../model';
import { expandTemplate } from '../template';

/**
 * The alert state machine of a Prometheus alerting rule, as a pure function of the
 * previous state, one evaluation's result vector and the evaluation time:
 * inactive → pending → firing → inactive (resolved), with `for` and `keep_firing_for`.
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

export function step(rule: AlertingRuleSpec, previous: AlertRecord[], results: ResultSample[], ts: number): StepResult {
  const active = new Map(previous.map((a) => [a.fingerprint, { ...a }]));
  const before = new Map(previous.map((a) => [a.fingerprint, a]));
  const inResult = new Set<string>();

  for (const sample of results) {
    const { labels, annotations } = alertFromSample(rule, sample);
    const fp = fingerprint(labels);
    if (inResult.has(fp)) throw new AlertRuleError('vector contains metrics with the same labelset after applying alert labels');
    inResult.add(fp);
    const existing = active.get(fp);
    if (existing && existing.state !== 'inactive') {
      existing.value = sample.value;
      existing.annotations = annotations;
      continue;
    }
    active.set(fp, { rule: rule.key, fingerprint: fp, labels, annotations, state: 'pending', activeAt: ts, value: sample.value });
  }

  const removed: string[] = [];
  for (const [fp, a] of active) {
    if (!inResult.has(fp)) {
      let keepFiring = false;
      if (a.state === 'firing' && rule.keepFiringForMs > 0) {
        a.keepFiringSince ??= ts;
        keepFiring = ts - a.keepFiringSince < rule.keepFiringForMs;
      }
      if (a.state === 'pending' || (a.resolvedAt !== undefined && ts - a.resolvedAt > RESOLVED_RETENTION_MS)) {
        active.delete(fp);
        if (before.has(fp)) removed.push(fp);
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
    if (moved || prev.keepFiringSince !== a.keepFiringSince) changed.push(a);
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
