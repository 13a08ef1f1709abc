/**
 * Retries with exponential backoff and full jitter (sleep a random time between 0 and
 * min(cap, base·2^(n-1))), on the injected clock so tests run on virtual time.
 *
 * Retried: network errors, timeouts, 5xx and 429 (waiting what Retry-After asks, capped).
 * Not retried: other 4xx, 3xx (redirects are not followed) and refused destinations.
 * The result tells how many attempts were made and why the last one failed, so the caller can
 * dead-letter with a reason.
 */
import type { Clock } from '../ports/clock';
import type { HttpResponse } from '../ports/http';
import { isRetryableError } from './errors';

export interface RetryOptions {
  maxAttempts: number;
  baseMs: number;
  capMs: number;
  clock: Clock;
  /** In [0, 1); Math.random by default. */
  random?: () => number;
  /** Called before each wait, for logs and metrics. */
  onRetry?: (info: { attempt: number; delayMs: number; reason: string }) => void;
}

/** How one attempt went. */
export type Outcome = { kind: 'success' } | { kind: 'retry'; reason: string; retryAfterMs?: number } | { kind: 'fail'; reason: string };

export type RetryResult<T> =
  | { ok: true; value: T; attempts: number }
  | {
      ok: false;
      attempts: number;
      /** Why the last attempt failed. */
      reason: string;
      /** Whether more attempts might have helped (false: a permanent failure). */
      retryable: boolean;
      /** The last value, when the failure was a response rather than a throw. */
      value?: T;
      error?: unknown;
    };

/** Retry-After as seconds or an HTTP date, in ms from now; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, nowMs: number): number | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}

function header(res: HttpResponse, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [k, v] of Object.entries(res.headers)) if (k.toLowerCase() === wanted) return v;
  return undefined;
}

/** The default reading of an HTTP response. */
export function classifyHttpResponse(res: HttpResponse, nowMs: number): Outcome {
  const s = res.status;
  if (s >= 200 && s < 300) return { kind: 'success' };
  const snippet = res.body ? `: ${res.body.slice(0, 200)}` : '';
  if (s === 429 || s >= 500) {
    return { kind: 'retry', reason: `HTTP ${s}${snippet}`, retryAfterMs: parseRetryAfter(header(res, 'retry-after'), nowMs) };
  }
  if (s >= 300 && s < 400) return { kind: 'fail', reason: `HTTP ${s} redirect not followed${header(res, 'location') ? ` (to ${header(res, 'location')})` : ''}` };
  return { kind: 'fail', reason: `HTTP ${s}${snippet}` };
}

/** The wait before attempt `attempt + 1`. */
export function backoffDelay(attempt: number, opts: Pick<RetryOptions, 'baseMs' | 'capMs'>, random: () => number, retryAfterMs?: number): number {
  const ceiling = Math.min(opts.capMs, opts.baseMs * 2 ** (attempt - 1));
  const jittered = Math.floor(random() * ceiling);
  if (retryAfterMs === undefined) return jittered;
  // The server said when; wait at least that, but never longer than the cap.
  return Math.min(opts.capMs, Math.max(jittered, retryAfterMs));
}

function errorReason(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export async function withRetries<T>(
  fn: (attempt: number) => Promise<T>,
  opts: RetryOptions & { classify?: (value: T, nowMs: number) => Outcome },
): Promise<RetryResult<T>> {
  const random = opts.random ?? Math.random;
  const classify = opts.classify ?? ((v: T, now: number) => classifyHttpResponse(v as unknown as HttpResponse, now));
  const maxAttempts = Math.max(1, Math.floor(opts.maxAttempts));
  let last: Extract<RetryResult<T>, { ok: false }> = { ok: false, attempts: 0, reason: 'not attempted', retryable: true };

  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    let retryAfterMs: number | undefined;
    try {
      const value = await fn(attempt);
      const outcome = classify(value, opts.clock.now());
      if (outcome.kind === 'success') return { ok: true, value, attempts: attempt };
      if (outcome.kind === 'fail') return { ok: false, attempts: attempt, reason: outcome.reason, retryable: false, value };
      last = { ok: false, attempts: attempt, reason: outcome.reason, retryable: true, value };
      retryAfterMs = outcome.retryAfterMs;
    } catch (err) {
      if (!isRetryableError(err)) return { ok: false, attempts: attempt, reason: errorReason(err), retryable: false, error: err };
      last = { ok: false, attempts: attempt, reason: errorReason(err), retryable: true, error: err };
    }
    if (attempt < maxAttempts) {
      const delayMs = backoffDelay(attempt, opts, random, retryAfterMs);
      opts.onRetry?.({ attempt, delayMs, reason: last.reason });
      await opts.clock.sleep(delayMs);
    }
  }
  return last;
}
