import type { DeleteOptions, JsonValue, PutOptions, QueryOptions, QueryPage, StateStore, StoreItem, WriteOp } from '@vigil/core';

/** Bytes of one item as DynamoDB sizes it: attribute names and values (see adapters/aws/src/store/item.ts). */
export function dynamoItemBytes(pk: string, sk: string, value: JsonValue, expiresAt?: number): number {
  const names = 'pk'.length + 'sk'.length + 'version'.length + 'value'.length + 'wt'.length;
  const expiry = expiresAt === undefined ? 0 : 'expiresAt'.length + 'expiresAtMs'.length + 2 * 8;
  return names + Buffer.byteLength(pk) + Buffer.byteLength(sk) + Buffer.byteLength(JSON.stringify(value)) + 8 + 16 + expiry;
}

const wcu = (bytes: number) => Math.max(1, Math.ceil(bytes / 1024));
const rcu = (bytes: number) => Math.max(1, Math.ceil(bytes / 4096));

export interface Counts {
  /** StateStore calls by kind. */
  calls: Record<'get' | 'put' | 'delete' | 'query' | 'transact' | 'batchWrite', number>;
  /** DynamoDB requests the AWS adapter would make (batches split in 25s, 100s for the batch pre-read). */
  requests: number;
  itemsWritten: number;
  itemsRead: number;
  /** Estimated capacity units on DynamoDB with strongly consistent reads (the adapter's default). */
  wcu: number;
  rcu: number;
}

export function emptyCounts(): Counts {
  return { calls: { get: 0, put: 0, delete: 0, query: 0, transact: 0, batchWrite: 0 }, requests: 0, itemsWritten: 0, itemsRead: 0, wcu: 0, rcu: 0 };
}

/**
 * Wraps any StateStore and counts what DynamoDB would bill for the same calls: 1 WCU per KB
 * written per item (2 in a transaction), 1 RCU per 4 KB read strongly consistently (a Query
 * rounds its page total, a GetItem each item), and the AWS adapter's own extra work — the
 * consistent BatchGetItem of versions before each batch put that is not immutable.
 */
export class CountingStateStore implements StateStore {
  counts: Counts = emptyCounts();

  constructor(private readonly inner: StateStore) {}

  reset(): Counts {
    const c = this.counts;
    this.counts = emptyCounts();
    return c;
  }

  async get<V = JsonValue>(pk: string, sk: string): Promise<StoreItem<V> | undefined> {
    const item = await this.inner.get<V>(pk, sk);
    this.counts.calls.get++;
    this.counts.requests++;
    this.counts.itemsRead += item ? 1 : 0;
    this.counts.rcu += rcu(item ? dynamoItemBytes(pk, sk, item.value as JsonValue, item.expiresAt) : 0);
    return item;
  }

  async put<V extends JsonValue = JsonValue>(pk: string, sk: string, value: V, options?: PutOptions): Promise<StoreItem<V>> {
    this.counts.calls.put++;
    this.counts.requests++;
    this.counts.itemsWritten++;
    // A failed condition consumes the write capacity as well.
    this.counts.wcu += wcu(dynamoItemBytes(pk, sk, value, options?.expiresAt));
    return this.inner.put(pk, sk, value, options);
  }

  async delete(pk: string, sk: string, options?: DeleteOptions): Promise<void> {
    this.counts.calls.delete++;
    this.counts.requests++;
    this.counts.itemsWritten++;
    this.counts.wcu += 1;
    return this.inner.delete(pk, sk, options);
  }

  async query<V = JsonValue>(pk: string, options?: QueryOptions): Promise<QueryPage<V>> {
    const page = await this.inner.query<V>(pk, options);
    this.counts.calls.query++;
    this.counts.requests++;
    this.counts.itemsRead += page.items.length;
    const bytes = page.items.reduce((sum, i) => sum + dynamoItemBytes(i.pk, i.sk, i.value as JsonValue, i.expiresAt), 0);
    this.counts.rcu += rcu(bytes);
    return page;
  }

  async transact(ops: WriteOp[]): Promise<void> {
    this.counts.calls.transact++;
    this.counts.requests++;
    for (const op of ops) {
      this.counts.itemsWritten++;
      this.counts.wcu += 2 * wcu(op.type === 'put' ? dynamoItemBytes(op.pk, op.sk, op.value, op.expiresAt) : 0);
    }
    return this.inner.transact(ops);
  }

  async batchWrite(ops: WriteOp[]): Promise<void> {
    this.counts.calls.batchWrite++;
    // Content-addressed (immutable) puts are written blind: no version pre-read.
    const puts = ops.filter((op) => op.type === 'put' && op.immutable !== true);
    this.counts.requests += Math.ceil(ops.length / 25) + Math.ceil(puts.length / 100);
    for (const op of ops) {
      this.counts.itemsWritten++;
      const bytes = op.type === 'put' ? dynamoItemBytes(op.pk, op.sk, op.value, op.expiresAt) : 0;
      this.counts.wcu += wcu(bytes);
      // The version pre-read of each put (consistent BatchGetItem, billed on the stored item's size).
      if (op.type === 'put' && op.immutable !== true) this.counts.rcu += rcu(bytes);
    }
    return this.inner.batchWrite(ops);
  }
}
