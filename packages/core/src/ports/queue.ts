/**
 * Queue: at-least-once delivery between handlers. Consumption happens through the
 * platform's trigger (SQS event source, Pub/Sub push, Azure queue trigger, local worker),
 * so the port only sends. Consumers must be idempotent.
 */
export type QueueName = 'ingest' | 'evaluate' | 'notify' | 'heal';

export interface OutgoingMessage {
  body: unknown;
  /** Messages with the same key sent within the backend's window are delivered once. */
  dedupKey?: string;
  /** Delay before the message becomes visible, in seconds (SQS caps at 900). */
  delaySeconds?: number;
}

export interface Queue {
  send(queue: QueueName, message: OutgoingMessage): Promise<void>;
  sendBatch(queue: QueueName, messages: OutgoingMessage[]): Promise<void>;
}

/** A delivered message as handlers see it, whatever the trigger. */
export interface DeliveredMessage {
  id: string;
  body: unknown;
  /** 1 on first delivery. */
  attempt: number;
}

/** SQS caps message delays at 15 minutes; a longer wait hops through several messages. */
export const MAX_QUEUE_DELAY_S = 900;
/** Queue delays are whole seconds: a delayed message this early still counts as on time. */
export const EARLY_TOLERANCE_MS = 1_000;

/** The delay to put on a message due at `due` (epoch ms): whole seconds, capped at what every queue takes. */
export function delaySecondsUntil(due: number, now: number): number {
  return Math.min(MAX_QUEUE_DELAY_S, Math.max(0, Math.ceil((due - now) / 1000)));
}
