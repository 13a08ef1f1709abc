import { odata, RestError, TableClient, type TransactionAction } from '@azure/data-tables';
import {
  checkBatchOps,
  checkQueryOptions,
  checkStoreKey,
  checkTransactOps,
  checkWriteOp,
  ConditionFailedError,
  DEFAULT_PAGE_BYTES,
  isImmutablePut,
  DEFAULT_PAGE_LIMIT,
  MAX_TRANSACT_OPS,
  PageCollector,
  resumeAfter,
  silentLogger,
  writtenItem,
  type Clock,
  type DeleteOptions,
  type JsonValue,
  type Logger,
  type PutOptions,
  type QueryOptions,
  type QueryPage,
  type StateStore,
  type StoreItem,
  type WriteOp,
} from '@vigil/core';
import { decodeKey, encodeKey, encodeKeyBytes, MAX_ENCODED_KEY_LENGTH, prefixSuccessor } from './keys';
import { asRow, isLive, joinValue, restore, serialize, toEntity, tombstone, toItem, type EntityProps, type Row } from './entity';

/** An entity group transaction takes at most 100 operations (and 4 MiB): the port's cap as well. */
export { MAX_TRANSACT_OPS };
/** Payload budget of one batchWrite transaction, under the 4 MiB request limit. */
const TRANSACTION_BYTES = 3 * 1024 * 1024;
const PARTITION_CONCURRENCY = 8;

export interface TableStateStoreOptions {
  /** Items per query page when the caller gives no limit. Default 1000. */
  defaultPageLimit?: number;
  /** A page stops before its value bytes would pass this (it always holds at least one item). Default 1 MiB. */
  pageByteLimit?: number;
  /** Re-reads after losing an ETag race before giving up. Default 25. */
  maxConflictRetries?: number;
  logger?: Logger;
  /**
   * Fault injection for tests: runs before each partition of a transaction is committed, so a
   * test can change the store between the checks and the commit (a concurrent writer).
   */
  beforePartitionCommit?: (pk: string, index: number) => Promise<void>;
}

/** One operation, read and checked, turned into a Table action. */
interface Planned {
  op: WriteOp;
  pkEnc: string;
  rkEnc: string;
  /** The entity as read (absent when there is none, live or expired). */
  before?: Row;
  /** Undefined when there is nothing to write (deleting an absent item). */
  action?: TransactionAction;
}

/** The store lost an ETag race: re-read and plan again. */
class Conflict extends Error {}

/**
 * StateStore on one Azure Table. Table Storage can only make a write conditional on the
 * entity's ETag, not on a property, so every write reads the entity, checks the version
 * condition against it, and writes with If-Match on the ETag it read (or as an insert, which
 * fails if the entity appeared meanwhile). Losing that race re-reads and re-checks, so a
 * condition is judged on the state the write actually replaced.
 *
 * Table Storage has no TTL: expired entities stay until `sweepExpired()` deletes them; every
 * read filters them out (`exp gt now`), and writes treat them as absent.
 */
export class TableStateStore implements StateStore {
  private readonly defaultPageLimit: number;
  private readonly pageByteLimit: number;
  private readonly maxConflictRetries: number;
  private readonly logger: Logger;
  private readonly beforePartitionCommit?: (pk: string, index: number) => Promise<void>;

  constructor(
    private readonly client: TableClient,
    private readonly clock: Clock,
    options: TableStateStoreOptions = {},
  ) {
    this.defaultPageLimit = options.defaultPageLimit ?? DEFAULT_PAGE_LIMIT;
    this.pageByteLimit = options.pageByteLimit ?? DEFAULT_PAGE_BYTES;
    this.maxConflictRetries = options.maxConflictRetries ?? 25;
    this.logger = options.logger ?? silentLogger;
    this.beforePartitionCommit = options.beforePartitionCommit;
  }

