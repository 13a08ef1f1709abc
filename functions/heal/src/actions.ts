import { alertmanager, fingerprint, heal, http, type Context } from '@vigil/core';

type Execution = heal.Execution;
type RunbookAction = heal.RunbookAction;
const { KV, GoTime, buildTemplateData, templatesFor } = alertmanager.template;

/** Rendered URLs longer than this are refused (servers refuse them too, less clearly). */
export const MAX_URL_CHARS = 8192;
/** A dry run keeps this much of each rendered body: enough to review, small enough to store. */
export const MAX_PLANNED_BODY_CHARS = 4096;

/** Backoff between attempts of one action: full jitter on the injected clock. */
export const ACTION_BACKOFF = { baseMs: 1_000, capMs: 30_000 };

/**
 * What action templates see: Alertmanager's notification data for the one alert (so
 * `{{ template "..." . }}` and `.CommonLabels` work as in receivers), plus the alert's own
 * fields at the top (`.Labels.instance`, `.Annotations`, `.StartsAt`, `.Fingerprint`) and the
 * execution's identity (`.ExecutionID`, `.Runbook`).
 */
export function templateData(execution: Execution, externalURL: string, now: number): unknown {
  const { alert } = execution;
  const data = buildTemplateData({ receiver: execution.runbook, groupLabels: {}, alerts: [alert], externalURL, now });
  return {
    ...data,
    Labels: new KV(alert.labels),
    Annotations: new KV(alert.annotations),
    StartsAt: new GoTime(alert.startsAt),
    GeneratorURL: alert.generatorURL,
    Fingerprint: execution.fingerprint || fingerprint(alert.labels),
    ExecutionID: execution.id,
    Runbook: execution.runbook,
  };
}

export interface RenderedRequest {
  name: string;
  method: NonNullable<RunbookAction['method']>;
  url: string;
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
}

export function actionName(action: RunbookAction): string {
  return action.name ?? `${action.method} ${action.url}`;
}

/** Renders an action's URL and body templates; throws the template's error (with its position). */
export function render(action: RunbookAction, data: unknown, idempotencyKey: string): RenderedRequest {
  const templates = templatesFor();
  const url = templates.execute(action.url, data, { name: 'url' }).trim();
  if (url.length > MAX_URL_CHARS) throw new Error(`rendered URL is longer than ${MAX_URL_CHARS} characters`);
  const body = action.body === undefined ? undefined : templates.execute(action.body, data, { name: 'body' });
  const headers: Record<string, string> = { 'idempotency-key': idempotencyKey, ...action.headers };
  if (body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json';
  return { name: actionName(action), method: action.method, url, headers, body, timeoutMs: action.timeout };
}

/** A planned request as a dry run records it: header values never leave the store unredacted. */
export function plan(phase: 'action' | 'rollback', index: number, action: RunbookAction, data: unknown, idempotencyKey: string): heal.PlannedRequest {
  try {
    const r = render(action, data, idempotencyKey);
    const headers = Object.fromEntries(Object.keys(r.headers).map((k) => [k, k === 'idempotency-key' || k === 'content-type' ? r.headers[k]! : alertmanager.SECRET_PLACEHOLDER]));
    const body = r.body === undefined ? {} : { body: r.body.length > MAX_PLANNED_BODY_CHARS ? `${r.body.slice(0, MAX_PLANNED_BODY_CHARS)}…(${r.body.length} characters)` : r.body };
    return { phase, index, name: r.name, method: r.method, url: r.url, headers, ...body };
  } catch (err) {
    return { phase, index, name: actionName(action), method: action.method, error: (err as Error).message };
  }
}

/**
 * Runs one action through the SSRF-guarded client with retries. A refused destination (a
 * private address the outbound policy does not allow), a 4xx or a redirect fails at once;
 * network errors, timeouts, 5xx and 429 are retried up to the action's max_attempts.
 */
export async function runAction(ctx: Context, index: number, action: RunbookAction, data: unknown, idempotencyKey: string): Promise<heal.StepOutcome> {
  let request: RenderedRequest;
  try {
    request = render(action, data, idempotencyKey);
  } catch (err) {
    return { index, name: actionName(action), ok: false, attempts: 0, error: `template: ${(err as Error).message}`, at: ctx.clock.now() };
  }
  const result = await http.withRetries(
    () => ctx.http.request({ url: request.url, method: request.method, headers: request.headers, body: request.body, timeoutMs: request.timeoutMs }),
    { maxAttempts: action.max_attempts, ...ACTION_BACKOFF, clock: ctx.clock },
  );
  const outcome: heal.StepOutcome = { index, name: request.name, ok: result.ok, attempts: result.attempts, at: ctx.clock.now() };
  if (result.value) outcome.httpStatus = result.value.status;
  if (!result.ok) outcome.error = result.reason;
  return outcome;
}
