/**
 * StateStore: the one key-value shape every backend shares (SQLite, DynamoDB, Firestore,
 * Azure Tables). Items live under a partition key and a sort key, carry a version for
 * optimistic concurrency and an optional expiry. Values are JSON.
 */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export interface StoreItem<V = JsonValue> {
  pk: string;
  sk: string;
  value: V;
  /** Starts at 1 on create, +1 on every write. */
  version: number;
  /** Epoch milliseconds after which the item is treated as absent (and may be reaped). */
  expiresAt?: number;
}

/** Condition on the current version of an item: `0` means "must not exist". */
export interface PutOptions {
  ifVersion?: number;
  expiresAt?: number;
  /** See ImmutablePut. */
  immutable?: boolean;
}

export interface DeleteOptions {
  ifVersion?: number;
}

export interface QueryOptions {
  /** Inclusive lower bound on sk. */
  skFrom?: string;
  /** Exclusive upper bound on sk. */
  skTo?: string;
  /** Only sort keys starting with this prefix. */
  skPrefix?: string;
  limit?: number;
  /** Opaque cursor from a previous page. */
  cursor?: string;
  /** Descending sk order. */
  reverse?: boolean;
}

export interface QueryPage<V = JsonValue> {
  items: StoreItem<V>[];
  /** Present when more items may follow. */
  cursor?: string;
}

/**
 * `immutable: true` marks a content-addressed item: its key is derived from its value, so every
 * write of that key writes the same value. Such a put overwrites blindly — no read of the current
 * item, no version count (it always reads back as version 1) — which lets a backend skip the read
 * it otherwise needs to count versions (DynamoDB batch writes, Firestore, Table Storage). It cannot
 * be combined with `ifVersion`, and a put without it onto the same key counts versions again.
 */
export interface ImmutablePut {
  immutable?: boolean;
}

export type WriteOp =
  | ({ type: 'put'; pk: string; sk: string; value: JsonValue; ifVersion?: number; expiresAt?: number } & ImmutablePut)
  | { type: 'delete'; pk: string; sk: string; ifVersion?: number };

/** Thrown when an `ifVersion` condition does not hold. */
export class ConditionFailedError extends Error {
  constructor(
    readonly pk: string,
    readonly sk: string,
    message = `condition failed for ${pk} / ${sk}`,
  ) {
    super(message);
    this.name = 'ConditionFailedError';
  }
}

export interface StateStore {
  get<V = JsonValue>(pk: string, sk: string): Promise<StoreItem<V> | undefined>;
  /** Writes the item; returns it with its new version. Throws ConditionFailedError. */
  put<V extends JsonValue = JsonValue>(pk: string, sk: string, value: V, options?: PutOptions): Promise<StoreItem<V>>;
  delete(pk: string, sk: string, options?: DeleteOptions): Promise<void>;
  query<V = JsonValue>(pk: string, options?: QueryOptions): Promise<QueryPage<V>>;
  /**
   * Applies all operations atomically: either every condition holds and every write lands,
   * or ConditionFailedError is thrown and nothing is written.
   */
  transact(ops: WriteOp[]): Promise<void>;
  /**
   * Unconditional writes in bulk, not atomic as a whole. Every op is applied at least once
   * when the call resolves; backends retry unprocessed items themselves.
   */
  batchWrite(ops: WriteOp[]): Promise<void>;
}

/** Reads every page of a query. */
export async function queryAll<V = JsonValue>(
  store: StateStore,
  pk: string,
  options: Omit<QueryOptions, 'cursor'> = {},
): Promise<StoreItem<V>[]> {
  const out: StoreItem<V>[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.query<V>(pk, { ...options, cursor });
    out.push(...page.items);
    cursor = page.cursor;
  } while (cursor);
  return out;
}
