import type { DomainEvent, StateStore, WriteOp } from '../ports';
import { queryAll } from '../ports';
import { RESOLVED_RETENTION_MS, type AlertRecord } from './state';

export interface StoredAlert {
  record: AlertRecord;
  version: number;
}

/** TransactWriteItems' limit, which every StateStore enforces. */
export const MAX_TRANSACTION_OPS = 100;

const pk = (tenant: string, groupId: string) => `al#${tenant}#${groupId}`;
const sk = (rule: string, fp: string) => `${rule}#${fp}`;

/**
 * Domain events wait in the group's own partition (so they commit in the same single-partition
 * transaction as their transition, on every store) until they are published.
 */
const OUTBOX_PREFIX = '#outbox#';
const OUTBOX_RETENTION_MS = 7 * 24 * 3_600_000;
const outboxSk = (e: PendingEventInput) => `${OUTBOX_PREFIX}${String(e.event.time).padStart(16, '0')}#${e.rule}#${e.fingerprint}#${e.event.type}`;

interface OutboxValue {
  outbox: DomainEvent;
}
const isOutbox = (v: unknown): v is OutboxValue => typeof v === 'object' && v !== null && 'outbox' in v;

/** A domain event about one alert's transition, committed with it. */
export interface PendingEventInput {
  rule: string;
  fingerprint: string;
  event: DomainEvent;
}

/** A committed, not yet published event; `id` is stable, so consumers can drop a re-published copy. */
export interface PendingEvent {
  id: string;
  event: DomainEvent;
}

/**
 * Alert state of one rule group, one item per alert, written on transitions only.
 * Writes are conditional on the version read, so two evaluations racing on the same
 * group cannot both apply (and both notify) a transition.
 */
export class AlertStateRepository {
  constructor(private readonly store: StateStore) {}

  async load(tenant: string, groupId: string): Promise<StoredAlert[]> {
    const items = await queryAll<AlertRecord | OutboxValue>(this.store, pk(tenant, groupId));
    return items.flatMap((i) => (isOutbox(i.value) ? [] : [{ record: i.value, version: i.version }]));
  }

  /** Events committed with their transitions and not yet published (a crash came in between), oldest first. */
  async pendingEvents(tenant: string, groupId: string): Promise<PendingEvent[]> {
    const items = await queryAll<OutboxValue>(this.store, pk(tenant, groupId), { skPrefix: OUTBOX_PREFIX });
    return items.filter((i) => isOutbox(i.value)).map((i) => ({ id: `${pk(tenant, groupId)}${i.sk}`, event: i.value.outbox }));
  }

  /** Drops published events from the outbox. */
  async clearEvents(tenant: string, groupId: string, events: PendingEvent[]): Promise<void> {
    const prefix = pk(tenant, groupId);
    const ops: WriteOp[] = events.map((e) => ({ type: 'delete', pk: prefix, sk: e.id.slice(prefix.length) }));
    if (ops.length > 0) await this.store.batchWrite(ops);
  }

  /**
   * Applies changes with conditional writes; throws ConditionFailedError when another writer
   * got there first. Each transaction holds at most MAX_TRANSACTION_OPS writes (DynamoDB's
   * limit): a larger change commits in several, and a conflict in a later one leaves the
   * earlier ones applied — the caller re-reads and re-evaluates, so nothing is applied twice.
   */
  async commit(
    tenant: string,
    groupId: string,
    previous: StoredAlert[],
    changed: AlertRecord[],
    removed: AlertRecord[],
    events: PendingEventInput[] = [],
  ): Promise<PendingEvent[]> {
    const partition = pk(tenant, groupId);
    const versions = new Map(previous.map((p) => [sk(p.record.rule, p.record.fingerprint), p.version]));
    const eventOps = new Map<string, WriteOp[]>();
    const pending: PendingEvent[] = [];
    for (const e of events) {
      const key = sk(e.rule, e.fingerprint);
      const eventSk = outboxSk(e);
      eventOps.set(key, [...(eventOps.get(key) ?? []), { type: 'put', pk: partition, sk: eventSk, value: { outbox: e.event } as never, expiresAt: e.event.time + OUTBOX_RETENTION_MS }]);
      pending.push({ id: `${partition}${eventSk}`, event: e.event });
    }
    // An alert's write and its events stay in one transaction, so a partial commit never
    // leaves a transition without its event or an event without its transition.
    const units: WriteOp[][] = [];
    for (const a of changed) {
      const key = sk(a.rule, a.fingerprint);
      units.push([
        {
          type: 'put',
          pk: partition,
          sk: key,
          value: a as never,
          ifVersion: versions.get(key) ?? 0,
          // Resolved alerts expire by themselves once they no longer need reporting.
          expiresAt: a.state === 'inactive' && a.resolvedAt !== undefined ? a.resolvedAt + RESOLVED_RETENTION_MS + 60_000 : undefined,
        },
        ...(eventOps.get(key) ?? []),
      ]);
      eventOps.delete(key);
    }
    for (const a of removed) {
      const key = sk(a.rule, a.fingerprint);
      units.push([{ type: 'delete', pk: partition, sk: key, ifVersion: versions.get(key) }, ...(eventOps.get(key) ?? [])]);
      eventOps.delete(key);
    }
    for (const orphan of eventOps.values()) units.push(orphan);
    let batch: WriteOp[] = [];
    for (const unit of units) {
      if (batch.length + unit.length > MAX_TRANSACTION_OPS) {
        await this.store.transact(batch);
        batch = [];
      }
      batch.push(...unit);
    }
    if (batch.length > 0) await this.store.transact(batch);
    return pending;
  }

  /** Removes every alert of a group (the group was deleted). */
  async clear(tenant: string, groupId: string): Promise<void> {
    const items = await queryAll(this.store, pk(tenant, groupId));
    if (items.length > 0) await this.store.batchWrite(items.map((i) => ({ type: 'delete' as const, pk: i.pk, sk: i.sk })));
  }
}
