import type { DomainEvent, EventBus } from '@vigil/core';
import type { StorageQueue } from '../queue/storage-queue';

/** Vigil name of the storage queue domain events go to (`<prefix>events`). */
export const EVENTS_QUEUE = 'events';

/**
 * EventBus on a Queue Storage queue: one message per domain event, in the event's own JSON
 * shape, for other consumers (a Logic App, another function, an Event Grid forwarder) to read.
 * Queue Storage has no fan-out: a second consumer needs its own forwarder. Event Grid would
 * fan out natively but has no emulator to test against, so it is not the default.
 */
export class QueueEventBus implements EventBus {
  constructor(
    private readonly queue: StorageQueue,
    private readonly name = EVENTS_QUEUE,
  ) {}

  async publish(events: DomainEvent[]): Promise<void> {
    const fullName = this.queue.queueName(this.name);
    await Promise.all(events.map((event) => this.queue.sendTo(fullName, { body: event })));
  }
}