  /** A store on `table` (created if missing) of the storage account in the connection string. */
  static async fromConnectionString(connectionString: string, table: string, clock: Clock, options: TableStateStoreOptions = {}): Promise<TableStateStore> {
    const client = TableClient.fromConnectionString(connectionString, table, { allowInsecureConnection: isInsecure(connectionString) });
    await client.createTable();
    return new TableStateStore(client, clock, options);
  }

  get tableName(): string {
    return this.client.tableName;
  }

  async get<V = JsonValue>(pk: string, sk: string): Promise<StoreItem<V> | undefined> {
    checkStoreKey(pk, sk);
    const row = await this.read(encodePk(pk), encodeSk(sk));
    return row && isLive(row, this.clock.now()) ? toItem<V>(pk, sk, row) : undefined;
  }

  async put<V extends JsonValue = JsonValue>(pk: string, sk: string, value: V, options: PutOptions = {}): Promise<StoreItem<V>> {
    const op: WriteOp = { type: 'put', pk, sk, value, ifVersion: options.ifVersion, expiresAt: options.expiresAt, immutable: options.immutable };
    checkWriteOp(op);
    const json = serialize(value, pk, sk);
    if (op.immutable === true) {
      await this.commitOne(this.action(op, encodePk(pk), encodeSk(sk), undefined, false, new Map([[op, json]]), false));
      return writtenItem(pk, sk, value, 1, options.expiresAt);
    }
    if (options.ifVersion === 0 && (await this.tryCreate([op], new Map([[op, json]])))) {
      return writtenItem(pk, sk, value, 1, options.expiresAt);
    }
    const version = await this.withConflictRetries(async () => {
      const [planned] = await this.plan([op], new Map([[op, json]]), false);
      if (!planned) throw new Error('nothing planned for a put');
      await this.commitOne(planned);
      return versionOf(planned);
    });
    return writtenItem(pk, sk, value, version, options.expiresAt);
  }

  async delete(pk: string, sk: string, options: DeleteOptions = {}): Promise<void> {
    const op: WriteOp = { type: 'delete', pk, sk, ifVersion: options.ifVersion };
    checkWriteOp(op);
    await this.withConflictRetries(async () => {
      const [planned] = await this.plan([op], new Map(), false);
      if (planned) await this.commitOne(planned);
    });
  }

  async query<V = JsonValue>(pk: string, options: QueryOptions = {}): Promise<QueryPage<V>> {
    const paging = checkQueryOptions(pk, options, this.defaultPageLimit);
    const { limit, reverse } = paging;

    // Bounds on the encoded RowKey; the encoding keeps byte order, so these are the sk bounds.
    let lower: string | undefined = options.skFrom !== undefined ? encodeSk(options.skFrom, false) : undefined;
    let upper: string | undefined = options.skTo !== undefined ? encodeSk(options.skTo, false) : undefined;
    let after: string | undefined;
    if (options.skPrefix !== undefined && options.skPrefix !== '') {
      const from = encodeSk(options.skPrefix, false);
      if (lower === undefined || from > lower) lower = from;
      const end = prefixSuccessor(options.skPrefix);
      if (end) {
        const to = encodeKeyBytes(end);
        if (upper === undefined || to < upper) upper = to;
      }
    }
    const resumeAt = resumeAfter(options.cursor, reverse);
    if (resumeAt !== undefined) {
      const at = encodeSk(resumeAt, false);
      if (reverse) upper = upper === undefined || at < upper ? at : upper;
      else after = at;
    }
    const now = this.clock.now();
    const filter = (lo: string | undefined) => {
      let f = odata`PartitionKey eq ${encodePk(pk)}`;
      if (lo !== undefined) f += odata` and RowKey ge ${lo}`;
      if (after !== undefined) f += odata` and RowKey gt ${after}`;
      if (upper !== undefined) f += odata` and RowKey lt ${upper}`;
      return `${f} and exp gt ${doubleLiteral(now)}`;
    };

    const out = new PageCollector<V>(paging, this.pageByteLimit);
    const take = (row: Row): boolean => out.take(joinValue(row), () => ({ ...toItem<V>(pk, decodeKey(row.rowKey), row) }));
    let more = false;

    if (!reverse) {
      const rows = this.client.listEntities<Record<string, unknown>>({ queryOptions: { filter: filter(lower) } });
      scan: for await (const page of rows.byPage({ maxPageSize: Math.min(1000, limit + 1) })) {
        for (const entity of page) {
          if (!take(asRow(entity))) {
            more = true;
            break scan;
          }
        }
      }
    } else {
      // Table Storage returns rows in ascending order only. A reverse page first reads the keys
      // (only the keys) from the lower bound up to the cursor, keeps the last `limit`, then reads
      // those rows in full: each reverse page costs a scan of every key below its cursor.
      const tail: string[] = [];
      let seen = 0;
      const keys = this.client.listEntities<Record<string, unknown>>({ queryOptions: { filter: filter(lower), select: ['RowKey'] } });
      for await (const page of keys.byPage({ maxPageSize: 1000 })) {
        for (const entity of page) {
          seen++;
          tail.push(entity.rowKey as string);
          if (tail.length > limit) tail.shift();
        }
      }
      const first = tail[0];
      if (first !== undefined) {
        const rows: Row[] = [];
        for await (const entity of this.client.listEntities<Record<string, unknown>>({ queryOptions: { filter: filter(first) } })) {
          rows.push(asRow(entity));
        }
        rows.reverse();
        for (const row of rows) if (!take(row)) break;
        more = seen > out.items.length;
      }
    }
    return out.page(more);
  }

