import type { Statement } from 'better-sqlite3';
import {
  ConditionFailedError,
  type Clock,
  type DeleteOptions,
  type JsonValue,
  type PutOptions,
  type QueryOptions,
  type QueryPage,
  type StateStore,
  type StoreItem,
  type WriteOp,
} from '@vigil/core';
import { openDatabase, type SqliteDatabase } from './database';

export interface SqliteStateStoreOptions {
  busyTimeoutMs?: number;
  /** Items per query page when the caller gives no limit. */
  defaultPageLimit?: number;
  /** A page stops before its value bytes would pass this (it always holds at least one item). */
  pageByteLimit?: number;
}

/** DynamoDB's TransactWriteItems limit; enforced here so local code does not outgrow the cloud. */
export const MAX_TRANSACT_OPS = 100;
const BATCH_CHUNK = 500;
const SWEEP_CHUNK = 1000;

interface ItemRow {
  sk: string;
  version: number;
  expires_at: number | null;
  value: string;
}

interface VersionRow {
  version: number;
}

interface CursorState {
  sk: string;
  reverse: boolean;
}

/**
 * StateStore on one SQLite table. Every write is a single statement whose WHERE clause
 * carries the version condition, so the check and the write cannot be split by another
 * process writing the same file; multi-item operations run in IMMEDIATE transactions so
 * they take the write lock up front instead of failing on lock upgrade.
 */
export class SqliteStateStore implements StateStore {
  private readonly db: SqliteDatabase;
  private readonly defaultPageLimit: number;
  private readonly pageByteLimit: number;
  private readonly stmts: {
    get: Statement<[{ pk: string; sk: string; now: number }], ItemRow>;
    upsert: Statement<[WriteParams], VersionRow>;
    create: Statement<[WriteParams], VersionRow>;
    update: Statement<[WriteParams & { ifVersion: number }], VersionRow>;
    delete: Statement<[{ pk: string; sk: string }]>;
    deleteIfVersion: Statement<[{ pk: string; sk: string; ifVersion: number; now: number }]>;
    exists: Statement<[{ pk: string; sk: string; now: number }], { one: number }>;
    sweep: Statement<[{ now: number; limit: number }]>;
  };
  private readonly queryStmts = new Map<string, Statement<[Record<string, unknown>], ItemRow>>();
  private readonly transactTx: (ops: WriteOp[], now: number) => void;
  private readonly batchTx: (ops: WriteOp[], now: number) => void;

  constructor(
    path: string,
    private readonly clock: Clock,
    options: SqliteStateStoreOptions = {},
  ) {
    this.defaultPageLimit = options.defaultPageLimit ?? 1000;
    this.pageByteLimit = options.pageByteLimit ?? 1024 * 1024;
    this.db = openDatabase(path, { busyTimeoutMs: options.busyTimeoutMs });
    try {
      this.db.exec(`
        CREATE TABLE IF NOT EXISTS items (
          pk TEXT NOT NULL,
          sk TEXT NOT NULL,
          version INTEGER NOT NULL,
          expires_at INTEGER NULL,
          value TEXT NOT NULL,
          PRIMARY KEY (pk, sk)
        ) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS items_expires_at ON items (expires_at) WHERE expires_at IS NOT NULL;
      `);
      const live = '(expires_at IS NULL OR expires_at > @now)';
      const expired = 'items.expires_at IS NOT NULL AND items.expires_at <= @now';
      this.stmts = {
        get: this.db.prepare(`SELECT sk, version, expires_at, value FROM items WHERE pk = @pk AND sk = @sk AND ${live}`),
        // An expired row is an absent item, so overwriting it starts the version over at 1.
        upsert: this.db.prepare(`
          INSERT INTO items (pk, sk, version, expires_at, value) VALUES (@pk, @sk, 1, @expiresAt, @value)
          ON CONFLICT (pk, sk) DO UPDATE SET
            version = CASE WHEN ${expired} THEN 1 ELSE items.version + 1 END,
            expires_at = excluded.expires_at, value = excluded.value
          RETURNING version`),
        create: this.db.prepare(`
          INSERT INTO items (pk, sk, version, expires_at, value) VALUES (@pk, @sk, 1, @expiresAt, @value)
          ON CONFLICT (pk, sk) DO UPDATE SET version = 1, expires_at = excluded.expires_at, value = excluded.value
            WHERE ${expired}
          RETURNING version`),
        update: this.db.prepare(`
          UPDATE items SET version = version + 1, expires_at = @expiresAt, value = @value
          WHERE pk = @pk AND sk = @sk AND version = @ifVersion AND ${live}
          RETURNING version`),
        delete: this.db.prepare('DELETE FROM items WHERE pk = @pk AND sk = @sk'),
        deleteIfVersion: this.db.prepare(
          `DELETE FROM items WHERE pk = @pk AND sk = @sk AND version = @ifVersion AND ${live}`,
        ),
        exists: this.db.prepare(`SELECT 1 AS one FROM items WHERE pk = @pk AND sk = @sk AND ${live}`),
        sweep: this.db.prepare(`
          DELETE FROM items WHERE (pk, sk) IN (
            SELECT pk, sk FROM items WHERE expires_at IS NOT NULL AND expires_at <= @now LIMIT @limit
          )`),
      };
      this.transactTx = this.db.transaction((ops: WriteOp[], now: number) => {
        for (const op of ops) this.apply(op, now);
      }).immediate as (ops: WriteOp[], now: number) => void;
      this.batchTx = this.transactTx;
    } catch (err) {
      this.db.close();
      throw err;
    }
  }

