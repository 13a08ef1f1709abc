import middy from '@middy/core';
import type { Context as LambdaContext, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { z } from 'zod';
import { processBatch, type Context, type DeliveredMessage, type QueueName } from '@vigil/core';
import { DEDUP_ATTRIBUTE } from '../queue';
import { getRuntime, type AwsRuntime } from './context';

/** Time kept back from the invocation's remaining time when sizing a claim, for clock skew. */
const LEASE_MARGIN_MS = 5000;

export interface SqsDelivered extends DeliveredMessage {
  /** The sender's dedup key, when it gave one: the idempotency key across producer retries. */
  dedupKey?: string;
  /** SentTimestamp, epoch ms. */
  sentAt?: number;
}

/** One SQS record as handlers see every delivered message. A body that is not JSON stays text and fails its schema. */
export function toDelivered(record: SQSRecord): SqsDelivered {
  let body: unknown = record.body;
  try {
    body = JSON.parse(record.body);
  } catch {
    // Left as text: the schema check reports it and the message ends in the DLQ.
  }
  const attempt = Number(record.attributes?.ApproximateReceiveCount);
  const dedupKey = record.messageAttributes?.[DEDUP_ATTRIBUTE]?.stringValue;
  const sentAt = Number(record.attributes?.SentTimestamp);
  return {
    id: record.messageId,
    body,
    attempt: Number.isInteger(attempt) && attempt > 0 ? attempt : 1,
    ...(dedupKey ? { dedupKey } : {}),
    ...(Number.isFinite(sentAt) && sentAt > 0 ? { sentAt } : {}),
  };
}

export interface SqsHandlerOptions {
  /** Runtime to use instead of the one built from the environment. */
  runtime?: () => Promise<AwsRuntime>;
}

/**
 * An SQS-triggered Lambda: each record is parsed with the queue's schema and handled once
 * (idempotency guard), and only the failed ones are reported in `batchItemFailures`, so SQS
 * redelivers just those (the event source mapping needs `ReportBatchItemFailures`). After the
 * queue's maxReceiveCount a failing record moves to its dead-letter queue.
 */
export function sqsHandler<S extends z.ZodTypeAny>(
  queue: QueueName,
  schema: S,
  handle: (input: z.output<S>, ctx: Context) => Promise<unknown>,
  options: SqsHandlerOptions = {},
) {
  const runtime = options.runtime ?? getRuntime;
  return middy<SQSEvent, SQSBatchResponse, Error, LambdaContext>().handler(async (event, lambda) => {
    const rt = await runtime();
    const messages = (event.Records ?? []).map(toDelivered);
    const leaseMs = remainingMs(lambda) + LEASE_MARGIN_MS;
    const { failed } = await processBatch(
      messages,
      schema,
      (input, message) => {
        const m = message as SqsDelivered;
        return m.dedupKey
          ? rt.guard.run(queue, `k:${m.dedupKey}`, leaseMs, () => handle(input, rt.ctx), { sentAt: m.sentAt ?? rt.ctx.clock.now() })
          : rt.guard.run(queue, `m:${m.id}`, leaseMs, () => handle(input, rt.ctx));
      },
      rt.ctx.logger,
    );
    return { batchItemFailures: failed.map((f) => ({ itemIdentifier: f.id })) };
  });
}

function remainingMs(lambda: LambdaContext | undefined): number {
  const ms = typeof lambda?.getRemainingTimeInMillis === 'function' ? lambda.getRemainingTimeInMillis() : NaN;
  // Outside Lambda (tests, local invokes) assume the 15-minute maximum.
  return Number.isFinite(ms) && ms > 0 ? ms : 900_000;
}
