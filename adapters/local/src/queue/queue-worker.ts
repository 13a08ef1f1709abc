import type { DeliveredMessage, Logger, QueueName } from '@vigil/core';
import { silentLogger } from '@vigil/core';
import type { SqliteQueue } from './sqlite-queue';

/** Which messages of a batch failed, like SQS's batchItemFailures; the rest are acked. */
export interface BatchResult {
  /** `retryable: false` sends the message to the dead-letter table at once, with its error. */
  failed: { id: string; error: string; retryable?: boolean }[];
}

export type BatchHandler = (messages: DeliveredMessage[]) => Promise<BatchResult>;

export interface QueueWorkerOptions {
  queue: SqliteQueue;
  name: QueueName;
  handler: BatchHandler;
  /** Messages per handler call. Default 10 (the SQS batch default). */
  batchSize?: number;
  /** How long a received batch stays leased before another receiver may take it. Default 30 s. */
  visibilityTimeoutMs?: number;
  /** Real-time wait between polls of an empty queue. Default 1 s. */
  pollIntervalMs?: number;
  /** Retry delay base and cap for failed messages. Defaults 1 s and 5 min. */
  backoffBaseMs?: number;
  backoffCapMs?: number;
  /** Source of jitter in [0, 1). Default Math.random. */
  random?: () => number;
  logger?: Logger;
}

/**
 * "Full jitter" exponential backoff: a uniform delay in [0, min(cap, base * 2^(attempt-1))).
 * Spreading retries uniformly keeps a burst of failures from retrying in lockstep.
 */
export function fullJitterBackoff(attempt: number, random: () => number, baseMs = 1000, capMs = 300_000): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.max(0, attempt - 1));
  const r = Math.min(Math.max(random(), 0), 1);
  return Math.floor(r * ceiling);
}

/**
 * Polls one queue and hands batches to a handler, one batch at a time. Time inside the queue
 * (leases, delays, backoff) follows the queue's injected clock; only the idle wait between
 * polls uses a real timer, which tests avoid by calling `drain()`.
 */
export class QueueWorker {
  private readonly queue: SqliteQueue;
  private readonly name: QueueName;
  private readonly handler: BatchHandler;
  private readonly batchSize: number;
  private readonly visibilityTimeoutMs: number;
  private readonly pollIntervalMs: number;
  private readonly backoffBaseMs: number;
  private readonly backoffCapMs: number;
  private readonly random: () => number;
  private readonly logger: Logger;

  private running = false;
  private timer: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;
  /** Serializes batches so start(), drain() and runOnce() never overlap. */
  private tail: Promise<unknown> = Promise.resolve();

  constructor(options: QueueWorkerOptions) {
    this.queue = options.queue;
    this.name = options.name;
    this.handler = options.handler;
    this.batchSize = options.batchSize ?? 10;
    this.visibilityTimeoutMs = options.visibilityTimeoutMs ?? 30_000;
    this.pollIntervalMs = options.pollIntervalMs ?? 1000;
    this.backoffBaseMs = options.backoffBaseMs ?? 1000;
    this.backoffCapMs = options.backoffCapMs ?? 300_000;
    this.random = options.random ?? Math.random;
    this.logger = options.logger ?? silentLogger;
    if (!Number.isInteger(this.batchSize) || this.batchSize < 1) {
      throw new RangeError(`batchSize must be a positive integer, got ${this.batchSize}`);
    }
  }

  get isRunning(): boolean {
    return this.running;
  }

  /** Starts polling in the background until stop(). */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.unsubscribe = this.queue.onSend((queue) => {
      if (queue === this.name) this.wake();
    });
    this.schedule(0);
  }

  /** Stops polling and resolves once the batch in flight, if any, is settled. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    await this.tail;
  }

  /** Receives and handles one batch; resolves to the number of messages received. */
  runOnce(): Promise<number> {
    const run = this.tail.then(() => this.processBatch());
    this.tail = run.catch(() => undefined);
    return run;
  }

  /**
   * Handles batches until a receive comes back empty, i.e. no message is visible at the
   * queue's current time; messages backing off or delayed into the future are left alone.
   * Resolves to the number of messages handled (counting redeliveries).
   */
  async drain(maxBatches = 10_000): Promise<number> {
    let total = 0;
    for (let i = 0; i < maxBatches; i++) {
      const n = await this.runOnce();
      if (n === 0) return total;
      total += n;
    }
    throw new Error(`queue ${this.name} still had visible messages after ${maxBatches} batches`);
  }

  private schedule(ms: number): void {
    if (!this.running) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.tick();
    }, ms);
  }

  private wake(): void {
    // Only an idle wait is cut short; a pending batch reschedules itself when it finishes.
    if (this.running && this.timer) {
      clearTimeout(this.timer);
      this.schedule(0);
    }
  }

  private async tick(): Promise<void> {
    let received = 0;
    try {
      received = await this.runOnce();
    } catch (err) {
      this.logger.error('queue poll failed', { queue: this.name, error: errorText(err) });
    }
    this.schedule(received > 0 ? 0 : this.pollIntervalMs);
  }

  private async processBatch(): Promise<number> {
    const messages = await this.queue.receive(this.name, this.batchSize, this.visibilityTimeoutMs);
    if (messages.length === 0) return 0;

    const failed = new Map<string, string>();
    const permanent = new Set<string>();
    try {
      const result = (await this.handler(messages)) as BatchResult | undefined;
      const ids = new Set(messages.map((m) => m.id));
      for (const failure of result?.failed ?? []) {
        if (ids.has(failure.id)) failed.set(failure.id, String(failure.error));
        if (ids.has(failure.id) && failure.retryable === false) permanent.add(failure.id);
      }
    } catch (err) {
      const error = errorText(err);
      for (const message of messages) failed.set(message.id, error);
    }

    for (const message of messages) {
      const error = failed.get(message.id);
      try {
        if (error === undefined) {
          await this.queue.ack(message.id);
        } else {
          const delayMs = fullJitterBackoff(message.attempt, this.random, this.backoffBaseMs, this.backoffCapMs);
          await this.queue.nack(message.id, delayMs, error, { final: permanent.has(message.id) });
          this.logger.warn('queue message failed', { queue: this.name, id: message.id, attempt: message.attempt, delayMs, error });
        }
      } catch (err) {
        // The lease will run out and the message comes back: at-least-once still holds.
        this.logger.error('queue ack/nack failed', { queue: this.name, id: message.id, error: errorText(err) });
      }
    }
    return messages.length;
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}
