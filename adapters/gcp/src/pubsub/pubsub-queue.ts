import type { PubSub, Topic } from '@google-cloud/pubsub';
import { systemClock, type Clock, type OutgoingMessage, type Queue, type QueueName } from '@vigil/core';
import { ATTR, dedupAttribute } from './attributes';
import { PubSubNames, QUEUE_NAMES } from './names';

export interface PubSubQueueOptions {
  names?: PubSubNames;
  clock?: Clock;
  /** Longest accepted `delaySeconds`; the same 900 s cap as SQS, so code does not outgrow a cloud. */
  maxDelaySeconds?: number;
}

/** Pub/Sub's limit on one message. */
const MAX_MESSAGE_BYTES = 10 * 1024 * 1024;

/**
 * Queue on Pub/Sub: one topic per queue name. Bodies are JSON. A delay becomes a
 * `vigil_not_before` attribute that consumers honour (Pub/Sub cannot hold a message back),
 * and a dedup key a `vigil_dedup_key` attribute that consumers claim in the state store
 * (Pub/Sub does not deduplicate on publish). See `admitMessage`.
 */
export class PubSubQueue implements Queue {
  readonly names: PubSubNames;
  private readonly clock: Clock;
  private readonly maxDelaySeconds: number;
  private readonly topics = new Map<QueueName, Topic>();

  constructor(
    private readonly pubsub: PubSub,
    options: PubSubQueueOptions = {},
  ) {
    this.names = options.names ?? new PubSubNames();
    this.clock = options.clock ?? systemClock;
    this.maxDelaySeconds = options.maxDelaySeconds ?? 900;
  }

  async send(queue: QueueName, message: OutgoingMessage): Promise<void> {
    await this.sendBatch(queue, [message]);
  }

  async sendBatch(queue: QueueName, messages: OutgoingMessage[]): Promise<void> {
    if (!QUEUE_NAMES.includes(queue)) throw new TypeError(`unknown queue ${String(queue)}`);
    // Everything is checked before anything is published, so a bad message sends nothing.
    const prepared = messages.map((m) => this.prepare(m));
    const topic = this.topic(queue);
    // The client batches concurrent publishes into few requests; each publish is retried
    // by the client on transient errors, and a rejection here means it was not accepted.
    await Promise.all(prepared.map((m) => topic.publishMessage(m)));
  }

  private topic(queue: QueueName): Topic {
    let topic = this.topics.get(queue);
    if (!topic) {
      topic = this.pubsub.topic(this.names.topic(queue), { batching: { maxMessages: 100, maxMilliseconds: 5 } });
      this.topics.set(queue, topic);
    }
    return topic;
  }

  private prepare(message: OutgoingMessage): { data: Buffer; attributes: Record<string, string> } {
    const text = JSON.stringify(message.body) as string | undefined;
    if (text === undefined) throw new TypeError('message body is not JSON-serializable');
    const data = Buffer.from(text, 'utf8');
    if (data.length > MAX_MESSAGE_BYTES) throw new RangeError(`message body is ${data.length} bytes; Pub/Sub takes at most ${MAX_MESSAGE_BYTES}`);
    const attributes: Record<string, string> = {};
    const delay = message.delaySeconds;
    if (delay !== undefined) {
      if (!Number.isFinite(delay) || delay < 0 || delay > this.maxDelaySeconds) {
        throw new RangeError(`delaySeconds must be between 0 and ${this.maxDelaySeconds}, got ${delay}`);
      }
      if (delay > 0) attributes[ATTR.notBefore] = String(this.clock.now() + Math.round(delay * 1000));
    }
    if (message.dedupKey !== undefined) {
      if (typeof message.dedupKey !== 'string' || message.dedupKey === '') throw new TypeError('dedupKey must be a non-empty string');
      attributes[ATTR.dedupKey] = dedupAttribute(message.dedupKey);
    }
    return { data, attributes };
  }
}
