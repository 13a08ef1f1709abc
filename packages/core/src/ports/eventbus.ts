/** Domain events published for fan-out to other consumers (EventBridge, Pub/Sub, ...). */
export interface DomainEvent {
  type: 'AlertFired' | 'AlertResolved' | 'DriftDetected' | 'RemediationRan';
  tenant: string;
  time: number;
  detail: Record<string, unknown>;
}

export interface EventBus {
  publish(events: DomainEvent[]): Promise<void>;
}

export const noopEventBus: EventBus = { publish: async () => {} };
