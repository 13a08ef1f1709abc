import type { PubSub, Topic } from '@google-cloud/pubsub';
import type { DomainEvent, EventBus } from '@vigil/core';

/**
 * EventBus on one Pub/Sub topic. Each event is a JSON message with `type` and `tenant`
 * attributes, so subscribers can filter (`attributes.type = "AlertFired"`). The ordering key
 * is the tenant: a subscription with message ordering enabled sees a tenant's AlertFired
 * before the AlertResolved that follows it.
 */
export class PubSubEventBus implements EventBus {
  private readonly topic: Topic;

  constructor(pubsub: PubSub, topicName: string) {
    this.topic = pubsub.topic(topicName, { messageOrdering: true, batching: { maxMessages: 100, maxMilliseconds: 5 } });
  }

  async publish(events: DomainEvent[]): Promise<void> {
    // In order, one at a time per call: ordering keys order what one publisher sends.
    for (const event of events) {
      const orderingKey = `tenant:${event.tenant}`;
      try {
        await this.topic.publishMessage({
          data: Buffer.from(JSON.stringify(event), 'utf8'),
          attributes: { type: event.type, tenant: event.tenant },
          orderingKey,
        });
      } catch (err) {
        // A failed publish pauses its ordering key in the client; resume it, so the caller's
        // retry (and later events) can go out once the error is handled.
        this.topic.resumePublishing(orderingKey);
        throw err;
      }
    }
  }
}
