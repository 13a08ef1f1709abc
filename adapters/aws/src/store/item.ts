import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { checkStoreKey, checkWriteOp, decodeQueryCursor, isUnexpired, type JsonValue, type QueryCursor, type StoreItem, type WriteOp } from '@vigil/core';

/**
 * How one StoreItem is laid out in the single table:
 *
 *   pk, sk        S  partition and sort key
 *   version       N  optimistic-concurrency version (1 on create)
 *   value         S  the JSON value as text: exact round-trip of every JSON number and of
 *                    empty/nested values, and its byte length is what pages are cut by
 *   expiresAt     N  epoch SECONDS, the table's TTL attribute (rounded up, so DynamoDB never
 *                    deletes an item before it is due)
 *   expiresAtMs   N  exact expiry in epoch ms; reads and conditions judge expiry by this
 *   wt            S  token of the call that last wrote the item: tells a retried write whose
 *                    first attempt already landed from a real condition failure
 *
 * Every expression goes through ExpressionAttributeNames because `value` is a reserved word.
 */
export const ATTR = {
  pk: 'pk',
  sk: 'sk',
  version: 'version',
  value: 'value',
  ttl: 'expiresAt',
  expiresMs: 'expiresAtMs',
  token: 'wt',
} as const;

/** DynamoDB's item size limit (names plus values). */
export const MAX_ITEM_BYTES = 400 * 1024;

export type RawItem = Record<string, AttributeValue>;

export const S = (s: string): AttributeValue => ({ S: s });
export const N = (n: number): AttributeValue => ({ N: String(n) });

export function key(pk: string, sk: string): RawItem {
  return { [ATTR.pk]: S(pk), [ATTR.sk]: S(sk) };
}

export function str(item: RawItem | undefined, name: string): string | undefined {
  const v = item?.[name];
  return v && 'S' in v ? v.S : undefined;
}

export function num(item: RawItem | undefined, name: string): number | undefined {
  const v = item?.[name];
  return v && 'N' in v && v.N !== undefined ? Number(v.N) : undefined;
}

/** Whether a stored item counts as absent at `now` (DynamoDB TTL deletes lazily; emulators never). */
export function isExpired(item: RawItem, now: number): boolean {
  return !isUnexpired(num(item, ATTR.expiresMs), now);
}

export function ttlSeconds(expiresAtMs: number): number {
  return Math.ceil(expiresAtMs / 1000);
}

/** A full item as PutItem writes it. */
export function encodeItem(pk: string, sk: string, json: string, version: number, token: string, expiresAt?: number): RawItem {
  const item: RawItem = {
    ...key(pk, sk),
    [ATTR.version]: N(version),
    [ATTR.value]: S(json),
    [ATTR.token]: S(token),
  };
  if (expiresAt !== undefined) {
    item[ATTR.ttl] = N(ttlSeconds(expiresAt));
    item[ATTR.expiresMs] = N(expiresAt);
  }
  return item;
}

export function decodeItem<V = JsonValue>(raw: RawItem): StoreItem<V> {
  const pk = str(raw, ATTR.pk);
  const sk = str(raw, ATTR.sk);
  const json = str(raw, ATTR.value);
  const version = num(raw, ATTR.version);
  if (pk === undefined || sk === undefined || json === undefined || version === undefined) {
    throw new Error(`malformed store item ${JSON.stringify(pk)} / ${JSON.stringify(sk)}: missing attributes`);
  }
  const item: StoreItem<V> = { pk, sk, value: JSON.parse(json) as V, version };
  const e = num(raw, ATTR.expiresMs);
  if (e !== undefined) item.expiresAt = e;
  return item;
}

/** Upper bound of the stored item size, refused before DynamoDB refuses it less clearly. */
export function checkItemSize(pk: string, sk: string, json: string): void {
  const overhead = 80; // attribute names, version, expiry numbers and the write token
  const bytes = Buffer.byteLength(pk) + Buffer.byteLength(sk) + Buffer.byteLength(json) + overhead;
  if (bytes > MAX_ITEM_BYTES) {
    throw new RangeError(`item ${pk} / ${sk} is about ${bytes} bytes; DynamoDB items are limited to ${MAX_ITEM_BYTES} bytes`);
  }
}

export function checkKey(pk: string, sk: string): void {
  checkStoreKey(pk, sk);
  // Key attributes are limited to 2048 (partition) and 1024 (sort) bytes.
  if (Buffer.byteLength(pk) > 2048) throw new RangeError('pk is longer than 2048 bytes');
  if (Buffer.byteLength(sk) > 1024) throw new RangeError('sk is longer than 1024 bytes');
}

export function checkOp(op: WriteOp): void {
  checkWriteOp(op, checkKey);
}

/** Sort keys compare as UTF-8 bytes in DynamoDB, unlike JavaScript's UTF-16 `<`. */
export function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/**
 * The common cursor (the last sort key returned: resuming is ExclusiveStartKey {pk, sk}, valid
 * even if that item is gone), minus an empty sort key, which no page of ours ends on and
 * ExclusiveStartKey refuses.
 */
export function decodeCursor(cursor: string): QueryCursor {
  const state = decodeQueryCursor(cursor);
  if (state.sk === '') throw new TypeError('invalid query cursor');
  return state;
}
