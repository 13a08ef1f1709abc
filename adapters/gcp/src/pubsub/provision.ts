import type { PubSub } from '@google-cloud/pubsub';
import type { QueueName } from '@vigil/core';
import { QUEUE_NAMES, type PubSubNames } from './names';

export interface Backoff {
  min: number;
  max: number;
}

export interface ProvisionOptions {
  /**
   * Deliveries after which a message goes to its dead-letter topic (Pub/Sub allows 5–100).
   * A number applies to every queue. Default: 5, and 25 for `notify` (see DEFAULTS).
   */
  maxDeliveryAttempts?: number | Partial<Record<QueueName, number>>;
  /**
   * Backoff between redeliveries of a nacked or expired message, in seconds. `null`
   * redelivers at once (Pub/Sub's behaviour without a retry policy). Default: DEFAULTS.
   */
  retryBackoffSeconds?: Backoff | null | Partial<Record<QueueName, Backoff | null>>;
  /** Push endpoint per queue; without it subscriptions are pull subscriptions. */
  pushEndpoint?: (queue: QueueName) => string | undefined;
  ackDeadlineSeconds?: number;
}

/**
 * Per-queue delivery settings. Pub/Sub cannot delay a message, so a delayed `notify` flush is
 * nacked until due and each early delivery counts against the dead-letter limit: with
 * backoff from 10 s doubling to at most 60 s, a 900 s delay (the longest Vigil sends) costs
 * up to 17 early deliveries and a flush is handled at most 60 s late; 25 attempts leave room
 * for real failures. The other queues send no delays.
 */
export const DEFAULTS: Record<QueueName, { maxDeliveryAttempts: number; backoff: Backoff }> = {
  ingest: { maxDeliveryAttempts: 5, backoff: { min: 10, max: 600 } },
  evaluate: { maxDeliveryAttempts: 5, backoff: { min: 10, max: 600 } },
  notify: { maxDeliveryAttempts: 25, backoff: { min: 10, max: 60 } },
  heal: { maxDeliveryAttempts: 5, backoff: { min: 10, max: 600 } },
};

/**
 * Creates what the queues need if it is missing: a topic per queue, its dead-letter topic
 * with a subscription that keeps dead letters, the queue's subscription with the dead-letter
 * policy and a retry policy, and the events topic. Idempotent. In a project, the Pub/Sub
 * service agent also needs publisher rights on the dead-letter topics and subscriber rights
 * on the subscriptions (docs/adapters/GCP.md); the emulator does not check them.
 */
export async function provisionPubSub(pubsub: PubSub, names: PubSubNames, options: ProvisionOptions = {}): Promise<void> {
  const ensureTopic = async (name: string) => {
    const topic = pubsub.topic(name);
    const [exists] = await topic.exists();
    if (!exists) await ignoreAlreadyExists(pubsub.createTopic(name));
    return topic;
  };
  const ensureSubscription = async (topicName: string, name: string, settings: Record<string, unknown>) => {
    const [exists] = await pubsub.subscription(name).exists();
    if (!exists) await ignoreAlreadyExists(pubsub.topic(topicName).createSubscription(name, settings));
  };
  await ensureTopic(names.eventsTopic());
  for (const queue of QUEUE_NAMES) {
    const attempts = typeof options.maxDeliveryAttempts === 'number' ? options.maxDeliveryAttempts : (options.maxDeliveryAttempts?.[queue] ?? DEFAULTS[queue].maxDeliveryAttempts);
    const backoffOption = options.retryBackoffSeconds;
    const backoff =
      backoffOption === undefined ? DEFAULTS[queue].backoff
      : backoffOption === null || 'min' in backoffOption ? backoffOption
      : backoffOption[queue] === undefined ? DEFAULTS[queue].backoff
      : backoffOption[queue];
    const dead = await ensureTopic(names.deadLetterTopic(queue));
    await ensureSubscription(names.deadLetterTopic(queue), names.deadLetterSubscription(queue), {});
    await ensureTopic(names.topic(queue));
    const endpoint = options.pushEndpoint?.(queue);
    await ensureSubscription(names.topic(queue), names.subscription(queue), {
      ackDeadlineSeconds: options.ackDeadlineSeconds ?? 60,
      deadLetterPolicy: { deadLetterTopic: dead.name, maxDeliveryAttempts: attempts },
      ...(backoff ? { retryPolicy: { minimumBackoff: { seconds: backoff.min }, maximumBackoff: { seconds: backoff.max } } } : {}),
      ...(endpoint ? { pushConfig: { pushEndpoint: endpoint } } : {}),
    });
  }
}

async function ignoreAlreadyExists(p: Promise<unknown>): Promise<void> {
  try {
    await p;
  } catch (err) {
    if ((err as { code?: number }).code !== 6) throw err;
  }
}