  /**
   * Atomic within one partition (one entity group transaction, at most 100 operations).
   * Operations on several partitions are committed partition by partition after every
   * condition was checked; if a later partition fails, the partitions already committed are
   * rolled back with If-Match on the ETags they were written with, and after a lost race the
   * whole transaction is retried. Readers may see the partitions one at a time. Vigil's own
   * callers (the alert-state commit) write a single partition.
   */
  async transact(ops: WriteOp[]): Promise<void> {
    if (ops.length === 0) return;
    const json = new Map<WriteOp, string>();
    checkTransactOps(ops, (op) => {
      if (op.type === 'put') json.set(op, serialize(op.value, op.pk, op.sk));
    });
    await this.withConflictRetries(async () => {
      const planned = await this.plan(ops, json, true);
      const groups = groupBy(planned.filter((p) => p.action), (p) => p.pkEnc);
      const committed: { planned: Planned[]; etags: Map<string, string> }[] = [];
      for (const group of groups.values()) {
        try {
          await this.beforePartitionCommit?.(decodeKey(group[0]?.pkEnc ?? ''), committed.length);
          committed.push({ planned: group, etags: await this.commitGroup(group) });
        } catch (err) {
          // Whatever failed (a lost race, the network), the partitions already written go back.
          if (committed.length > 0) await this.rollBack(committed);
          throw err;
        }
      }
      for (const c of committed) await this.reapTombstones(c.planned, c.etags);
    });
  }

  /** Unconditional writes, one entity group transaction per ≤100 operations of one partition. */
  async batchWrite(ops: WriteOp[]): Promise<void> {
    const json = new Map<WriteOp, string>();
    checkBatchOps(ops, (op) => {
      if (op.type === 'put') json.set(op, serialize(op.value, op.pk, op.sk));
    });
    const partitions = groupBy(ops, (op) => encodePk(op.pk));
    await mapLimit([...partitions.values()], PARTITION_CONCURRENCY, async (partitionOps) => {
      // Chunks of one partition go in order, so a later op on the same key wins.
      for (const chunk of chunks(partitionOps, json)) {
        if (chunk.every(isImmutablePut)) {
          // Content-addressed items are upserted blind: no read, no ETag race to lose.
          await this.commitGroup(chunk.map((op) => this.action(op, encodePk(op.pk), encodeSk(op.sk), undefined, false, json, false)));
          continue;
        }
        if (await this.tryCreate(chunk, json)) continue;
        await this.withConflictRetries(async () => {
          const planned = await this.planChunk(chunk, json);
          await this.commitGroup(planned.filter((p) => p.action));
        });
      }
    });
  }

