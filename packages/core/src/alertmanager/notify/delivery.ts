/**
 * What every receiver shares: the notification being sent (template data, group key hash,
 * template rendering), outbound JSON POSTs through the guarded HttpClient with retries, and
 * DeliveryError — a failure that says whether retrying may help, with secrets scrubbed.
 */
import { createHash } from 'node:crypto';
import type { Labels } from '../../model/labels';
import type { HttpClient, HttpResponse } from '../../ports/http';
import { classifyHttpResponse, withRetries, type Outcome, type RetryOptions, type RetryResult } from '../../http/retry';
import { SECRET_PLACEHOLDER } from '../config/secrets';
import { buildTemplateData, type DataAlertInput, type NotificationTemplates, type TemplateData } from '../template';

export const USER_AGENT = 'Vigil (Alertmanager/0.25 compatible)';

/**
 * A delivery that failed. `retryable` false means the same request will fail again (bad
 * credentials, a 4xx, a refused destination, a template error): the queue should not retry it.
 */
export class DeliveryError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly attempts = 0,
  ) {
    super(message);
    this.name = 'DeliveryError';
  }
}

export interface DeliveryOptions {
  retry: RetryOptions;
  /** Per attempt. */
  timeoutMs?: number;
}

export interface NotifyInput {
  receiver: string;
  groupKey: string;
  groupLabels: Labels;
  /** Alerts to send (already filtered for send_resolved). */
  alerts: ReadonlyArray<DataAlertInput>;
  externalURL: string;
  now: number;
  templates: NotificationTemplates;
}

export interface DeliveryResult {
  attempts: number;
}

/** Alertmanager's notify.Key.Hash(): the SHA-256 of the group key, hex — PagerDuty's dedup_key, Opsgenie's alias. */
export function hashGroupKey(groupKey: string): string {
  return createHash('sha256').update(groupKey).digest('hex');
}

/** Alertmanager's notify.TruncateInRunes: at most n characters, the last one an ellipsis when cut. */
export function truncateRunes(s: string, n: number): { text: string; truncated: boolean } {
  const runes = [...s];
  if (runes.length <= n) return { text: s, truncated: false };
  if (n <= 3) return { text: runes.slice(0, n).join(''), truncated: true };
  return { text: runes.slice(0, n - 1).join('') + '…', truncated: true };
}

/** Alertmanager's notify.TruncateInBytes for UTF-8 byte limits. */
export function truncateBytes(s: string, n: number): { text: string; truncated: boolean } {
  if (Buffer.byteLength(s, 'utf8') <= n) return { text: s, truncated: false };
  let out = '';
  let size = 0;
  const limit = n - 3; // room for the ellipsis
  for (const ch of s) {
    const b = Buffer.byteLength(ch, 'utf8');
    if (size + b > limit) break;
    out += ch;
    size += b;
  }
  return { text: out + '…', truncated: true };
}

/** The data and template renderer for one notification. */
export class Notification {
  readonly data: TemplateData;
  readonly keyHash: string;
  constructor(readonly input: NotifyInput) {
    this.data = buildTemplateData(input);
    this.keyHash = hashGroupKey(input.groupKey);
  }

  get firing(): boolean {
    return this.data.Status === 'firing';
  }

  /** Executes a template-valued field; a template error is a permanent failure. */
  render(text: string | undefined, field: string, html = false): string {
    if (text === undefined || text === '') return '';
    try {
      return this.input.templates.execute(text, this.data, { html, name: field });
    } catch (err) {
      throw new DeliveryError(`template ${field}: ${(err as Error).message}`, false);
    }
  }

  renderMap(map: Record<string, string> | undefined, field: string): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(map ?? {})) out[k] = this.render(v, `${field}.${k}`);
    return out;
  }
}

/** Replaces every secret value in a message by `<secret>`, so reasons and logs never carry one. */
export function scrub(message: string, secrets: ReadonlyArray<string | undefined>): string {
  let out = message;
  for (const s of secrets) if (s && s.length >= 4) out = out.split(s).join(SECRET_PLACEHOLDER);
  return out;
}

/** Turns a retry result into a DeliveryResult, or throws DeliveryError with a scrubbed reason. */
export function settle<T>(what: string, result: RetryResult<T>, secrets: ReadonlyArray<string | undefined>): DeliveryResult {
  if (result.ok) return { attempts: result.attempts };
  const reason = scrub(result.reason, secrets);
  throw new DeliveryError(`${what} failed after ${result.attempts} attempt${result.attempts === 1 ? '' : 's'}: ${reason}`, result.retryable, result.attempts);
}

/** POSTs a body through the guarded client, retrying as `classify` (default: 5xx/429 retried) decides. */
export function postWithRetries(
  http: HttpClient,
  url: string,
  body: string,
  headers: Record<string, string>,
  options: DeliveryOptions,
  classify?: (res: HttpResponse, nowMs: number) => Outcome,
): Promise<RetryResult<HttpResponse>> {
  const all = { 'content-type': 'application/json', 'user-agent': USER_AGENT, ...headers };
  return withRetries(() => http.request({ url, method: 'POST', headers: all, body, timeoutMs: options.timeoutMs }), {
    ...options.retry,
    classify: classify ?? classifyHttpResponse,
  });
}

/** Drops keys whose value is undefined or empty, as Go's `omitempty` does. */
export function omitEmpty<T extends Record<string, unknown>>(o: T): Partial<T> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) {
    if (v === undefined || v === '' || (Array.isArray(v) && v.length === 0)) continue;
    if (v !== null && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 0) continue;
    out[k] = v;
  }
  return out as Partial<T>;
}
