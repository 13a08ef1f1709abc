import { createHash, randomUUID } from 'node:crypto';
import {
  SendMessageBatchCommand,
  SendMessageCommand,
  type MessageAttributeValue,
  type SendMessageBatchRequestEntry,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { systemClock, type Clock, type OutgoingMessage, type Queue, type QueueName } from '@vigil/core';
import { retryRemaining } from '../retry';

export const QUEUE_NAMES: readonly QueueName[] = ['ingest', 'evaluate', 'notify', 'heal'];
/** SendMessageBatch's entry limit. */
const BATCH_ENTRIES = 10;
/** SQS's message and batch payload limit (256 KiB), counted as SQS does: body plus attributes. */
export const MAX_SQS_PAYLOAD_BYTES = 262_144;
/** SQS's longest per-message delay. */
export const MAX_SQS_DELAY_SECONDS = 900;
/** Message attribute carrying the sender's dedup key, for the consumer's idempotency check. */
export const DEDUP_ATTRIBUTE = 'vigil-dedup-key';

export interface SqsQueueOptions {
  client: SQSClient;
  /** Queue URL per queue name; a name without a URL is refused when used. */
  urls: Partial<Record<QueueName, string>>;
  /** Sleeps between retries of failed batch entries (real time by default). */
  retryClock?: Clock;
  random?: () => number;
  backoff?: { maxAttempts?: number; baseMs?: number; capMs?: number };
}

interface Entry {
  body: string;
  bytes: number;
  message: OutgoingMessage;
}

/**
 * Queue on SQS. Standard queues deliver at least once and have no dedup: the dedup key rides
 * along as a message attribute, and consumers (see the idempotency guard of the SQS
 * handlers) drop what they already handled. A queue URL ending in `.fifo` gets the key as
 * MessageDeduplicationId (SQS drops repeats within 5 minutes) and the tenant as
 * MessageGroupId; FIFO queues take no per-message delay, so `notify` (whose timers are
 * delays) must be a standard queue.
 */
export class SqsQueue implements Queue {
  private readonly client: SQSClient;
  private readonly urls: Partial<Record<QueueName, string>>;
  private readonly retryClock: Clock;
  private readonly random: () => number;
  private readonly backoff: { maxAttempts: number; baseMs: number; capMs: number };

  constructor(options: SqsQueueOptions) {
    this.client = options.client;
    this.urls = options.urls;
    this.retryClock = options.retryClock ?? systemClock;
    this.random = options.random ?? Math.random;
    this.backoff = { maxAttempts: 8, baseMs: 100, capMs: 5000, ...options.backoff };
  }

  /** Queue URLs from `VIGIL_QUEUE_URL_INGEST`, `..._EVALUATE`, `..._NOTIFY`, `..._HEAL`. */
  static urlsFromEnv(env: NodeJS.ProcessEnv = process.env): Partial<Record<QueueName, string>> {
    const urls: Partial<Record<QueueName, string>> = {};
    for (const name of QUEUE_NAMES) {
      const url = env[`VIGIL_QUEUE_URL_${name.toUpperCase()}`];
      if (url) urls[name] = url;
    }
    return urls;
  }

  url(queue: QueueName): string {
    const url = this.urls[queue];
    if (!url) throw new Error(`no SQS queue URL for "${queue}" (set VIGIL_QUEUE_URL_${queue.toUpperCase()})`);
    return url;
  }

  async send(queue: QueueName, message: OutgoingMessage): Promise<void> {
    const url = this.url(queue);
    const entry = this.entry(url, message);
    await this.client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: entry.body, ...this.options(url, message) }));
  }

  async sendBatch(queue: QueueName, messages: OutgoingMessage[]): Promise<void> {
    if (messages.length === 0) return;
    const url = this.url(queue);
    const entries = messages.map((m) => this.entry(url, m));
    // Chunks of ≤ 10 entries and ≤ 256 KiB in all, in order (FIFO groups keep it).
    let chunk: Entry[] = [];
    let bytes = 0;
    for (const entry of entries) {
      if (chunk.length === BATCH_ENTRIES || (chunk.length > 0 && bytes + entry.bytes > MAX_SQS_PAYLOAD_BYTES)) {
        await this.sendChunk(url, chunk);
        chunk = [];
        bytes = 0;
      }
      chunk.push(entry);
      bytes += entry.bytes;
    }
    if (chunk.length > 0) await this.sendChunk(url, chunk);
  }

  /** One SendMessageBatch; entries that failed on the service's side are retried with backoff and jitter. */
  private async sendChunk(url: string, chunk: Entry[]): Promise<void> {
    let pending = chunk.map((entry, i) => ({ id: String(i), entry }));
    await retryRemaining(
      async () => {
        const res = await this.client.send(
          new SendMessageBatchCommand({
            QueueUrl: url,
            Entries: pending.map(({ id, entry }): SendMessageBatchRequestEntry => ({ Id: id, MessageBody: entry.body, ...this.options(url, entry.message) })),
          }),
        );
        const failed = new Map((res.Failed ?? []).map((f) => [f.Id, f]));
        const permanent = [...failed.values()].filter((f) => f.SenderFault);
        if (permanent.length > 0) {
          throw new Error(`SQS refused ${permanent.length} message(s): ${permanent.map((f) => `${f.Code}: ${f.Message}`).join('; ')}`);
        }
        pending = pending.filter((p) => failed.has(p.id));
        return { left: pending.length, reason: `${pending.length} entries failed (${[...failed.values()].map((f) => f.Code).join(', ')})` };
      },
      { ...this.backoff, clock: this.retryClock, random: this.random, what: 'SendMessageBatch' },
    );
  }

  private entry(url: string, message: OutgoingMessage): Entry {
    const json = JSON.stringify(message.body) as string | undefined;
    if (json === undefined) throw new TypeError('message body is not JSON-serializable');
    const body = escapeAstral(json);
    const delay = message.delaySeconds;
    if (delay !== undefined && (!Number.isInteger(delay) || delay < 0 || delay > MAX_SQS_DELAY_SECONDS)) {
      throw new RangeError(`delaySeconds must be an integer in [0, ${MAX_SQS_DELAY_SECONDS}], got ${delay}`);
    }
    if (isFifo(url) && delay !== undefined && delay > 0) {
      throw new RangeError(`FIFO queue ${url} takes no per-message delay (delaySeconds ${delay}); use a standard queue`);
    }
    const bytes = Buffer.byteLength(body, 'utf8') + (message.dedupKey ? Buffer.byteLength(message.dedupKey) + DEDUP_ATTRIBUTE.length + 6 : 0);
    if (bytes > MAX_SQS_PAYLOAD_BYTES) throw new RangeError(`message of ${bytes} bytes exceeds SQS's ${MAX_SQS_PAYLOAD_BYTES}-byte limit`);
    return { body, bytes, message };
  }

  private options(url: string, message: OutgoingMessage) {
    const attributes: Record<string, MessageAttributeValue> | undefined = message.dedupKey
      ? { [DEDUP_ATTRIBUTE]: { DataType: 'String', StringValue: message.dedupKey } }
      : undefined;
    if (isFifo(url)) {
      return {
        MessageAttributes: attributes,
        MessageGroupId: groupOf(message.body),
        // SQS allows 128 characters from a small alphabet: a hash of the key fits any key.
        MessageDeduplicationId: message.dedupKey ? createHash('sha256').update(message.dedupKey).digest('hex') : randomUUID(),
      };
    }
    return { MessageAttributes: attributes, ...(message.delaySeconds ? { DelaySeconds: message.delaySeconds } : {}) };
  }
}

/**
 * Characters beyond U+FFFF as JSON escapes: the same JSON value, in the character set every
 * SQS implementation accepts (AWS allows them, some compatible servers such as fauxqs 1.9
 * refuse them). JSON.stringify already escapes control characters and lone surrogates.
 */
function escapeAstral(json: string): string {
  return json.replace(/[\u{10000}-\u{10FFFF}]/gu, (ch) => {
    const hi = ch.charCodeAt(0).toString(16);
    const lo = ch.charCodeAt(1).toString(16);
    return `\\u${hi}\\u${lo}`;
  });
}

export function isFifo(url: string): boolean {
  return url.endsWith('.fifo');
}

/** FIFO ordering per tenant: one tenant's messages in order, tenants in parallel. */
function groupOf(body: unknown): string {
  const tenant = typeof body === 'object' && body !== null ? (body as { tenant?: unknown }).tenant : undefined;
  return typeof tenant === 'string' && tenant !== '' ? tenant.slice(0, 128) : 'vigil';
}
