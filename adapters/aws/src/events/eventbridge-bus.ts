import { PutEventsCommand, type EventBridgeClient, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { systemClock, type Clock, type DomainEvent, type EventBus } from '@vigil/core';
import { retryRemaining } from '../retry';

/** PutEvents' entry limit. */
const BATCH_ENTRIES = 10;
/** PutEvents' request size limit (256 KiB), counted as EventBridge does. */
export const MAX_PUT_EVENTS_BYTES = 262_144;
/** `source` of every event Vigil publishes; rules match on it. */
export const EVENT_SOURCE = 'vigil';

export interface EventBridgeBusOptions {
  client: EventBridgeClient;
  /** Bus name or ARN (`VIGIL_EVENT_BUS`); `default` when unset. */
  busName?: string;
  source?: string;
  retryClock?: Clock;
  random?: () => number;
  backoff?: { maxAttempts?: number; baseMs?: number; capMs?: number };
}

/**
 * EventBus on EventBridge: one event per domain event, `source` "vigil", `detail-type` the
 * event type (AlertFired, AlertResolved, ...), `detail` the tenant plus the event's detail.
 * PutEvents reports failures per entry (FailedEntryCount): those are retried with backoff
 * and jitter; consumers see each event at least once.
 */
export class EventBridgeBus implements EventBus {
  private readonly client: EventBridgeClient;
  private readonly busName: string;
  private readonly source: string;
  private readonly retryClock: Clock;
  private readonly random: () => number;
  private readonly backoff: { maxAttempts: number; baseMs: number; capMs: number };

  constructor(options: EventBridgeBusOptions) {
    this.client = options.client;
    this.busName = options.busName ?? 'default';
    this.source = options.source ?? EVENT_SOURCE;
    this.retryClock = options.retryClock ?? systemClock;
    this.random = options.random ?? Math.random;
    this.backoff = { maxAttempts: 8, baseMs: 100, capMs: 5000, ...options.backoff };
  }

  async publish(events: DomainEvent[]): Promise<void> {
    const entries = events.map((e) => this.entry(e));
    let chunk: PutEventsRequestEntry[] = [];
    let bytes = 0;
    for (const entry of entries) {
      const size = entrySize(entry);
      if (size > MAX_PUT_EVENTS_BYTES) throw new RangeError(`event of ${size} bytes exceeds EventBridge's ${MAX_PUT_EVENTS_BYTES}-byte limit`);
      if (chunk.length === BATCH_ENTRIES || (chunk.length > 0 && bytes + size > MAX_PUT_EVENTS_BYTES)) {
        await this.put(chunk);
        chunk = [];
        bytes = 0;
      }
      chunk.push(entry);
      bytes += size;
    }
    if (chunk.length > 0) await this.put(chunk);
  }

  private async put(chunk: PutEventsRequestEntry[]): Promise<void> {
    let pending = chunk;
    await retryRemaining(
      async () => {
        const res = await this.client.send(new PutEventsCommand({ Entries: pending }));
        if (!res.FailedEntryCount) return { left: 0, reason: '' };
        // Result entries line up with request entries; a failed one carries an ErrorCode.
        const results = res.Entries ?? [];
        const codes: string[] = [];
        pending = pending.filter((_, i) => {
          const code = results[i]?.ErrorCode;
          if (code) codes.push(code);
          return code !== undefined;
        });
        return { left: pending.length, reason: `${pending.length} entries failed (${codes.join(', ')})` };
      },
      { ...this.backoff, clock: this.retryClock, random: this.random, what: 'PutEvents' },
    );
  }

  private entry(event: DomainEvent): PutEventsRequestEntry {
    return {
      EventBusName: this.busName,
      Source: this.source,
      DetailType: event.type,
      Time: new Date(event.time),
      Detail: JSON.stringify({ tenant: event.tenant, ...event.detail }),
    };
  }
}

/** EventBridge's entry size: Source, DetailType, Detail, resources and 14 bytes for Time. */
function entrySize(entry: PutEventsRequestEntry): number {
  return 14 + Buffer.byteLength(entry.Source ?? '') + Buffer.byteLength(entry.DetailType ?? '') + Buffer.byteLength(entry.Detail ?? '');
}
