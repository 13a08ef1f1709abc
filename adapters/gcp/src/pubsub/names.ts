import type { QueueName } from '@vigil/core';

/** Pub/Sub resource names: 3–255 characters, a letter first, then letters, digits and `-_.~+%`. */
const RESOURCE_NAME_RE = /^[A-Za-z][A-Za-z0-9\-_.~+%]{2,254}$/;

/** Every queue Vigil sends to; one topic each. */
export const QUEUE_NAMES: readonly QueueName[] = ['ingest', 'evaluate', 'notify', 'heal'];

/**
 * How queue names map to Pub/Sub resources. With prefix `vigil-`: topic `vigil-evaluate`,
 * its subscription `vigil-evaluate-sub`, dead-letter topic `vigil-evaluate-dead` and the
 * subscription that retains dead letters `vigil-evaluate-dead-sub`; domain events go to
 * `vigil-events`.
 */
export class PubSubNames {
  constructor(readonly prefix = 'vigil-') {
    // Checked once here so a bad VIGIL_PUBSUB_PREFIX fails at start-up, not on first send.
    this.topic('evaluate');
  }

  topic(queue: QueueName): string {
    return checked(`${this.prefix}${queue}`);
  }
  subscription(queue: QueueName): string {
    return checked(`${this.prefix}${queue}-sub`);
  }
  deadLetterTopic(queue: QueueName): string {
    return checked(`${this.prefix}${queue}-dead`);
  }
  deadLetterSubscription(queue: QueueName): string {
    return checked(`${this.prefix}${queue}-dead-sub`);
  }
  eventsTopic(): string {
    return checked(`${this.prefix}events`);
  }
}

function checked(name: string): string {
  if (!RESOURCE_NAME_RE.test(name) || name.startsWith('goog')) {
    throw new Error(`${JSON.stringify(name)} is not a valid Pub/Sub resource name (check VIGIL_PUBSUB_PREFIX)`);
  }
  return name;
}
