import { http, type Clock } from '@vigil/core';

export interface RemainingRetryOptions {
  maxAttempts: number;
  baseMs: number;
  capMs: number;
  clock: Clock;
  random: () => number;
  /** What is being retried, for the final error. */
  what: string;
}

type Attempt = { left: number; reason: string } | { error: unknown };

/**
 * Repeats `attempt` while it reports work left over (a batch's unprocessed items or failed
 * entries), with exponential backoff and full jitter. A thrown error is not retried here: the
 * SDK has already retried the request itself, and stacking a second loop on top would
 * multiply the attempts.
 */
export async function retryRemaining(attempt: () => Promise<{ left: number; reason: string }>, options: RemainingRetryOptions): Promise<void> {
  const result = await http.withRetries<Attempt>(
    async () => {
      try {
        return await attempt();
      } catch (error) {
        return { error };
      }
    },
    {
      maxAttempts: options.maxAttempts,
      baseMs: options.baseMs,
      capMs: options.capMs,
      clock: options.clock,
      random: options.random,
      classify: (r) => ('error' in r ? { kind: 'fail', reason: String(r.error) } : r.left === 0 ? { kind: 'success' } : { kind: 'retry', reason: r.reason }),
    },
  );
  if (result.ok) return;
  if (result.value && 'error' in result.value) throw result.value.error;
  throw new Error(`${options.what}: ${result.reason} after ${result.attempts} attempts`);
}
