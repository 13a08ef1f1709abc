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
