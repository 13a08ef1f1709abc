import type { JsonValue, QueryOptions, QueryPage, StoreItem, WriteOp } from './store';

/**
 * What every StateStore backend checks and computes the same way, so that the backends cannot
 * drift apart on the port's contract: key and write-op validation, the transaction limits,
 * query paging and the opaque cursor. Nothing here knows a cloud; backend limits (key sizes,
 * item sizes, key encodings) stay with their backends.
 */

/** Items per query page when the caller gives no limit. */
export const DEFAULT_PAGE_LIMIT = 1000;
/** A page stops before its value bytes would pass this (it always holds at least one item). */
export const DEFAULT_PAGE_BYTES = 1024 * 1024;
/**
 * Operations per transact: DynamoDB's TransactWriteItems limit, enforced by every backend so
 * that code written against one does not outgrow another.
 */
export const MAX_TRANSACT_OPS = 100;

export function checkStoreKey(pk: string, sk: string): void {
  // Empty key strings are refused by DynamoDB, Firestore and Table Storage alike.
  if (typeof pk !== 'string' || pk === '') throw new TypeError('pk must be a non-empty string');
  if (typeof sk !== 'string' || sk === '') throw new TypeError('sk must be a non-empty string');
}

/** `keyCheck`: a backend with stricter key limits passes its own, so its errors keep their order. */
export function checkWriteOp(op: WriteOp, keyCheck: (pk: string, sk: string) => void = checkStoreKey): void {
  keyCheck(op.pk, op.sk);
  if (op.type !== 'put' && op.type !== 'delete') throw new TypeError(`unknown write op type ${String((op as { type: unknown }).type)}`);
  if (op.ifVersion !== undefined && (!Number.isInteger(op.ifVersion) || op.ifVersion < 0)) {
    throw new RangeError(`ifVersion must be a non-negative integer, got ${op.ifVersion}`);
  }
  if (op.type === 'put' && op.expiresAt !== undefined && !Number.isFinite(op.expiresAt)) {
    throw new RangeError(`expiresAt must be a finite epoch-milliseconds number, got ${op.expiresAt}`);
  }
  if (op.type === 'put' && op.immutable !== undefined) {
    if (typeof op.immutable !== 'boolean') throw new TypeError('immutable must be a boolean');
    // A blind overwrite cannot honour a version condition.
    if (op.immutable && op.ifVersion !== undefined) throw new Error('an immutable put takes no ifVersion');
  }
}

/** Whether a write op is a blind put of a content-addressed item (see ImmutablePut). */
export function isImmutablePut(op: WriteOp): boolean {
  return op.type === 'put' && op.immutable === true;
}

/**
 * Checks the ops of a transact: the size limit, each op, and at most one op per item (DynamoDB
 * refuses two operations on one item in a transaction; so does every port user). `each` runs on
 * every op right after its own checks, so a backend's further checks fail in the same order.
 */
export function checkTransactOps(
  ops: WriteOp[],
  each?: (op: WriteOp, index: number) => void,
  opCheck: (op: WriteOp) => void = checkWriteOp,
): void {
  if (ops.length > MAX_TRANSACT_OPS) throw new RangeError(`transact takes at most ${MAX_TRANSACT_OPS} operations, got ${ops.length}`);
  const seen = new Set<string>();
  for (const [i, op] of ops.entries()) {
    opCheck(op);
    const key = storeItemKey(op);
    if (seen.has(key)) throw new Error(`transact has more than one operation on ${op.pk} / ${op.sk}`);
    seen.add(key);
    each?.(op, i);
  }
}

/** Checks the ops of a batchWrite; `each` as in checkTransactOps. */
export function checkBatchOps(
  ops: WriteOp[],
  each?: (op: WriteOp) => void,
  opCheck: (op: WriteOp) => void = checkWriteOp,
): void {
  for (const op of ops) {
    opCheck(op);
    // Silently dropping a condition would turn a lost update into a passing test.
    if (op.ifVersion !== undefined) throw new Error('batchWrite is unconditional; use transact for ifVersion');
    each?.(op);
  }
}

/** The item a put returns: what was written, with its new version. */
export function writtenItem<V>(pk: string, sk: string, value: V, version: number, expiresAt: number | undefined): StoreItem<V> {
  const item: StoreItem<V> = { pk, sk, value, version };
  if (expiresAt !== undefined) item.expiresAt = expiresAt;
  return item;
}

