import type { DeliveredMessage, Logger } from '@vigil/core';
import { silentLogger } from '@vigil/core';
import { decodeMessage, POISON_SUFFIX, type StorageQueue } from './storage-queue';

/** The Functions host's default `maxDequeueCount` (host.json `extensions.queues`). */
export const DEFAULT_MAX_DEQUEUE_COUNT = 5;
/** Queue Storage returns at most 32 messages per receive. */
const MAX_RECEIVE = 32;

export interface ReceivedMessage extends DeliveredMessage {
  /** The raw message text (base64), as the poison queue keeps it. */
  text: string;
  insertedOn?: Date;
  expiresOn?: Date;
  nextVisibleOn?: Date;
  popReceipt: string;
}

export interface StorageQueueConsumerOptions {
  maxDequeueCount?: number;
  logger?: Logger;
}

/**
 * The consuming side of Queue Storage as the Functions host runs it, for places without a
 * host (tests, a local process): receive with a visibility timeout, delete on success, give
 * the message back on failure, and move it to `<queue>-poison` once its dequeue count reaches
 * `maxDequeueCount`. A message received with a count already above the limit (its consumer
 * crashed every time) goes to the poison queue without being handled, as the host does.
 *
 * Queue names here are Vigil names (`evaluate`, `events`); the prefix is added.
 */
export class StorageQueueConsumer {
  readonly maxDequeueCount: number;
  private readonly logger: Logger;
  /** Latest pop receipt per leased message: every update issues a new one. */
  private readonly receipts = new Map<string, ReceivedMessage>();

  constructor(
    readonly queue: StorageQueue,
    options: StorageQueueConsumerOptions = {},
  ) {
    this.maxDequeueCount = options.maxDequeueCount ?? DEFAULT_MAX_DEQUEUE_COUNT;
    this.logger = options.logger ?? silentLogger;
  }

  /** Leases up to `max` visible messages for `visibilityTimeoutMs` (rounded up to whole seconds, at least 1). */
  async receive(name: string, max: number, visibilityTimeoutMs: number): Promise<ReceivedMessage[]> {
    const client = await this.queue.client(this.queue.queueName(name));
    const res = await client.receiveMessages({
      numberOfMessages: Math.max(1, Math.min(MAX_RECEIVE, max)),
      visibilityTimeout: Math.max(1, Math.ceil(visibilityTimeoutMs / 1000)),
    });
    const out: ReceivedMessage[] = [];
    for (const item of res.receivedMessageItems) {
      let body: unknown;
      try {
        body = decodeMessage(item.messageText);
      } catch {
        // Not ours (or not base64 JSON): handed on as text, so its handler rejects it and it poisons.
        body = item.messageText;
      }
      const message: ReceivedMessage = {
        id: item.messageId,
        body,
        attempt: item.dequeueCount,
        text: item.messageText,
        insertedOn: item.insertedOn,
        expiresOn: item.expiresOn,
        nextVisibleOn: item.nextVisibleOn,
        popReceipt: item.popReceipt,
      };
      this.receipts.set(key(name, message.id), message);
      if (item.dequeueCount > this.maxDequeueCount) {
        await this.poison(name, message.id, `dequeued ${item.dequeueCount} times without completing`);
        continue;
      }
      out.push(message);
    }
    return out;
  }

  /** Deletes a handled message. */
  async ack(name: string, id: string): Promise<void> {
    const m = this.leased(name, id);
    const client = await this.queue.client(this.queue.queueName(name));
    await client.deleteMessage(m.id, m.popReceipt);
    this.receipts.delete(key(name, id));
  }

  /** Gives a message back, visible again after `delayMs` (whole seconds, rounded up). */
  async nack(name: string, id: string, delayMs: number, error: string): Promise<void> {
    const m = this.leased(name, id);
    const client = await this.queue.client(this.queue.queueName(name));
    const res = await client.updateMessage(m.id, m.popReceipt, undefined, Math.max(0, Math.ceil(delayMs / 1000)));
    this.logger.warn('queue message released for retry', { queue: name, id, attempt: m.attempt, error });
    if (res.popReceipt) m.popReceipt = res.popReceipt;
  }

  /** Copies a leased message to `<queue>-poison` and deletes it from its queue. */
  async poison(name: string, id: string, reason: string): Promise<void> {
    const m = this.leased(name, id);
    const poisonClient = await this.queue.client(this.queue.queueName(name + POISON_SUFFIX));
    await poisonClient.sendMessage(m.text, { messageTimeToLive: -1 });
    const client = await this.queue.client(this.queue.queueName(name));
    await client.deleteMessage(m.id, m.popReceipt);
    this.receipts.delete(key(name, id));
    this.logger.error('queue message moved to the poison queue', { queue: name, id, attempt: m.attempt, reason });
  }

  /** Settles a handled message the way the host does: delete, or release, or poison at the limit. */
  async settle(name: string, message: ReceivedMessage, error: string | undefined, retryDelayMs = 0): Promise<'done' | 'retry' | 'poisoned'> {
    if (error === undefined) {
      await this.ack(name, message.id);
      return 'done';
    }
    if (message.attempt >= this.maxDequeueCount) {
      await this.poison(name, message.id, error);
      return 'poisoned';
    }
    await this.nack(name, message.id, retryDelayMs, error);
    return 'retry';
  }

  /** Messages in `<queue>-poison` (peeked, left in place; at most 32). */
  async deadLetters(name: string): Promise<{ id: string; body: unknown }[]> {
    const client = await this.queue.client(this.queue.queueName(name + POISON_SUFFIX));
    const res = await client.peekMessages({ numberOfMessages: MAX_RECEIVE });
    return res.peekedMessageItems.map((item) => {
      let body: unknown;
      try {
        body = decodeMessage(item.messageText);
      } catch {
        body = item.messageText;
      }
      return { id: item.messageId, body };
    });
  }

  private leased(name: string, id: string): ReceivedMessage {
    const m = this.receipts.get(key(name, id));
    if (!m) throw new Error(`message ${id} of ${name} is not leased by this consumer`);
    return m;
  }
}

function key(name: string, id: string): string {
  return `${name}\u0000${id}`;
}
