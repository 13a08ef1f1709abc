import { alertmanager, metrics, notifyEmail, type Context } from '@vigil/core';

type NotifyAlert = alertmanager.NotifyAlert;
type AggregationGroup = alertmanager.AggregationGroup;
type GlobalConfig = alertmanager.GlobalConfig;
type Notification = alertmanager.Notification;
type DeliveryOptions = alertmanager.DeliveryOptions;

export interface SendInput {
  group: AggregationGroup;
  alerts: NotifyAlert[];
  now: number;
  ctx: Context;
  /** The tenant whose configuration (global settings, template files) applies; defaults otherwise. */
  tenant?: string;
}

/** One notifier of a receiver (Alertmanager's "integration"), with its own notification log. */
export interface Integration {
  name: string;
  index: number;
  sendResolved: boolean;
  /**
   * Delivers or throws a DeliveryError. `retryable: false` means the same request will fail
   * again (4xx, refused destination, bad template or credentials): the queue should dead-letter
   * the flush at once instead of redelivering it. A throw leaves the notification log unwritten.
   */
  send(input: SendInput): Promise<{ attempts: number }>;
}

/** In-call retries before the flush message goes back to the queue for its own backoff. */
export const DELIVERY_RETRY = { maxAttempts: 3, baseMs: 500, capMs: 5_000 };
/** Default per-attempt timeout. */
export const DELIVERY_TIMEOUT_MS = 10_000;
/** Per-integration timeouts: SMTP sessions take several round trips (greeting, STARTTLS, auth). */
export const DELIVERY_TIMEOUTS_MS: Record<string, number> = {
  webhook: DELIVERY_TIMEOUT_MS,
  slack: DELIVERY_TIMEOUT_MS,
  msteams: DELIVERY_TIMEOUT_MS,
  msteamsv2: DELIVERY_TIMEOUT_MS,
  pagerduty: DELIVERY_TIMEOUT_MS,
  opsgenie: DELIVERY_TIMEOUT_MS,
  email: 30_000,
  sns: DELIVERY_TIMEOUT_MS,
};

export const DeliveryError = alertmanager.DeliveryError;
export type DeliveryError = alertmanager.DeliveryError;

/** Delivery metrics, named after Alertmanager's (alertmanager_notifications_total, ...). */
export const deliveryMetrics = {
  notifications: metrics.counter('vigil_notifications_total', 'Notifications attempted, per integration.'),
  notificationsFailed: metrics.counter('vigil_notifications_failed_total', 'Notifications that failed after their retries, per integration and whether retrying may help.'),
  requests: metrics.counter('vigil_notification_requests_total', 'Requests (attempts) sent to integrations.'),
  requestsFailed: metrics.counter('vigil_notification_requests_failed_total', 'Requests (attempts) to integrations that failed.'),
};

interface Kind<C> {
  /** The receiver field, e.g. `slack_configs`. */
  field: keyof alertmanager.ReceiverConfig;
  name: string;
  defaultSendResolved: boolean;
  resolve(raw: unknown, global: GlobalConfig): C;
  notify(http: Context['http'], cfg: C, n: Notification, options: DeliveryOptions): Promise<alertmanager.DeliveryResult>;
}

const kind = <C>(k: Kind<C>): Kind<unknown> => k as Kind<unknown>;

/** Every receiver kind Vigil delivers to besides webhooks, in Alertmanager's integration order. */
const KINDS: Kind<unknown>[] = [
  kind({ field: 'email_configs', name: 'email', defaultSendResolved: false, resolve: alertmanager.resolveEmailConfig, notify: notifyEmail }),
  kind({ field: 'pagerduty_configs', name: 'pagerduty', defaultSendResolved: true, resolve: alertmanager.resolvePagerdutyConfig, notify: alertmanager.notifyPagerduty }),
  kind({ field: 'opsgenie_configs', name: 'opsgenie', defaultSendResolved: true, resolve: alertmanager.resolveOpsgenieConfig, notify: alertmanager.notifyOpsgenie }),
  kind({ field: 'slack_configs', name: 'slack', defaultSendResolved: false, resolve: alertmanager.resolveSlackConfig, notify: alertmanager.notifySlack }),
  kind({ field: 'sns_configs', name: 'sns', defaultSendResolved: true, resolve: alertmanager.resolveSNSConfig, notify: alertmanager.notifySNS }),
  kind({ field: 'msteams_configs', name: 'msteams', defaultSendResolved: true, resolve: alertmanager.resolveMSTeamsConfig, notify: alertmanager.notifyMSTeams }),
  kind({ field: 'msteamsv2_configs', name: 'msteamsv2', defaultSendResolved: true, resolve: alertmanager.resolveMSTeamsConfig, notify: alertmanager.notifyMSTeams }),
];

