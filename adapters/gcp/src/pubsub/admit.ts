import { ConditionFailedError, type Clock, type DeliveredMessage, type QueueName, type StateStore } from '@vigil/core';
import { ATTR } from './attributes';

/** A Pub/Sub message as it arrives, whether pulled or pushed. */
export interface IncomingPubSubMessage {
  id: string;
  data: Buffer;
  attributes: Record<string, string>;
  /** Pub/Sub's delivery attempt (set when the subscription has a dead-letter policy), else 1. */
  deliveryAttempt: number;
}

export type Admission =
  /** Handle it now. */
  | { kind: 'handle'; message: DeliveredMessage }
  /** Arrived before its `notBefore`: give it back, to come again in `delayMs`. */
  | { kind: 'defer'; delayMs: number }
  /** Another message with the same dedup key was already taken: acknowledge and drop. */
  | { kind: 'duplicate'; dedupKey: string };

export interface AdmitOptions {
  queue: QueueName;
  store: StateStore;
  clock: Clock;
  /** How long a dedup key is remembered. Default 5 minutes (the SQS FIFO window). */
  dedupWindowMs?: number;
}

/** Partition of the dedup claims of one queue (the topic name keeps deployments apart). */
export function dedupPartition(topic: string): string {
  return `psdedup#${topic}`;
}

/**
 * What a consumer does with a delivered message. Delays: a message whose `notBefore` is
 * still ahead is deferred. Dedup: the first message to claim its key in the state store
 * (create-only write, expiring after the window) owns the key; a redelivery of that same
 * message still passes — it may be a retry after a crash — while any other message with the
 * key is a duplicate. The claim is keyed by message ID, so a crash between claim and
 * handling never loses the message.
 */
export async function admitMessage(msg: IncomingPubSubMessage, topic: string, options: AdmitOptions): Promise<Admission> {
  const now = options.clock.now();
  const notBefore = Number(msg.attributes[ATTR.notBefore]);
  if (Number.isFinite(notBefore) && notBefore > now) return { kind: 'defer', delayMs: notBefore - now };

  const dedupKey = msg.attributes[ATTR.dedupKey];
  if (dedupKey) {
    const pk = dedupPartition(topic);
    try {
      await options.store.put(pk, dedupKey, { messageId: msg.id }, { ifVersion: 0, expiresAt: now + (options.dedupWindowMs ?? 5 * 60_000) });
    } catch (err) {
      if (!(err instanceof ConditionFailedError)) throw err;
      const owner = await options.store.get<{ messageId?: string }>(pk, dedupKey);
      // The claim may have expired between the two calls; then this message is no duplicate.
      if (owner && owner.value.messageId !== msg.id) return { kind: 'duplicate', dedupKey };
    }
  }
  return { kind: 'handle', message: { id: msg.id, body: decodeBody(msg.data), attempt: Math.max(1, msg.deliveryAttempt) } };
}

/** JSON body; text that is not JSON is handed on as text, so the schema check fails it (and it dead-letters). */
function decodeBody(data: Buffer): unknown {
  const text = data.toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
