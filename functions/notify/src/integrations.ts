import { alertmanager, type Context } from '@vigil/core';

type NotifyAlert = alertmanager.NotifyAlert;
type AggregationGroup = alertmanager.AggregationGroup;

export interface SendInput {
  group: AggregationGroup;
  alerts: NotifyAlert[];
  now: number;
  ctx: Context;
}

/** One notifier of a receiver (Alertmanager's "integration"), with its own notification log. */
export interface Integration {
  name: string;
  index: number;
  sendResolved: boolean;
  /** Delivers or throws; a throw makes the queue redeliver the flush, then dead-letter it. */
  send(input: SendInput): Promise<{ attempts: number }>;
}

/** In-call retries before the flush message goes back to the queue for its own backoff. */
export const DELIVERY_RETRY = { maxAttempts: 3, baseMs: 500, capMs: 5_000 };
export const DELIVERY_TIMEOUT_MS = 10_000;

export class DeliveryError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'DeliveryError';
  }
}

export function integrationsOf(receiver: alertmanager.ReceiverConfig): Integration[] {
  const out: Integration[] = [];
  (receiver.webhook_configs ?? []).forEach((cfg, index) => {
    out.push({
      name: 'webhook',
      index,
      sendResolved: cfg.send_resolved,
      async send({ group, alerts, now, ctx }) {
        const result = await alertmanager.notifyWebhook(
          ctx.http,
          cfg,
          { receiver: group.receiver, groupKey: group.groupKey, groupLabels: group.groupLabels, alerts, externalURL: `${ctx.settings.externalUrl}/alertmanager`, now },
          { retry: { ...DELIVERY_RETRY, clock: ctx.clock }, timeoutMs: DELIVERY_TIMEOUT_MS },
        );
        if (!result.sent) return { attempts: 0 };
        if (!result.ok) throw new DeliveryError(`webhook delivery failed after ${result.attempts} attempts: ${result.reason}`, result.retryable);
        return { attempts: result.attempts };
      },
    });
  });
  return out;
}
