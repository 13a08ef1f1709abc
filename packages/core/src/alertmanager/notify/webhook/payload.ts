/**
 * The Alertmanager webhook payload, version 4 (notify/webhook and template.Data in
 * Alertmanager 0.25). Field order and key order match what Alertmanager emits.
 */
import type { Labels } from '../../../model/labels';
import { formatGoTime, GO_ZERO_TIME, toMillis } from './time';
import { buildTemplateData } from '../../template/data';
import type { KV } from '../../template/values';

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

/** Go marshals maps with sorted keys; KV keeps its keys in Go's order, so the JSON is byte-identical. */
function jsonObject(kv: KV): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of kv.keys()) out[k] = kv.map[k]!;
  return out;
}

/** Resolved once endsAt is set and not after now (types.Alert.Resolved). */
export function alertStatus(alert: Pick<WebhookAlertInput, 'endsAt'>, now: Date | number): AlertStatus {
  if (alert.endsAt === undefined || alert.endsAt === null) return 'firing';
  const ends = toMillis(alert.endsAt);
  if (ends <= 0) return 'firing'; // the zero time means "no end"
  return ends <= toMillis(now) ? 'resolved' : 'firing';
}

/** `max_alerts` truncation: the first N alerts are kept and the rest counted. */
export function truncateAlerts<T>(alerts: ReadonlyArray<T>, maxAlerts = 0): { alerts: T[]; truncated: number } {
  if (maxAlerts > 0 && alerts.length > maxAlerts) return { alerts: alerts.slice(0, maxAlerts), truncated: alerts.length - maxAlerts };
  return { alerts: [...alerts], truncated: 0 };
}

/** The payload is Alertmanager's template data marshalled to JSON, plus version, group key and truncation. */
export function buildWebhookPayload(input: BuildWebhookPayloadInput): WebhookPayload {
  // Truncation comes first, so status and common labels describe what is actually sent.
  const { alerts, truncated } = truncateAlerts(input.alerts, input.maxAlerts);
  const data = buildTemplateData({
    receiver: input.receiver,
    groupLabels: input.groupLabels,
    externalURL: input.externalURL ?? '',
    now: toMillis(input.now),
    alerts: alerts.map((a) => ({ ...a, startsAt: toMillis(a.startsAt), endsAt: a.endsAt == null ? undefined : toMillis(a.endsAt) })),
  });
  return {
    receiver: data.Receiver,
    status: data.Status,
    alerts: data.Alerts.map((a) => ({
      status: a.Status,
      labels: jsonObject(a.Labels),
      annotations: jsonObject(a.Annotations),
      startsAt: formatGoTime(a.StartsAt.ms),
      // A firing alert's end is not exposed, whatever its expected end is.
      endsAt: a.EndsAt.IsZero() ? GO_ZERO_TIME : formatGoTime(a.EndsAt.ms),
      generatorURL: a.GeneratorURL,
      fingerprint: a.Fingerprint,
    })),
    groupLabels: jsonObject(data.GroupLabels),
    commonLabels: jsonObject(data.CommonLabels),
    commonAnnotations: jsonObject(data.CommonAnnotations),
    externalURL: data.ExternalURL,
    version: '4',
    groupKey: input.groupKey,
    truncatedAlerts: truncated,
  };
}
