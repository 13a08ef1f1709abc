import type { CloudEvent } from '@google-cloud/functions-framework';
import * as z from 'zod';
import { parseWith, processBatch, type Context, type QueueName } from '@vigil/core';
import { admitMessage, type IncomingPubSubMessage } from '../pubsub';
import type { GcpRuntime } from './runtime';

// Schemas are z.lazy: built at their first parse, not when a function's bundle loads (cold start).

export const MESSAGE_PUBLISHED = 'google.cloud.pubsub.topic.v1.messagePublished';

/** `data` of a `google.cloud.pubsub.topic.v1.messagePublished` CloudEvent (Eventarc / Pub/Sub push). */
export const messagePublishedDataSchema = z.lazy(() =>
  z.object({
    message: z
      .object({
        data: z.base64('must be base64').optional(),
        attributes: z.record(z.string(), z.string()).optional(),
        messageId: z.string().min(1).optional(),
        message_id: z.string().min(1).optional(),
        publishTime: z.string().optional(),
        orderingKey: z.string().optional(),
      })
      .refine((m) => m.messageId !== undefined || m.message_id !== undefined, { message: 'messageId is required', path: ['messageId'] }),
    subscription: z.string().optional(),
    /** Sent when the subscription has a dead-letter policy. */
    deliveryAttempt: z.number().int().positive().optional(),
  }),
);

/** The Pub/Sub message inside a pushed CloudEvent. Throws ValidationError (field path + reason). */
export function parsePushEvent(event: CloudEvent<unknown>): IncomingPubSubMessage {
  if (event.type !== MESSAGE_PUBLISHED) throw new TypeError(`expected a ${MESSAGE_PUBLISHED} CloudEvent, got ${String(event.type)}`);
  const data = parseWith(messagePublishedDataSchema, event.data, 'data');
  return {
    id: data.message.messageId ?? data.message.message_id ?? '',
    data: Buffer.from(data.message.data ?? '', 'base64'),
    attributes: data.message.attributes ?? {},
    deliveryAttempt: data.deliveryAttempt ?? 1,
  };
}

/** Thrown for a message that arrived before its `notBefore`: the nack makes Pub/Sub bring it back later. */
export class NotDueError extends Error {
  constructor(readonly delayMs: number) {
    super(`message is not due for another ${delayMs} ms`);
    this.name = 'NotDueError';
  }
}

/**
 * A CloudEvent function for one queue: one Pub/Sub message per invocation. Returning acks
 * the message; throwing nacks it, and Pub/Sub redelivers it after the subscription's retry
 * backoff, up to its dead-letter policy's attempts. The handler runs through processBatch,
 * so the message is validated against its schema first.
 */
export function pubsubPushFunction<S extends z.ZodTypeAny>(
  queue: QueueName,
  schema: S,
  handle: (input: z.output<S>, ctx: Context) => Promise<unknown>,
  getRuntime: () => Promise<GcpRuntime>,
): (event: CloudEvent<unknown>) => Promise<void> {
  return async (event) => {
    const runtime = await getRuntime();
    const { ctx } = runtime;
    const topic = runtime.names.topic(queue);
    let message: IncomingPubSubMessage;
    try {
      message = parsePushEvent(event);
    } catch (err) {
      // Nothing to retry into shape: failing sends it to the dead-letter topic after its attempts.
      ctx.logger.error('malformed Pub/Sub push event', { queue, id: event.id, error: (err as Error).message });
      throw err;
    }
    const admission = await admitMessage(message, topic, { queue, store: ctx.store, clock: ctx.clock, dedupWindowMs: runtime.env.VIGIL_DEDUP_WINDOW_MS });
    if (admission.kind === 'defer') {
      ctx.logger.debug('message not due yet', { queue, id: message.id, delayMs: admission.delayMs });
      throw new NotDueError(admission.delayMs);
    }
    if (admission.kind === 'duplicate') {
      ctx.logger.info('duplicate message dropped', { queue, id: message.id });
      return;
    }
    const { failed } = await processBatch([admission.message], schema, (input) => handle(input, ctx), ctx.logger);
    const failure = failed[0];
    if (failure) throw new Error(`message ${failure.id} failed (attempt ${admission.message.attempt}): ${failure.error}`);
  };
}