  /**
   * Deletes entities whose expiry has passed (reads already ignore them). A full-table scan
   * with a filter, since Table Storage has no secondary index: run it on a timer. Each delete
   * carries the ETag read, so an entity rewritten meanwhile is kept. Returns how many went.
   */
  async sweepExpired(): Promise<number> {
    const filter = `exp le ${doubleLiteral(this.clock.now())}`;
    let removed = 0;
    for await (const entity of this.client.listEntities<Record<string, unknown>>({ queryOptions: { filter, select: ['PartitionKey', 'RowKey'] } })) {
      try {
        await this.client.deleteEntity(entity.partitionKey as string, entity.rowKey as string, { etag: entity.etag });
        removed++;
      } catch (err) {
        if (!isStatus(err, 404, 412)) throw err;
      }
    }
    return removed;
  }

  /**
   * The optimistic path for items that are usually new (content-addressed chunks, create-only
   * index entries): insert them all in one request without reading first. Resolves false when
   * any of them exists (physically, live or expired): the caller then reads and plans.
   */
  private async tryCreate(ops: WriteOp[], json: Map<WriteOp, string>): Promise<boolean> {
    if (ops.length === 0 || ops.some((op) => op.type !== 'put')) return false;
    const planned = ops.map((op): Planned => {
      const pkEnc = encodePk(op.pk);
      const rkEnc = encodeSk(op.sk);
      const expiresAt = op.type === 'put' ? op.expiresAt : undefined;
      return { op, pkEnc, rkEnc, action: ['create', toEntity(pkEnc, rkEnc, json.get(op) ?? '', 1, expiresAt)] };
    });
    try {
      if (planned.length === 1) await this.commitOne(planned[0] as Planned);
      else await this.commitGroup(planned);
      return true;
    } catch (err) {
      if (err instanceof Conflict) return false;
      throw err;
    }
  }

  private async read(pkEnc: string, rkEnc: string): Promise<Row | undefined> {
    try {
      return asRow(await this.client.getEntity<Record<string, unknown>>(pkEnc, rkEnc));
    } catch (err) {
      if (isStatus(err, 404)) return undefined;
      throw err;
    }
  }

  /**
   * Reads every target entity and checks every condition before anything is written, so a
   * failing condition leaves the store untouched. `inTransaction`: a conditional delete must
   * ride in the transaction with its ETag, which the SDK's delete action cannot carry, so it
   * becomes an ETag-conditional replace by an expired tombstone (deleted right after commit,
   * or by the sweep).
   */
  private async plan(ops: WriteOp[], json: Map<WriteOp, string>, inTransaction: boolean): Promise<Planned[]> {
    const now = this.clock.now();
    const rows = await mapLimit(ops, 16, (op) => this.read(encodePk(op.pk), encodeSk(op.sk)));
    return ops.map((op, i) => {
      const before = rows[i];
      const live = before !== undefined && isLive(before, now);
      if (op.ifVersion !== undefined) {
        const holds = op.ifVersion === 0 ? !live : live && Number(before.ver) === op.ifVersion;
        if (!holds) throw new ConditionFailedError(op.pk, op.sk);
      }
      return this.action(op, encodePk(op.pk), encodeSk(op.sk), before, live, json, inTransaction && op.ifVersion !== undefined);
    });
  }

