import { QueueServiceClient, type QueueClient } from '@azure/storage-queue';
import type { OutgoingMessage, Queue, QueueName } from '@vigil/core';

/** Queue Storage hides a message for at most 7 days (visibilityTimeout). */
export const MAX_DELAY_SECONDS = 7 * 24 * 3600;
/** A message holds at most 64 KiB of (base64) text. */
export const MAX_MESSAGE_CHARS = 64 * 1024;
/** The Functions host's suffix for a queue's poison queue. */
export const POISON_SUFFIX = '-poison';
const SEND_CONCURRENCY = 16;

/** Queue names: 3–63 lowercase letters, digits and single hyphens, starting and ending with a letter or digit. */
const QUEUE_NAME_RE = /^[a-z0-9](?:[a-z0-9]|-(?!-))*[a-z0-9]$/;

export interface StorageQueueOptions {
  /** Prepended to every queue name (`VIGIL_AZURE_QUEUE_PREFIX`). Default `vigil-`. */
  prefix?: string;
}

/** Base64 of the JSON text: the Functions host's default `messageEncoding`. */
export function encodeMessage(body: unknown): string {
  const json = JSON.stringify(body) as string | undefined;
  if (json === undefined) throw new TypeError('message body is not JSON-serializable');
  return Buffer.from(json, 'utf8').toString('base64');
}

export function decodeMessage(text: string): unknown {
  return JSON.parse(Buffer.from(text, 'base64').toString('utf8'));
}

/**
 * Queue on Azure Queue Storage: one storage queue per Vigil queue, `<prefix><name>`.
 * Delays use the message's initial visibility timeout (at most 7 days). Queue Storage has
 * no deduplication, so `dedupKey` is not honoured: every consumer is idempotent (content-
 * addressed chunks, conditional alert-state commits, the notification log), which is what
 * makes a duplicate harmless. Messages never expire (time-to-live -1), so a delayed timer
 * message cannot silently vanish.
 */
export class StorageQueue implements Queue {
  readonly prefix: string;
  private readonly clients = new Map<string, Promise<QueueClient>>();

  constructor(
    private readonly service: QueueServiceClient,
    options: StorageQueueOptions = {},
  ) {
    this.prefix = options.prefix ?? 'vigil-';
    checkQueueName(`${this.prefix}evaluate${POISON_SUFFIX}`);
  }

  static fromConnectionString(connectionString: string, options: StorageQueueOptions = {}): StorageQueue {
    return new StorageQueue(QueueServiceClient.fromConnectionString(connectionString), options);
  }

  /** The storage queue behind a Vigil queue (or the event queue). */
  queueName(name: string): string {
    return checkQueueName(this.prefix + name);
  }

  /** A client of the named storage queue, created on first use. */
  client(fullName: string): Promise<QueueClient> {
    let client = this.clients.get(fullName);
    if (!client) {
      const c = this.service.getQueueClient(checkQueueName(fullName));
      client = c.createIfNotExists().then(() => c);
      client.catch(() => this.clients.delete(fullName));
      this.clients.set(fullName, client);
    }
    return client;
  }

  async send(queue: QueueName, message: OutgoingMessage): Promise<void> {
    await this.sendTo(this.queueName(queue), message);
  }

  async sendBatch(queue: QueueName, messages: OutgoingMessage[]): Promise<void> {
    // Queue Storage has no batch send: one request per message, a few at a time. Every
    // message is checked first so that a bad one fails the call before any is sent.
    const texts = messages.map((m) => prepare(m));
    const client = await this.client(this.queueName(queue));
    let next = 0;
    const worker = async () => {
      while (next < texts.length) {
        const p = texts[next++] as Prepared;
        await client.sendMessage(p.text, { visibilityTimeout: p.delay, messageTimeToLive: -1 });
      }
    };
    await Promise.all(Array.from({ length: Math.min(SEND_CONCURRENCY, texts.length) }, worker));
  }

  /** Sends to a storage queue by its full name (the event queue, a poison queue). */
  async sendTo(fullName: string, message: OutgoingMessage): Promise<void> {
    const p = prepare(message);
    const client = await this.client(fullName);
    await client.sendMessage(p.text, { visibilityTimeout: p.delay, messageTimeToLive: -1 });
  }
}

interface Prepared {
  text: string;
  delay: number | undefined;
}

function prepare(message: OutgoingMessage): Prepared {
  const text = encodeMessage(message.body);
  if (text.length > MAX_MESSAGE_CHARS) {
    throw new RangeError(`message is ${text.length} base64 characters; Queue Storage takes at most ${MAX_MESSAGE_CHARS}`);
  }
  let delay: number | undefined;
  if (message.delaySeconds !== undefined && message.delaySeconds > 0) {
    if (!Number.isFinite(message.delaySeconds) || message.delaySeconds > MAX_DELAY_SECONDS) {
      throw new RangeError(`delaySeconds must be at most ${MAX_DELAY_SECONDS} (7 days) on Queue Storage, got ${message.delaySeconds}`);
    }
    delay = Math.ceil(message.delaySeconds);
  }
  return { text, delay };
}

export function checkQueueName(name: string): string {
  if (name.length < 3 || name.length > 63 || !QUEUE_NAME_RE.test(name)) {
    throw new RangeError(`invalid Azure queue name ${JSON.stringify(name)}: 3-63 lowercase letters, digits and single hyphens`);
  }
  return name;
}