/** One string per item (pk and sk together, unambiguously), for sets and maps of items. */
export function storeItemKey(op: { pk: string; sk: string }): string {
  return JSON.stringify([op.pk, op.sk]);
}

/** The JSON text of a value; refuses what JSON cannot hold (undefined, functions). */
export function serializeValue(value: JsonValue): string {
  const text = JSON.stringify(value) as string | undefined;
  if (text === undefined) throw new TypeError('value is not JSON-serializable');
  return text;
}

/** Whether an item with this expiry (epoch ms, none when absent) still counts as present at `now`. */
export function isUnexpired(expiresAt: number | null | undefined, now: number): boolean {
  return expiresAt === undefined || expiresAt === null || expiresAt > now;
}

/** The smallest byte string greater than every string that starts with `prefix`; undefined when none exists. */
export function prefixSuccessor(prefix: string): Buffer | undefined {
  const bytes = Buffer.from(prefix, 'utf8');
  let end = bytes.length;
  while (end > 0 && bytes[end - 1] === 0xff) end--;
  if (end === 0) return undefined;
  const out = Buffer.from(bytes.subarray(0, end));
  out[end - 1] = (out[end - 1] ?? 0) + 1;
  return out;
}

/** Where a page ended: the last sort key returned, and the direction it was read in. */
export interface QueryCursor {
  sk: string;
  reverse: boolean;
}

export function encodeQueryCursor(state: QueryCursor): string {
  return Buffer.from(JSON.stringify({ k: state.sk, r: state.reverse ? 1 : 0 }), 'utf8').toString('base64url');
}

export function decodeQueryCursor(cursor: string): QueryCursor {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { k?: unknown; r?: unknown };
    if (typeof parsed.k === 'string' && (parsed.r === 0 || parsed.r === 1)) return { sk: parsed.k, reverse: parsed.r === 1 };
  } catch {
    // Fall through to the one error callers see for any malformed cursor.
  }
  throw new TypeError('invalid query cursor');
}

/** The validated paging options of a query. */
export interface QueryPaging {
  limit: number;
  reverse: boolean;
}

export function checkQueryOptions(pk: string, options: QueryOptions, defaultLimit: number): QueryPaging {
  if (typeof pk !== 'string' || pk === '') throw new TypeError('pk must be a non-empty string');
  const limit = options.limit ?? defaultLimit;
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`limit must be a positive integer, got ${limit}`);
  return { limit, reverse: options.reverse === true };
}

/**
 * The sort key a query resumes after (exclusive), or undefined on a first page. `decode`: a
 * backend that refuses more cursors than the common decoder passes its own.
 */
export function resumeAfter(
  cursor: string | undefined,
  reverse: boolean,
  decode: (cursor: string) => QueryCursor = decodeQueryCursor,
): string | undefined {
  if (cursor === undefined) return undefined;
  const state = decode(cursor);
  if (state.reverse !== reverse) throw new Error('cursor belongs to a query in the other direction');
  return state.sk;
}

/**
 * Collects one query page: at most `limit` items, and stops before the value bytes would pass
 * `byteLimit`, but always takes the first item so that a page is never empty while items remain.
 */
export class PageCollector<V> {
  readonly items: StoreItem<V>[] = [];
  /** Set once an item was turned away: more items follow this page. */
  full = false;
  private taken = 0;

  constructor(
    private readonly paging: QueryPaging,
    private readonly byteLimit: number,
  ) {}

  /** Value bytes of the items taken so far. */
  get bytes(): number {
    return this.taken;
  }

  /**
   * Takes the item whose value is the JSON text `valueText` if it fits; false when the page is
   * full. `item` is only built for an item taken, so a row past the page is never decoded.
   */
  take(valueText: string, item: () => StoreItem<V>): boolean {
    const size = Buffer.byteLength(valueText, 'utf8');
    if (this.items.length >= this.paging.limit || (this.items.length > 0 && this.taken + size > this.byteLimit)) {
      this.full = true;
      return false;
    }
    this.taken += size;
    this.items.push(item());
    return true;
  }

  /** The page, with a cursor after its last item when `more` items may follow. */
  page(more: boolean = this.full): QueryPage<V> {
    const items = this.items;
    const last = items[items.length - 1];
    return more && last ? { items, cursor: encodeQueryCursor({ sk: last.sk, reverse: this.paging.reverse }) } : { items };
  }
}