  /** Plans an unconditional chunk of one partition, reading its current versions with one range query. */
  private async planChunk(ops: WriteOp[], json: Map<WriteOp, string>): Promise<Planned[]> {
    const now = this.clock.now();
    const pkEnc = encodePk((ops[0] as WriteOp).pk);
    const rks = ops.map((op) => encodeSk(op.sk));
    const sorted = [...rks].sort();
    const filter = odata`PartitionKey eq ${pkEnc} and RowKey ge ${sorted[0] ?? ''} and RowKey le ${sorted[sorted.length - 1] ?? ''}`;
    const wanted = new Set(rks);
    const existing = new Map<string, Row>();
    for await (const entity of this.client.listEntities<Record<string, unknown>>({ queryOptions: { filter, select: ['RowKey', 'ver', 'exp'] } })) {
      if (wanted.has(entity.rowKey as string)) existing.set(entity.rowKey as string, asRow(entity));
    }
    return ops.map((op, i) => {
      const rkEnc = rks[i] as string;
      const before = existing.get(rkEnc);
      return this.action(op, pkEnc, rkEnc, before, before !== undefined && isLive(before, now), json, false);
    });
  }

  private action(op: WriteOp, pkEnc: string, rkEnc: string, before: Row | undefined, live: boolean, json: Map<WriteOp, string>, guardedDelete: boolean): Planned {
    const planned: Planned = { op, pkEnc, rkEnc, before };
    if (op.type === 'put' && op.immutable === true) {
      planned.action = ['upsert', toEntity(pkEnc, rkEnc, json.get(op) ?? '', 1, op.expiresAt), 'Replace'];
    } else if (op.type === 'put') {
      const entity = toEntity(pkEnc, rkEnc, json.get(op) ?? '', live && before ? Number(before.ver) + 1 : 1, op.expiresAt);
      planned.action = before ? ['update', entity, 'Replace', { etag: before.etag }] : ['create', entity];
    } else if (before) {
      planned.action = guardedDelete
        ? ['update', tombstone(pkEnc, rkEnc), 'Replace', { etag: before.etag }]
        : ['delete', { partitionKey: pkEnc, rowKey: rkEnc }];
    } else if (guardedDelete) {
      // "Must not exist" holds at commit time only if the transaction can fail when the item
      // appears meanwhile: inserting a tombstone does exactly that.
      planned.action = ['create', tombstone(pkEnc, rkEnc)];
    }
    return planned;
  }

  /** One planned write on its own: a single request carrying the ETag (a delete carries it too). */
  private async commitOne(p: Planned): Promise<void> {
    if (!p.action) return;
    try {
      const [kind, entity] = p.action;
      if (kind === 'create') await this.client.createEntity(entity);
      else if (kind === 'upsert') await this.client.upsertEntity(entity, 'Replace');
      else if (kind === 'update') await this.client.updateEntity(entity, 'Replace', { etag: p.before?.etag ?? '*' });
      else await this.client.deleteEntity(p.pkEnc, p.rkEnc, { etag: p.before?.etag ?? '*' });
    } catch (err) {
      if (isStatus(err, 404, 409, 412)) throw new Conflict(`lost a race on ${p.op.pk} / ${p.op.sk}`);
      throw err;
    }
  }

  /** Commits the planned writes of one partition; returns the new ETag of each written RowKey. */
  private async commitGroup(group: Planned[]): Promise<Map<string, string>> {
    const etags = new Map<string, string>();
    if (group.length === 0) return etags;
    const actions = group.map((p) => p.action as TransactionAction);
    try {
      const response = await this.client.submitTransaction(actions);
      for (const p of group) {
        const etag = response.getResponseForEntity(p.rkEnc)?.etag;
        if (etag) etags.set(p.rkEnc, etag);
      }
    } catch (err) {
      if (isStatus(err, 404, 409, 412)) throw new Conflict(`transaction on partition ${decodeKey(group[0]?.pkEnc ?? '')} lost a race`);
      throw err;
    }
    return etags;
  }