  async get<V = JsonValue>(pk: string, sk: string): Promise<StoreItem<V> | undefined> {
    checkKey(pk, sk);
    const row = this.stmts.get.get({ pk, sk, now: this.clock.now() });
    return row ? toItem<V>(pk, row) : undefined;
  }

  async put<V extends JsonValue = JsonValue>(
    pk: string,
    sk: string,
    value: V,
    options: PutOptions = {},
  ): Promise<StoreItem<V>> {
    const op: WriteOp = { type: 'put', pk, sk, value, ifVersion: options.ifVersion, expiresAt: options.expiresAt };
    checkOp(op);
    const version = this.writePut(op, serialize(value), this.clock.now());
    const item: StoreItem<V> = { pk, sk, value, version };
    if (options.expiresAt !== undefined) item.expiresAt = options.expiresAt;
    return item;
  }

  async delete(pk: string, sk: string, options: DeleteOptions = {}): Promise<void> {
    const op: WriteOp = { type: 'delete', pk, sk, ifVersion: options.ifVersion };
    checkOp(op);
    this.apply(op, this.clock.now());
  }

  async query<V = JsonValue>(pk: string, options: QueryOptions = {}): Promise<QueryPage<V>> {
    if (typeof pk !== 'string' || pk === '') throw new TypeError('pk must be a non-empty string');
    const limit = options.limit ?? this.defaultPageLimit;
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`limit must be a positive integer, got ${limit}`);
    const reverse = options.reverse === true;
    const params: Record<string, unknown> = { pk, now: this.clock.now(), limit: limit + 1 };
    const where = ['pk = @pk', '(expires_at IS NULL OR expires_at > @now)'];
    if (options.skFrom !== undefined) {
      where.push('sk >= @skFrom');
      params.skFrom = options.skFrom;
    }
    if (options.skTo !== undefined) {
      where.push('sk < @skTo');
      params.skTo = options.skTo;
    }
    if (options.skPrefix !== undefined && options.skPrefix !== '') {
      where.push('sk >= @prefix');
      params.prefix = options.skPrefix;
      const end = prefixEnd(options.skPrefix);
      if (end) {
        // A byte string, not text: the successor of a UTF-8 prefix is often not valid UTF-8,
        // and SQLite's BINARY collation compares the raw bytes either way.
        where.push('sk < CAST(@prefixEnd AS TEXT)');
        params.prefixEnd = end;
      }
    }
    if (options.cursor !== undefined) {
      const cursor = decodeCursor(options.cursor);
      if (cursor.reverse !== reverse) throw new Error('cursor belongs to a query in the other direction');
      where.push(reverse ? 'sk < @after' : 'sk > @after');
      params.after = cursor.sk;
    }
    const sql = `SELECT sk, version, expires_at, value FROM items WHERE ${where.join(' AND ')}
      ORDER BY sk ${reverse ? 'DESC' : 'ASC'} LIMIT @limit`;
    let stmt = this.queryStmts.get(sql);
    if (!stmt) {
      stmt = this.db.prepare(sql);
      this.queryStmts.set(sql, stmt);
    }

