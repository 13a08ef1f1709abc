import { ConditionFailedError, type Clock, type Logger, type StateStore } from '@vigil/core';

interface Claim {
  state: 'running' | 'done';
  /** When the message that made the claim was sent (dedup-key claims). */
  sentAt?: number;
}

/** Sends under one dedup key within this window count as one message (SQS FIFO's interval, the local queue's default). */
export const DEDUP_WINDOW_MS = 5 * 60_000;

export interface RunOptions {
  /**
   * Send time of a message keyed by its sender's dedup key: a later send under the same key
   * counts as a duplicate only within DEDUP_WINDOW_MS of the send that was handled, as a FIFO
   * queue would drop it (a timer re-sent under its key much later must run).
   */
  sentAt?: number;
}

export interface IdempotencyOptions {
  /** How long a finished message is remembered (SQS retention is at most 14 days). Default 24 h. */
  keepMs?: number;
}

/**
 * At most one effect per queue message, on top of at-least-once delivery: a conditional
 * create claims the message's key before the handler runs and the claim turns into a "done"
 * record after it succeeds. A duplicate delivery (standard SQS queues deliver some messages
 * twice; a producer retry sends one twice under the same dedup key) finds the record and is
 * acknowledged without running again.
 *
 * A message with a dedup key is keyed by it, and sends under one key count as one message
 * within DEDUP_WINDOW_MS of each other (by their SentTimestamp); others by MessageId.
 *
 * A claim lives only as long as the invocation holding it can (its remaining time), so a
 * crashed invocation's message is handled again on redelivery; a handler that fails releases
 * its claim at once. Items: pk `idem#{scope}#{key}`, sk `m`, with TTL.
 */
export class IdempotencyGuard {
  private readonly keepMs: number;

  constructor(
    private readonly store: StateStore,
    private readonly clock: Clock,
    private readonly logger: Logger,
    options: IdempotencyOptions = {},
  ) {
    this.keepMs = options.keepMs ?? 24 * 3_600_000;
  }

  /** Runs `fn` unless the key was already handled; resolves to whether it ran. */
  async run(scope: string, key: string, leaseMs: number, fn: () => Promise<unknown>, options: RunOptions = {}): Promise<boolean> {
    const pk = `idem#${scope}#${key}`;
    const claim: Claim = options.sentAt === undefined ? { state: 'running' } : { state: 'running', sentAt: options.sentAt };
    const leaseUntil = this.clock.now() + Math.max(1000, leaseMs);
    let version: number;
    try {
      version = (await this.store.put(pk, 'm', claim as never, { ifVersion: 0, expiresAt: leaseUntil })).version;
    } catch (err) {
      if (!(err instanceof ConditionFailedError)) throw err;
      const existing = await this.store.get<Claim>(pk, 'm');
      if (!existing) throw new Error(`claim on message ${key} vanished; retry`);
      if (existing.value.state === 'running') {
        // Another invocation holds a live claim: fail this delivery; SQS brings it back later.
        throw new Error(`message ${key} is being handled by another invocation`);
      }
      const previous = existing.value.sentAt;
      const sameWindow = options.sentAt === undefined || previous === undefined || Math.abs(options.sentAt - previous) < DEDUP_WINDOW_MS;
      if (sameWindow) {
        this.logger.info('duplicate message skipped', { scope, key });
        return false;
      }
      // The same key sent again after the window: a new message (e.g. a re-sent timer).
      version = (await this.store.put(pk, 'm', claim as never, { ifVersion: existing.version, expiresAt: leaseUntil })).version;
    }
    try {
      await fn();
    } catch (err) {
      await this.store.delete(pk, 'm', { ifVersion: version }).catch(() => undefined);
      throw err;
    }
    try {
      await this.store.put(pk, 'm', { ...claim, state: 'done' } as never, { ifVersion: version, expiresAt: this.clock.now() + this.keepMs });
    } catch (err) {
      // The effect happened; only the record of it is missing, so a later duplicate may run again.
      this.logger.warn('could not record a handled message', { scope, key, error: err instanceof Error ? err.message : String(err) });
    }
    return true;
  }
}
