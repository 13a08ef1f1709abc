import type { Statement } from 'better-sqlite3';
import {
  checkBatchOps,
  checkQueryOptions,
  checkStoreKey,
  checkTransactOps,
  checkWriteOp,
  ConditionFailedError,
  DEFAULT_PAGE_BYTES,
  DEFAULT_PAGE_LIMIT,
  MAX_TRANSACT_OPS,
  PageCollector,
  prefixSuccessor,
  resumeAfter,
  serializeValue,
  writtenItem,
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
export { MAX_TRANSACT_OPS };
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
    blind: Statement<[WriteParams], VersionRow>;
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
    this.defaultPageLimit = options.defaultPageLimit ?? DEFAULT_PAGE_LIMIT;
    this.pageByteLimit = options.pageByteLimit ?? DEFAULT_PAGE_BYTES;
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
        // A content-addressed item holds the same value whatever was there: no version count.
        blind: this.db.prepare(`
          INSERT INTO items (pk, sk, version, expires_at, value) VALUES (@pk, @sk, 1, @expiresAt, @value)
          ON CONFLICT (pk, sk) DO UPDATE SET version = 1, expires_at = excluded.expires_at, value = excluded.value
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
    checkStoreKey(pk, sk);
    const row = this.stmts.get.get({ pk, sk, now: this.clock.now() });
    return row ? toItem<V>(pk, row) : undefined;
  }

  async put<V extends JsonValue = JsonValue>(
    pk: string,
    sk: string,
    value: V,
    options: PutOptions = {},
  ): Promise<StoreItem<V>> {
    const op: WriteOp = { type: 'put', pk, sk, value, ifVersion: options.ifVersion, expiresAt: options.expiresAt, immutable: options.immutable };
    checkWriteOp(op);
    const version = this.writePut(op, serializeValue(value), this.clock.now());
    return writtenItem(pk, sk, value, version, options.expiresAt);
  }

  async delete(pk: string, sk: string, options: DeleteOptions = {}): Promise<void> {
    const op: WriteOp = { type: 'delete', pk, sk, ifVersion: options.ifVersion };
    checkWriteOp(op);
    this.apply(op, this.clock.now());
  }

  async query<V = JsonValue>(pk: string, options: QueryOptions = {}): Promise<QueryPage<V>> {
    const paging = checkQueryOptions(pk, options, this.defaultPageLimit);
    const { limit, reverse } = paging;
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
      const end = prefixSuccessor(options.skPrefix);
      if (end) {
        // A byte string, not text: the successor of a UTF-8 prefix is often not valid UTF-8,
        // and SQLite's BINARY collation compares the raw bytes either way.
        where.push('sk < CAST(@prefixEnd AS TEXT)');
        params.prefixEnd = end;
      }
    }
    const after = resumeAfter(options.cursor, reverse);
    if (after !== undefined) {
      where.push(reverse ? 'sk < @after' : 'sk > @after');
      params.after = after;
    }
    const sql = `SELECT sk, version, expires_at, value FROM items WHERE ${where.join(' AND ')}
      ORDER BY sk ${reverse ? 'DESC' : 'ASC'} LIMIT @limit`;
    let stmt = this.queryStmts.get(sql);
    if (!stmt) {
      stmt = this.db.prepare(sql);
      this.queryStmts.set(sql, stmt);
    }

    const page = new PageCollector<V>(paging, this.pageByteLimit);
    for (const row of stmt.iterate(params)) {
      if (!page.take(row.value, () => toItem<V>(pk, row))) break;
    }
    return page.page();
  }

  async transact(ops: WriteOp[]): Promise<void> {
    if (ops.length === 0) return;
    checkTransactOps(ops);
    this.transactTx(ops, this.clock.now());
  }

  async batchWrite(ops: WriteOp[]): Promise<void> {
    checkBatchOps(ops);
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
      this.writePut(op, serializeValue(op.value), now);
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
    if (op.immutable === true) row = this.stmts.blind.get(params);
    else if (op.ifVersion === undefined) row = this.stmts.upsert.get(params);
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
