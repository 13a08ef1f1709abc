import { InvocationContext } from '@azure/functions';
import type { StorageQueueConsumer } from '../queue';

export type QueueTriggerHandler = (entry: unknown, context: InvocationContext) => Promise<unknown>;

export interface QueueRunResult {
  handled: number;
  retried: number;
  poisoned: number;
}

export interface RunQueueOptions {
  /** Messages leased per receive (the host's `batchSize`, default 16). */
  batchSize?: number;
  /** How long a leased message stays hidden (the host's default is 10 minutes). */
  visibilityTimeoutMs?: number;
  /** How long a failed message waits before it is visible again (host.json `visibilityTimeout`). */
  retryDelayMs?: number;
}

/**
 * Runs a queue trigger the way the Functions host does, where there is no host (tests, a local
 * process): leases a batch, invokes the handler once per message with the host's trigger
 * metadata, deletes a message whose invocation succeeded, and on a throw either makes it
 * visible again or, at `maxDequeueCount`, moves it to `<queue>-poison`.
 */
export async function runQueueTriggerOnce(
  consumer: StorageQueueConsumer,
  name: string,
  handler: QueueTriggerHandler,
  options: RunQueueOptions = {},
): Promise<QueueRunResult> {
  const result: QueueRunResult = { handled: 0, retried: 0, poisoned: 0 };
  const messages = await consumer.receive(name, options.batchSize ?? 16, options.visibilityTimeoutMs ?? 600_000);
  for (const message of messages) {
    const context = new InvocationContext({
      invocationId: `${message.id}:${message.attempt}`,
      functionName: name,
      triggerMetadata: {
        id: message.id,
        dequeueCount: message.attempt,
        popReceipt: message.popReceipt,
        queueTrigger: Buffer.from(message.text, 'base64').toString('utf8'),
        insertionTime: message.insertedOn?.toISOString(),
        expirationTime: message.expiresOn?.toISOString(),
        nextVisibleTime: message.nextVisibleOn?.toISOString(),
      },
      logHandler: () => {},
    });
    let error: string | undefined;
    try {
      await handler(message.body, context);
    } catch (err) {
      error = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    }
    const outcome = await consumer.settle(name, message, error, options.retryDelayMs ?? 0);
    if (outcome === 'done') result.handled++;
    else if (outcome === 'retry') result.retried++;
    else result.poisoned++;
  }
  return result;
}
