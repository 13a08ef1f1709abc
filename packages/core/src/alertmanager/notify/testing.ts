/** Fixtures shared by the receiver tests: a two-alert group, loopback clients, retry settings. */
import { ManualClock } from '../../ports/clock';
import { createHttpClient } from '../../http/client';
import { OutboundPolicy } from '../../http/ssrf';
import { parseAlertmanagerConfig, type AlertmanagerConfig } from '../config';
import { templatesFor } from '../template';
import { Notification, type DeliveryOptions } from './delivery';

export const NOW = Date.parse('2024-05-01T12:00:00Z');
export const GROUP_KEY = '{}/{severity="page"}:{alertname="HighLatency"}';

export const FIRING = {
  labels: { alertname: 'HighLatency', job: 'api', instance: 'a', severity: 'page' },
  annotations: { summary: 'p99 high', runbook: 'r1' },
  startsAt: Date.parse('2024-05-01T11:50:00Z'),
  endsAt: NOW + 300_000,
  generatorURL: 'http://prom/graph?g0.expr=x',
};
export const RESOLVED = {
  labels: { alertname: 'HighLatency', job: 'api', instance: 'b', severity: 'page' },
  annotations: { summary: 'p99 high', runbook: 'r2' },
  startsAt: NOW - 3_600_000,
  endsAt: NOW - 1000,
};

export function notification(alerts = [FIRING, RESOLVED], files: Record<string, string> = {}): Notification {
  return new Notification({
    receiver: 'team',
    groupKey: GROUP_KEY,
    groupLabels: { alertname: 'HighLatency' },
    alerts,
    externalURL: 'http://vigil.example/alertmanager',
    now: NOW,
    templates: templatesFor(files),
  });
}

export const loopbackClient = () => createHttpClient({ policy: OutboundPolicy.fromEnv('127.0.0.1/32') });
export const strictClient = () => createHttpClient({ policy: OutboundPolicy.fromEnv('') });

export function options(clock = new ManualClock(NOW), extra: Partial<DeliveryOptions> = {}): DeliveryOptions {
  return { retry: { maxAttempts: 3, baseMs: 100, capMs: 1000, clock, random: () => 0.5 }, timeoutMs: 5_000, ...extra };
}

/** A configuration with one receiver `r` holding the given YAML (indented under it). */
export function receiverFrom(yaml: string, global = ''): { config: AlertmanagerConfig; receiver: Record<string, unknown> } {
  const config = parseAlertmanagerConfig(`${global ? `global:\n${global}\n` : ''}route: { receiver: r }\nreceivers:\n  - name: r\n${yaml}`);
  return { config, receiver: config.receivers[0] as unknown as Record<string, unknown> };
}
