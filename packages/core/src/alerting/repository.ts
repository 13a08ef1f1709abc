import type { StateStore, WriteOp } from '../ports';
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
 * Alert state of one rule group, one item per alert, written on transitions only.
 * Writes are conditional on the version read, so two evaluations racing on the same
 * group cannot both apply (and both notify) a transition.
 */
export class AlertStateRepository {
  constructor(private readonly store: StateStore) {}

  async load(tenant: string, groupId: string): Promise<StoredAlert[]> {
    const items = await queryAll<AlertRecord>(this.store, pk(tenant, groupId));
    return items.map((i) => ({ record: i.value, version: i.version }));
  }

  /**
   * Applies changes with conditional writes; throws ConditionFailedError when another writer
   * got there first. Each transaction holds at most MAX_TRANSACTION_OPS writes (DynamoDB's
   * limit): a larger change commits in several, and a conflict in a later one leaves the
   * earlier ones applied — the caller re-reads and re-evaluates, so nothing is applied twice.
   */
  async commit(tenant: string, groupId: string, previous: StoredAlert[], changed: AlertRecord[], removed: AlertRecord[]): Promise<void> {
    const versions = new Map(previous.map((p) => [sk(p.record.rule, p.record.fingerprint), p.version]));
    const ops: WriteOp[] = [];
    for (const a of changed) {
      const key = sk(a.rule, a.fingerprint);
      ops.push({
        type: 'put',
        pk: pk(tenant, groupId),
        sk: key,
        value: a as never,
        ifVersion: versions.get(key) ?? 0,
        // Resolved alerts expire by themselves once they no longer need reporting.
        expiresAt: a.state === 'inactive' && a.resolvedAt !== undefined ? a.resolvedAt + RESOLVED_RETENTION_MS + 60_000 : undefined,
      });
    }
    for (const a of removed) {
      const key = sk(a.rule, a.fingerprint);
      ops.push({ type: 'delete', pk: pk(tenant, groupId), sk: key, ifVersion: versions.get(key) });
    }
    for (let i = 0; i < ops.length; i += MAX_TRANSACTION_OPS) await this.store.transact(ops.slice(i, i + MAX_TRANSACTION_OPS));
  }

  /** Removes every alert of a group (the group was deleted). */
  async clear(tenant: string, groupId: string): Promise<void> {
    const items = await queryAll(this.store, pk(tenant, groupId));
    if (items.length > 0) await this.store.batchWrite(items.map((i) => ({ type: 'delete' as const, pk: i.pk, sk: i.sk })));
  }
}