const defaultGlobal = (): GlobalConfig => alertmanager.globalSchema.parse({});

/** Counts, logs (never the config: it holds secrets) and rethrows. */
async function instrumented(name: string, receiver: string, ctx: Context, run: () => Promise<{ attempts: number }>): Promise<{ attempts: number }> {
  const labels = { integration: name };
  try {
    const result = await run();
    if (result.attempts === 0) return result; // nothing to send (e.g. only resolved alerts without send_resolved)
    deliveryMetrics.notifications.inc(labels);
    deliveryMetrics.requests.inc(labels, result.attempts);
    if (result.attempts > 1) deliveryMetrics.requestsFailed.inc(labels, result.attempts - 1);
    return result;
  } catch (err) {
    const e = err instanceof alertmanager.DeliveryError ? err : new alertmanager.DeliveryError(`${name}: ${(err as Error).message}`, true);
    deliveryMetrics.notifications.inc(labels);
    deliveryMetrics.requests.inc(labels, e.attempts);
    deliveryMetrics.requestsFailed.inc(labels, e.attempts);
    deliveryMetrics.notificationsFailed.inc({ ...labels, retryable: String(e.retryable) });
    ctx.logger.warn('notification failed', { receiver, integration: name, attempts: e.attempts, retryable: e.retryable, error: e.message });
    throw e;
  }
}

/** Global settings and template files of the tenant, when known. */
async function tenantSetup(ctx: Context, tenant: string | undefined): Promise<{ global: GlobalConfig; templates: alertmanager.template.NotificationTemplates }> {
  if (!tenant) return { global: defaultGlobal(), templates: alertmanager.template.templatesFor({}) };
  const [config, stored] = await Promise.all([ctx.services.alertmanagerConfigs.load(tenant), ctx.services.alertmanagerConfigs.get(tenant)]);
  let templates: alertmanager.template.NotificationTemplates;
  try {
    templates = alertmanager.template.templatesFor(stored?.templateFiles ?? {});
  } catch (err) {
    throw new alertmanager.DeliveryError(`template files: ${(err as Error).message}`, false);
  }
  return { global: config?.global ?? defaultGlobal(), templates };
}

function deliveryOptions(name: string, ctx: Context): DeliveryOptions {
  return { retry: { ...DELIVERY_RETRY, clock: ctx.clock }, timeoutMs: DELIVERY_TIMEOUTS_MS[name] ?? DELIVERY_TIMEOUT_MS };
}

export function integrationsOf(receiver: alertmanager.ReceiverConfig): Integration[] {
  const out: Integration[] = [];
  (receiver.webhook_configs ?? []).forEach((cfg, index) => {
    out.push({
      name: 'webhook',
      index,
      sendResolved: cfg.send_resolved,
      send: ({ group, alerts, now, ctx }) =>
        instrumented('webhook', group.receiver, ctx, async () => {
          const result = await alertmanager.notifyWebhook(
            ctx.http,
            cfg,
            { receiver: group.receiver, groupKey: group.groupKey, groupLabels: group.groupLabels, alerts, externalURL: `${ctx.settings.externalUrl}/alertmanager`, now },
            deliveryOptions('webhook', ctx),
          );
          if (!result.sent) return { attempts: 0 };
          if (!result.ok) throw new alertmanager.DeliveryError(`webhook delivery failed after ${result.attempts} attempts: ${result.reason}`, result.retryable, result.attempts);
          return { attempts: result.attempts };
        }),
    });
  });

  for (const k of KINDS) {
    const list = (receiver[k.field] ?? []) as unknown[];
    list.forEach((raw, index) => {
      const declared = (raw as { send_resolved?: unknown }).send_resolved;
      out.push({
        name: k.name,
        index,
        sendResolved: typeof declared === 'boolean' ? declared : k.defaultSendResolved,
        send: ({ group, alerts, now, ctx, tenant }) =>
          instrumented(k.name, group.receiver, ctx, async () => {
            if (alerts.length === 0) return { attempts: 0 };
            const { global, templates } = await tenantSetup(ctx, tenant);
            let cfg: unknown;
            try {
              cfg = k.resolve(raw, global);
            } catch (err) {
              throw new alertmanager.DeliveryError(`${k.name}: invalid configuration: ${(err as Error).message}`, false);
            }
            const n = new alertmanager.Notification({
              receiver: group.receiver,
              groupKey: group.groupKey,
              groupLabels: group.groupLabels,
              alerts,
              externalURL: `${ctx.settings.externalUrl}/alertmanager`,
              now,
              templates,
            });
            return k.notify(ctx.http, cfg, n, deliveryOptions(k.name, ctx));
          }),
      });
    });
  }
  return out;
}
