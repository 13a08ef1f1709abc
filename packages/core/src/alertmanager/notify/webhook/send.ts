/**
 * Delivers a webhook payload: POST JSON to the configured URL with the configured credentials,
 * through the guarded HttpClient, retrying as the delivery helper decides.
 */
import type { HttpClient, HttpResponse } from '../../../ports/http';
import { OutboundRefusedError } from '../../../http/errors';
import { withRetries, type RetryOptions, type RetryResult } from '../../../http/retry';
import type { HttpConfig } from '../../config/http-config';
import type { WebhookConfig } from '../../config/schema';
import { alertStatus, buildWebhookPayload, type BuildWebhookPayloadInput, type WebhookPayload } from './payload';

export const WEBHOOK_USER_AGENT = 'Vigil (Alertmanager/0.25 compatible)';

export interface SendOptions {
  retry: RetryOptions;
  /** Per attempt; the client's default when absent. */
  timeoutMs?: number;
}

/** The Authorization header http_config asks for; throws for settings we cannot honour safely. */
export function authorizationHeader(cfg: HttpConfig | undefined): string | undefined {
  if (!cfg) return undefined;
  if (cfg.proxy_url || cfg.proxy_from_environment) {
    // Sending direct when a proxy was asked for would surprise the operator; the proxy is one
    // more outbound URL to guard, so refuse until it is supported.
    throw new OutboundRefusedError('http_config proxy settings are not supported for webhooks');
  }
  if (cfg.oauth2) {
    // A token endpoint is one more outbound URL to guard; not supported yet, so refuse plainly.
    throw new OutboundRefusedError('http_config.oauth2 is not supported for webhooks');
  }
  if (cfg.basic_auth) {
    const token = Buffer.from(`${cfg.basic_auth.username ?? ''}:${cfg.basic_auth.password ?? ''}`, 'utf8').toString('base64');
    return `Basic ${token}`;
  }
  if (cfg.authorization?.credentials) return `${cfg.authorization.type} ${cfg.authorization.credentials}`;
  if (cfg.bearer_token) return `Bearer ${cfg.bearer_token}`;
  return undefined;
}

export async function sendWebhook(http: HttpClient, cfg: Pick<WebhookConfig, 'url' | 'http_config'>, payload: WebhookPayload, options: SendOptions): Promise<RetryResult<HttpResponse>> {
  let auth: string | undefined;
  try {
    auth = authorizationHeader(cfg.http_config);
  } catch (err) {
    return { ok: false, attempts: 0, reason: (err as Error).message, retryable: false, error: err };
  }
  const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': WEBHOOK_USER_AGENT };
  if (auth) headers.authorization = auth;
  const body = JSON.stringify(payload);
  return withRetries(() => http.request({ url: cfg.url, method: 'POST', headers, body, timeoutMs: options.timeoutMs }), options.retry);
}

export type NotifyWebhookResult = { sent: false; reason: string } | (RetryResult<HttpResponse> & { sent: true; payload: WebhookPayload });

/**
 * The whole webhook step for one group flush: drop resolved alerts when `send_resolved` is off
 * (sending nothing if nothing is left), truncate to `max_alerts`, build, and deliver.
 */
export async function notifyWebhook(
  http: HttpClient,
  cfg: WebhookConfig,
  input: Omit<BuildWebhookPayloadInput, 'maxAlerts'>,
  options: SendOptions,
): Promise<NotifyWebhookResult> {
  const alerts = cfg.send_resolved ? input.alerts : input.alerts.filter((a) => alertStatus(a, input.now) === 'firing');
  if (alerts.length === 0) return { sent: false, reason: 'no alerts to send' };
  const payload = buildWebhookPayload({ ...input, alerts, maxAlerts: cfg.max_alerts });
  const result = await sendWebhook(http, cfg, payload, options);
  return { ...result, sent: true, payload };
}
