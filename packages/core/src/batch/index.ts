import type { z } from 'zod';
import type { DeliveredMessage, Logger } from '../ports';
import { fromZodError } from '../errors';

export interface BatchFailure {
  id: string;
  error: string;
  /** False when the handler's error says retrying cannot help (e.g. a DeliveryError on a 4xx): dead-letter it now. */
  retryable?: boolean;
}

/**
 * Handles a queue batch message by message and reports exactly which failed (SQS
 * `batchItemFailures`, Pub/Sub nacks, Azure per-message retries), so one bad message never
 * makes the good ones run twice. A message that does not match its schema fails too, and
 * reaches the dead-letter queue after the queue's receive limit.
 */
export async function processBatch<S extends z.ZodTypeAny>(
  messages: DeliveredMessage[],
  schema: S,
  handle: (input: z.output<S>, message: DeliveredMessage) => Promise<unknown>,
  logger: Logger,
): Promise<{ failed: BatchFailure[] }> {
  const failed: BatchFailure[] = [];
  for (const message of messages) {
    const parsed = schema.safeParse(message.body);
    if (!parsed.success) {
      const error = `invalid message: ${fromZodError(parsed.error).message}`;
      logger.error('invalid queue message', { id: message.id, error });
      failed.push({ id: message.id, error });
      continue;
    }
    try {
      await handle(parsed.data, message);
    } catch (err) {
      const error = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      logger.warn('message handling failed', { id: message.id, attempt: message.attempt, error });
      const permanent = err !== null && typeof err === 'object' && (err as { retryable?: unknown }).retryable === false;
      failed.push(permanent ? { id: message.id, error, retryable: false } : { id: message.id, error });
    }
  }
  return { failed };
}
