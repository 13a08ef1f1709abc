import type { DomainEvent, EventBus, Logger } from '@vigil/core';

/** Local EventBus: subscribers in this process (the cloud adapters publish to a real bus). */
export class InProcessEventBus implements EventBus {
  private readonly subscribers = new Set<(event: DomainEvent) => void | Promise<void>>();
  constructor(private readonly logger: Logger) {}

  subscribe(fn: (event: DomainEvent) => void | Promise<void>): () => void {
    this.subscribers.add(fn);
    return () => this.subscribers.delete(fn);
  }

  async publish(events: DomainEvent[]): Promise<void> {
    for (const event of events) {
      this.logger.info('event', { type: event.type, tenant: event.tenant, ...event.detail });
      for (const fn of this.subscribers) await fn(event);
    }
  }
}