  /** Undoes committed partitions of a cross-partition transaction, newest first. */
  private async rollBack(committed: { planned: Planned[]; etags: Map<string, string> }[]): Promise<void> {
    for (const c of [...committed].reverse()) {
      const actions: TransactionAction[] = [];
      for (const p of c.planned) {
        const etag = c.etags.get(p.rkEnc);
        if (p.before) actions.push(etag ? ['update', restore(p.before), 'Replace', { etag }] : ['upsert', restore(p.before), 'Replace']);
        else if (etag) actions.push(['update', tombstone(p.pkEnc, p.rkEnc), 'Replace', { etag }]);
      }
      try {
        if (actions.length > 0) await this.client.submitTransaction(actions);
      } catch (err) {
        this.logger.error('cross-partition transaction partly applied: rollback failed', {
          partition: decodeKey(c.planned[0]?.pkEnc ?? ''),
          error: err instanceof Error ? err.message : String(err),
        });
        throw new Error('cross-partition transaction partly applied: a concurrent writer changed a partition before it could be rolled back');
      }
    }
  }

  /** Best effort: the sweep removes tombstones this misses. */
  private async reapTombstones(group: Planned[], etags: Map<string, string>): Promise<void> {
    for (const p of group) {
      if (p.op.type !== 'delete' || !p.action || p.action[0] === 'delete') continue;
      await this.client.deleteEntity(p.pkEnc, p.rkEnc, { etag: etags.get(p.rkEnc) ?? '*' }).catch(() => undefined);
    }
  }

  private async withConflictRetries<T>(attempt: () => Promise<T>): Promise<T> {
    for (let n = 1; ; n++) {
      try {
        return await attempt();
      } catch (err) {
        if (!(err instanceof Conflict)) throw err;
        if (n >= this.maxConflictRetries) throw new Error(`gave up after ${n} conflicting writes: ${err.message}`);
        // Short real-time backoff with jitter spreads writers hammering one entity.
        await new Promise((r) => setTimeout(r, Math.random() * Math.min(200, 5 * 2 ** n)));
      }
    }
  }
}

function versionOf(p: Planned): number {
  if (p.op.type !== 'put') return 0;
  const entity = p.action?.[1] as EntityProps | undefined;
  return Number(entity?.ver);
}

function isInsecure(connectionString: string): boolean {
  return /UseDevelopmentStorage=true/i.test(connectionString) || /Endpoint=http:\/\//i.test(connectionString);
}

export function isStatus(err: unknown, ...codes: number[]): boolean {
  return err instanceof RestError && err.statusCode !== undefined && codes.includes(err.statusCode);
}

function doubleLiteral(ms: number): string {
  return `${Math.floor(ms)}.0`;
}

function encodePk(pk: string): string {
  return encodeChecked(pk, 'pk');
}

function encodeSk(sk: string, enforceLength = true): string {
  return enforceLength ? encodeChecked(sk, 'sk') : encodeKey(sk);
}

function encodeChecked(key: string, what: string): string {
  const encoded = encodeKey(key);
  if (encoded.length > MAX_ENCODED_KEY_LENGTH) {
    throw new RangeError(`${what} ${JSON.stringify(key.slice(0, 64))}… encodes to ${encoded.length} characters; Table Storage keys hold at most ${MAX_ENCODED_KEY_LENGTH}`);
  }
  return encoded;
}

/** Splits one partition's ops into transactions: ≤100 ops, ≤3 MiB, one op per key. */
function* chunks(ops: WriteOp[], json: Map<WriteOp, string>): Generator<WriteOp[]> {
  let chunk: WriteOp[] = [];
  let keys = new Set<string>();
  let bytes = 0;
  for (const op of ops) {
    const size = 2 * (json.get(op)?.length ?? 0) + 1024;
    if (chunk.length > 0 && (chunk.length >= MAX_TRANSACT_OPS || keys.has(op.sk) || bytes + size > TRANSACTION_BYTES)) {
      yield chunk;
      chunk = [];
      keys = new Set();
      bytes = 0;
    }
    chunk.push(op);
    keys.add(op.sk);
    bytes += size;
  }
  if (chunk.length > 0) yield chunk;
}

function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = out.get(k);
    if (list) list.push(item);
    else out.set(k, [item]);
  }
  return out;
}

async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
