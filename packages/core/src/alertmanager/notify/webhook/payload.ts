/**
 * The Alertmanager webhook payload, version 4 (notify/webhook and template.Data in
 * Alertmanager 0.25). Field order and key order match what Alertmanager emits.
 */
import { fingerprint as computeFingerprint } from '../../../model/fingerprint';
import type { Labels } from '../../../model/labels';
import { compareGoStrings } from '../../matchers';
import { formatGoTime, GO_ZERO_TIME, toMillis } from './time';
import { quoteMeta } from '../../template/data';

export interface WebhookAlertInput {
  labels: Labels;
  annotations?: Record<string, string>;
  startsAt: Date | number;
  /** Unset or in the future: the alert is firing. */
  endsAt?: Date | number | null;
  generatorURL?: string;
  /** Computed from the labels when absent. */
  fingerprint?: string;
}

export type AlertStatus = 'firing' | 'resolved';

export interface WebhookAlert {
  status: AlertStatus;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL: string;
  fingerprint: string;
}

export interface WebhookPayload {
  receiver: string;
  status: AlertStatus;
  alerts: WebhookAlert[];
  groupLabels: Record<string, string>;
  commonLabels: Record<string, string>;
  commonAnnotations: Record<string, string>;
  externalURL: string;
  version: '4';
  groupKey: string;
  truncatedAlerts: number;
}

export interface BuildWebhookPayloadInput {
  receiver: string;
  groupKey: string;
  groupLabels: Labels;
  alerts: ReadonlyArray<WebhookAlertInput>;
  externalURL?: string;
  /** `max_alerts`; 0 or absent means all. */
  maxAlerts?: number;
  /** Reference time for firing/resolved, in ms. */
  now: Date | number;
}

/** Go marshals maps with sorted keys; doing the same keeps our JSON byte-identical. */
function sortedObject(o: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(o).sort(compareGoStrings)) out[k] = o[k]!;
  return out;
}

/** Resolved once endsAt is set and not after now (types.Alert.Resolved). */
export function alertStatus(alert: Pick<WebhookAlertInput, 'endsAt'>, now: Date | number): AlertStatus {
  if (alert.endsAt === undefined || alert.endsAt === null) return 'firing';
  const ends = toMillis(alert.endsAt);
  if (ends <= 0) return 'firing'; // the zero time means "no end"
  return ends <= toMillis(now) ? 'resolved' : 'firing';
}

/** Labels (or annotations) with the same value in every entry. */
function common(maps: ReadonlyArray<Record<string, string>>): Record<string, string> {
  const first = maps[0];
  if (!first) return {};
  const out: Record<string, string> = { ...first };
  for (const m of maps.slice(1)) {
    for (const k of Object.keys(out)) if (m[k] !== out[k]) delete out[k];
  }
  return sortedObject(out);
}

/** `max_alerts` truncation: the first N alerts are kept and the rest counted. */
export function truncateAlerts<T>(alerts: ReadonlyArray<T>, maxAlerts = 0): { alerts: T[]; truncated: number } {
  if (maxAlerts > 0 && alerts.length > maxAlerts) return { alerts: alerts.slice(0, maxAlerts), truncated: alerts.length - maxAlerts };
  return { alerts: [...alerts], truncated: 0 };
}

export function buildWebhookPayload(input: BuildWebhookPayloadInput): WebhookPayload {
  // Truncation comes first, so status and common labels describe what is actually sent.
  const { alerts, truncated } = truncateAlerts(input.alerts, input.maxAlerts);
  const out: WebhookAlert[] = alerts.map((a) => {
    const status = alertStatus(a, input.now);
    return {
      status,
      labels: sortedObject(a.labels),
      annotations: sortedObject(a.annotations ?? {}),
      startsAt: formatGoTime(a.startsAt),
      // A firing alert's end is not exposed, whatever its expected end is.
      endsAt: status === 'resolved' && a.endsAt != null ? formatGoTime(a.endsAt) : GO_ZERO_TIME,
      generatorURL: a.generatorURL ?? '',
      fingerprint: a.fingerprint ?? computeFingerprint(a.labels),
    };
  });
  return {
    // Alertmanager's template data quotes the receiver name as a regexp (regexp.QuoteMeta), and
    // the webhook payload is that data.
    receiver: quoteMeta(input.receiver),
    status: out.some((a) => a.status === 'firing') ? 'firing' : 'resolved',
    alerts: out,
    groupLabels: sortedObject(input.groupLabels),
    commonLabels: common(out.map((a) => a.labels)),
    commonAnnotations: common(out.map((a) => a.annotations)),
    externalURL: input.externalURL ?? '',
    version: '4',
    groupKey: input.groupKey,
    truncatedAlerts: truncated,
  };
}
