import type { TableEntity, TableEntityResult } from '@azure/data-tables';
import { serializeValue, type JsonValue, type StoreItem } from '@vigil/core';

/**
 * How one StateStore item is laid out as a Table Storage entity:
 *
 * - `PartitionKey`, `RowKey`: the encoded pk and sk (see keys.ts)
 * - `ver` (Int32): the item's version
 * - `exp` (Double): expiry in epoch ms; `NEVER` when the item does not expire, so one
 *   server-side filter (`exp gt now`) selects live items
 * - `n` (Int32) and `v0` … `v{n-1}` (String): the JSON value as ASCII text, split into pieces
 *   because a string property holds at most 64 KiB (32K UTF-16 code units)
 */
export const NEVER = 8_640_000_000_000_000;

/** UTF-16 code units per value piece: below the 32,768-unit cap of a string property. */
export const PIECE_UNITS = 32_000;
/** 15 pieces of 64 KB stay under the 1 MiB entity limit with room for keys and the other properties. */
export const MAX_PIECES = 15;
export const MAX_VALUE_UNITS = PIECE_UNITS * MAX_PIECES;

export interface Row {
  partitionKey: string;
  rowKey: string;
  etag: string;
  ver: number;
  exp: number;
  n: number;
  [piece: string]: unknown;
}

export type EntityProps = TableEntity<Record<string, unknown>>;

/** Splits JSON text into pieces without cutting a surrogate pair in two. */
export function splitValue(text: string): string[] {
  const pieces: string[] = [];
  for (let start = 0; start < text.length; ) {
    let end = Math.min(start + PIECE_UNITS, text.length);
    const last = text.charCodeAt(end - 1);
    if (end < text.length && last >= 0xd800 && last <= 0xdbff) end--;
    pieces.push(text.slice(start, end));
    start = end;
  }
  return pieces.length === 0 ? [''] : pieces;
}

/**
 * JSON text with every non-ASCII code unit escaped (`\u00e9`): still valid JSON for the same
 * value, readable in Storage Explorer, and pure ASCII on the wire. Azurite decodes long UTF-8
 * request bodies chunk by chunk and can split a multi-byte character, so raw non-ASCII text
 * is not safe to store through it.
 */
export function serialize(value: JsonValue, pk: string, sk: string): string {
  const text = serializeValue(value).replace(/[\u007f-\uffff]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
  if (text.length > MAX_VALUE_UNITS) {
    throw new RangeError(
      `value of ${pk} / ${sk} is ${text.length} UTF-16 code units of JSON; a Table Storage entity holds at most ${MAX_VALUE_UNITS}`,
    );
  }
  return text;
}

export function toEntity(pkEnc: string, rkEnc: string, json: string, version: number, expiresAt: number | undefined): EntityProps {
  const pieces = splitValue(json);
  const entity: EntityProps = {
    partitionKey: pkEnc,
    rowKey: rkEnc,
    ver: version,
    exp: { value: String(expiresAt ?? NEVER), type: 'Double' },
    n: pieces.length,
  };
  pieces.forEach((piece, i) => (entity[`v${i}`] = piece));
  return entity;
}

/** An expired, empty entity: what a conditional delete inside a transaction writes (see transact). */
export function tombstone(pkEnc: string, rkEnc: string): EntityProps {
  return { partitionKey: pkEnc, rowKey: rkEnc, ver: 0, exp: { value: '0', type: 'Double' }, n: 0 };
}

/** The entity as it was read, ready to be written back (rolling back a partial cross-partition commit). */
export function restore(row: Row): EntityProps {
  const entity: EntityProps = { partitionKey: row.partitionKey, rowKey: row.rowKey };
  for (const [k, v] of Object.entries(row)) {
    if (k === 'ver' || k === 'n' || /^v\d+$/.test(k)) entity[k] = v;
  }
  entity.exp = { value: String(row.exp), type: 'Double' };
  return entity;
}

export function asRow(entity: TableEntityResult<Record<string, unknown>>): Row {
  return entity as unknown as Row;
}

export function isLive(row: Row, now: number): boolean {
  return Number(row.exp) > now;
}

export function joinValue(row: Row): string {
  let text = '';
  for (let i = 0; i < Number(row.n); i++) text += String(row[`v${i}`] ?? '');
  return text;
}

export function toItem<V>(pk: string, sk: string, row: Row): StoreItem<V> {
  const item: StoreItem<V> = { pk, sk, value: JSON.parse(joinValue(row)) as V, version: Number(row.ver) };
  const exp = Number(row.exp);
  if (exp !== NEVER) item.expiresAt = exp;
  return item;
}