    const items: StoreItem<V>[] = [];
    let bytes = 0;
    let more = false;
    for (const row of stmt.iterate(params)) {
      const size = Buffer.byteLength(row.value, 'utf8');
      if (items.length >= limit || (items.length > 0 && bytes + size > this.pageByteLimit)) {
        more = true;
        break;
      }
      bytes += size;
      items.push(toItem<V>(pk, row));
    }
    const last = items[items.length - 1];
    return more && last ? { items, cursor: encodeCursor({ sk: last.sk, reverse }) } : { items };
  }

  async transact(ops: WriteOp[]): Promise<void> {
    if (ops.length === 0) return;
    if (ops.length > MAX_TRANSACT_OPS) {
      throw new RangeError(`transact takes at most ${MAX_TRANSACT_OPS} operations, got ${ops.length}`);
    }
    const seen = new Set<string>();
    for (const op of ops) {
      checkOp(op);
      const key = JSON.stringify([op.pk, op.sk]);
      // DynamoDB refuses two operations on one item in a transaction; so does every port user.
      if (seen.has(key)) throw new Error(`transact has more than one operation on ${op.pk} / ${op.sk}`);
      seen.add(key);
    }
    this.transactTx(ops, this.clock.now());
  }

  async batchWrite(ops: WriteOp[]): Promise<void> {
    for (const op of ops) {
      checkOp(op);
      // Silently dropping a condition would turn a lost update into a passing test.
      if (op.ifVersion !== undefined) throw new Error('batchWrite is unconditional; use transact for ifVersion');
    }
    for (let i = 0; i < ops.length; i += BATCH_CHUNK) {
      this.batchTx(ops.slice(i, i + BATCH_CHUNK), this.clock.now());
    }
  }

  /** Deletes rows whose expiry has passed; reads already ignore them. Returns how many went. */
  sweepExpired(): number {
    const now = this.clock.now();
    let total = 0;
    for (;;) {
      // Short chunks keep the write lock brief for other processes on the same file.
      const { changes } = this.stmts.sweep.run({ now, limit: SWEEP_CHUNK });
      total += changes;
      if (changes < SWEEP_CHUNK) return total;
    }
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  private apply(op: WriteOp, now: number): void {
    if (op.type === 'put') {
      this.writePut(op, serialize(op.value), now);
      return;
    }
    const { pk, sk, ifVersion } = op;
    if (ifVersion === undefined) {
      this.stmts.delete.run({ pk, sk });
    } else if (ifVersion === 0) {
      if (this.stmts.exists.get({ pk, sk, now })) throw new ConditionFailedError(pk, sk);
      this.stmts.delete.run({ pk, sk });
    } else if (this.stmts.deleteIfVersion.run({ pk, sk, ifVersion, now }).changes === 0) {
      throw new ConditionFailedError(pk, sk);
    }
  }

  private writePut(op: Extract<WriteOp, { type: 'put' }>, value: string, now: number): number {
    const params: WriteParams = { pk: op.pk, sk: op.sk, value, expiresAt: op.expiresAt ?? null, now };
    let row: VersionRow | undefined;
    if (op.ifVersion === undefined) row = this.stmts.upsert.get(params);
    else if (op.ifVersion === 0) row = this.stmts.create.get(params);
    else row = this.stmts.update.get({ ...params, ifVersion: op.ifVersion });
    if (!row) throw new ConditionFailedError(op.pk, op.sk);
    return row.version;
  }
}

interface WriteParams {
  pk: string;
  sk: string;
  value: string;
  expiresAt: number | null;
  now: number;
}

function toItem<V>(pk: string, row: ItemRow): StoreItem<V> {
  const item: StoreItem<V> = { pk, sk: row.sk, value: JSON.parse(row.value) as V, version: row.version };
  if (row.expires_at !== null) item.expiresAt = row.expires_at;
  return item;
}

function checkKey(pk: string, sk: string): void {
  // Empty key strings are refused by DynamoDB, Firestore and Table Storage alike.
  if (typeof pk !== 'string' || pk === '') throw new TypeError('pk must be a non-empty string');
  if (typeof sk !== 'string' || sk === '') throw new TypeError('sk must be a non-empty string');
}

function checkOp(op: WriteOp): void {
  checkKey(op.pk, op.sk);
  if (op.type !== 'put' && op.type !== 'delete') throw new TypeError(`unknown write op type ${String((op as { type: unknown }).type)}`);
  if (op.ifVersion !== undefined && (!Number.isInteger(op.ifVersion) || op.ifVersion < 0)) {
    throw new RangeError(`ifVersion must be a non-negative integer, got ${op.ifVersion}`);
  }
  if (op.type === 'put' && op.expiresAt !== undefined && !Number.isFinite(op.expiresAt)) {
    throw new RangeError(`expiresAt must be a finite epoch-milliseconds number, got ${op.expiresAt}`);
  }
}

function serialize(value: JsonValue): string {
  const text = JSON.stringify(value) as string | undefined;
  if (text === undefined) throw new TypeError('value is not JSON-serializable');
  return text;
}

/** The smallest byte string greater than every string that starts with `prefix`. */
function prefixEnd(prefix: string): Buffer | undefined {
  const bytes = Buffer.from(prefix, 'utf8');
  let end = bytes.length;
  while (end > 0 && bytes[end - 1] === 0xff) end--;
  if (end === 0) return undefined;
  const out = Buffer.from(bytes.subarray(0, end));
  out[end - 1] = (out[end - 1] ?? 0) + 1;
  return out;
}

function encodeCursor(state: CursorState): string {
  return Buffer.from(JSON.stringify({ k: state.sk, r: state.reverse ? 1 : 0 }), 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): CursorState {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { k?: unknown; r?: unknown };
    if (typeof parsed.k === 'string' && (parsed.r === 0 || parsed.r === 1)) return { sk: parsed.k, reverse: parsed.r === 1 };
  } catch {
    // Fall through to the one error callers see for any malformed cursor.
  }
  throw new TypeError('invalid query cursor');
}
