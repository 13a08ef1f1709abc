import {
  FieldValue,
  Timestamp,
  type CollectionReference,
  type DocumentReference,
  type DocumentSnapshot,
  type Firestore,
  type Query,
} from '@google-cloud/firestore';
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
import { compareKeys, documentId, prefixUpperBound } from './keys';

export interface FirestoreStateStoreOptions {
  /** Root collection. Default `vigil` (`VIGIL_FIRESTORE_COLLECTION` in the function context). */
  collection?: string;
  /** Items per query page when the caller gives no limit. Default 1000, as every backend. */
  defaultPageLimit?: number;
  /** A page stops before its value bytes would pass this (it always holds at least one item). */
  pageByteLimit?: number;
  /** Attempts of a read-check-commit cycle that lost a race or met a transient error. Default 10. */
  maxAttempts?: number;
}

/** Collection ID of the item documents: the collection group a TTL policy is set on. */
export const ITEMS_COLLECTION = 'vigil_items';
/** The same cap every backend enforces (DynamoDB's TransactWriteItems limit), so code does not outgrow a cloud. */
export const MAX_TRANSACT_OPS = 100;
/** Firestore's limit of writes per commit. */
const MAX_BATCH_OPS = 500;
/** Firestore refuses requests above 10 MiB; chunks stay well below. */
const MAX_BATCH_BYTES = 8 * 1024 * 1024;
const MAX_FETCH = 500;

/** gRPC status codes the commit path tells apart. */
const Code = {
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  INTERNAL: 13,
  UNAVAILABLE: 14,
} as const;
/** A precondition of ours did not hold at commit: someone wrote in between; read again. */
const RACE_CODES = new Set<number>([Code.NOT_FOUND, Code.ALREADY_EXISTS, Code.FAILED_PRECONDITION, Code.ABORTED]);
/** The service was briefly unable to answer. */
const TRANSIENT_CODES = new Set<number>([Code.DEADLINE_EXCEEDED, Code.RESOURCE_EXHAUSTED, Code.INTERNAL, Code.UNAVAILABLE]);

/** One item document. `value` is JSON text: Firestore maps cannot hold every JSON value (nested arrays). */
interface ItemDoc {
  pk: string;
  sk: string;
  version: number;
  value: string;
  /** The TTL policy field: Firestore deletes the document some time after this instant. */
  expiresAt?: Timestamp;
  /** The exact expiry in epoch ms, which reads judge by (TTL deletion lags by up to a day). */
  expiresAtMs?: number;
}

interface CursorState {
  sk: string;
  reverse: boolean;
}

/**
 * StateStore on Firestore. Layout: `{collection}/{id(pk)}/vigil_items/{id(sk)}` — one
 * subcollection per partition, so a query by pk is a single-field range on `sk` inside one
 * collection and needs no composite index. Item documents carry pk and sk as fields (IDs are
 * escaped or hashed, see `documentId`), so a collection-group query sees whole keys.
 *
 * Every write reads the documents it touches, checks the version conditions against that
 * snapshot, and commits with preconditions — `create` for an absent document, the read's
 * `updateTime` for a present one — in one atomic batch. If anyone wrote in between, the
 * commit fails as a whole and the cycle runs again from the read, so a condition is always
 * judged against what the commit replaces: optimistic concurrency without holding locks.
 */
export class FirestoreStateStore implements StateStore {
  private readonly root: CollectionReference;
  private readonly defaultPageLimit: number;
  private readonly pageByteLimit: number;
  private readonly maxAttempts: number;

  constructor(
    private readonly db: Firestore,
    private readonly clock: Clock,
    options: FirestoreStateStoreOptions = {},
  ) {
    this.root = db.collection(options.collection ?? 'vigil');
    this.defaultPageLimit = options.defaultPageLimit ?? 1000;
    this.pageByteLimit = options.pageByteLimit ?? 1024 * 1024;
    this.maxAttempts = options.maxAttempts ?? 10;
  }

  /** The document holding an item (exported for tests and operators). */
  ref(pk: string, sk: string): DocumentReference {
    return this.partition(pk).doc(documentId(sk));
  }

  async get<V = JsonValue>(pk: string, sk: string): Promise<StoreItem<V> | undefined> {
    checkKey(pk, sk);
    const snap = await this.ref(pk, sk).get();
    return this.live(snap, this.clock.now()) ? toItem<V>(snap) : undefined;
  }

  async put<V extends JsonValue = JsonValue>(pk: string, sk: string, value: V, options: PutOptions = {}): Promise<StoreItem<V>> {
    const op: WriteOp = { type: 'put', pk, sk, value };
    if (options.ifVersion !== undefined) op.ifVersion = options.ifVersion;
    if (options.expiresAt !== undefined) op.expiresAt = options.expiresAt;
    checkOp(op);
    const [version] = await this.commit([op], options.ifVersion === undefined);
    const item: StoreItem<V> = { pk, sk, value, version: version ?? 1 };
    if (options.expiresAt !== undefined) item.expiresAt = options.expiresAt;
    return item;
  }

  async delete(pk: string, sk: string, options: DeleteOptions = {}): Promise<void> {
    const op: WriteOp = options.ifVersion === undefined ? { type: 'delete', pk, sk } : { type: 'delete', pk, sk, ifVersion: options.ifVersion };
    checkOp(op);
    if (op.ifVersion === undefined) {
      // Nothing to check and no version to compute: a blind delete is one request.
      await this.ref(pk, sk).delete();
      return;
    }
    await this.commit([op], false);
  }

  async query<V = JsonValue>(pk: string, options: QueryOptions = {}): Promise<QueryPage<V>> {
    if (typeof pk !== 'string' || pk === '') throw new TypeError('pk must be a non-empty string');
    const limit = options.limit ?? this.defaultPageLimit;
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`limit must be a positive integer, got ${limit}`);
    const reverse = options.reverse === true;

    let lower = options.skFrom;
    let upper = options.skTo;
    if (options.skPrefix !== undefined && options.skPrefix !== '') {
      lower = maxKey(lower, options.skPrefix);
      const end = prefixUpperBound(options.skPrefix);
      if (end !== undefined) upper = upper === undefined ? end : minKey(upper, end);
    }
    let after: string | undefined;
    if (options.cursor !== undefined) {
      const cursor = decodeCursor(options.cursor);
      if (cursor.reverse !== reverse) throw new Error('cursor belongs to a query in the other direction');
      after = cursor.sk;
    }
    if (lower !== undefined && upper !== undefined && compareKeys(lower, upper) >= 0) return { items: [] };

    let base: Query = this.partition(pk).orderBy('sk', reverse ? 'desc' : 'asc');
    if (lower !== undefined) base = base.where('sk', '>=', lower);
    if (upper !== undefined) base = base.where('sk', '<', upper);

    const now = this.clock.now();
    const items: StoreItem<V>[] = [];
    let bytes = 0;
    let more = false;
    // Fetches in rounds: expired items are skipped here (TTL deletion lags), and one item
    // past the page tells whether a cursor is needed.
    fetching: for (;;) {
      const wanted = limit + 1 - items.length;
      const byBytes = items.length > 0 ? Math.ceil((this.pageByteLimit - bytes) / (bytes / items.length)) + 1 : wanted;
      const size = Math.max(1, Math.min(wanted, byBytes, MAX_FETCH));
      let q = base.limit(size);
      if (after !== undefined) q = q.startAfter(after);
      const snap = await q.get();
      for (const doc of snap.docs) {
        after = doc.get('sk') as string;
        if (!this.live(doc, now)) continue;
        const itemBytes = Buffer.byteLength(doc.get('value') as string, 'utf8');
        if (items.length >= limit || (items.length > 0 && bytes + itemBytes > this.pageByteLimit)) {
          more = true;
          break fetching;
        }
        bytes += itemBytes;
        items.push(toItem<V>(doc));
      }
      if (snap.size < size) break;
    }
    const last = items[items.length - 1];
    return more && last ? { items, cursor: encodeCursor({ sk: last.sk, reverse }) } : { items };
  }

  async transact(ops: WriteOp[]): Promise<void> {
    if (ops.length === 0) return;
    if (ops.length > MAX_TRANSACT_OPS) throw new RangeError(`transact takes at most ${MAX_TRANSACT_OPS} operations, got ${ops.length}`);
    const seen = new Set<string>();
    for (const op of ops) {
      checkOp(op);
      const key = JSON.stringify([op.pk, op.sk]);
      if (seen.has(key)) throw new Error(`transact has more than one operation on ${op.pk} / ${op.sk}`);
      seen.add(key);
    }
    await this.commit(ops, false);
  }

  async batchWrite(ops: WriteOp[]): Promise<void> {
    for (const op of ops) {
      checkOp(op);
      if (op.ifVersion !== undefined) throw new Error('batchWrite is unconditional; use transact for ifVersion');
    }
    // Chunks never hold one item twice (a commit may not), so an item's writes apply in order.
    let chunk: WriteOp[] = [];
    let keys = new Set<string>();
    let bytes = 0;
    for (const op of ops) {
      const key = JSON.stringify([op.pk, op.sk]);
      const size = op.type === 'put' ? Buffer.byteLength(serialize(op.value), 'utf8') + 1024 : 1024;
      if (chunk.length >= MAX_BATCH_OPS || keys.has(key) || (chunk.length > 0 && bytes + size > MAX_BATCH_BYTES)) {
        await this.commit(chunk, true);
        chunk = [];
        keys = new Set();
        bytes = 0;
      }
      chunk.push(op);
      keys.add(key);
      bytes += size;
    }
    if (chunk.length > 0) await this.commit(chunk, true);
  }

  private partition(pk: string): CollectionReference {
    return this.root.doc(documentId(pk)).collection(ITEMS_COLLECTION);
  }

  private live(snap: DocumentSnapshot, now: number): boolean {
    if (!snap.exists) return false;
    const expires = snap.get('expiresAtMs') as number | undefined;
    return expires === undefined || expires === null || expires > now;
  }

  /**
   * Read, check, commit with preconditions; again from the read when a precondition shows
   * that someone wrote in between. Returns the new version of each op (0 for deletes).
   * `retryTransient`: only unconditional writes are retried after an ambiguous transient
   * error — re-applying them is harmless, while a conditional write that did land would
   * then fail its own condition.
   */
  private async commit(ops: WriteOp[], retryTransient: boolean): Promise<number[]> {
    const refs = ops.map((op) => this.ref(op.pk, op.sk));
    for (let attempt = 1; ; attempt++) {
      const needsRead = ops.some((op) => op.type === 'put' || op.ifVersion !== undefined);
      const snaps = needsRead ? await this.db.getAll(...refs) : [];
      const now = this.clock.now();
      const batch = this.db.batch();
      const versions: number[] = [];
      ops.forEach((op, i) => {
        const ref = refs[i] as DocumentReference;
        const snap = snaps[i];
        const live = snap !== undefined && this.live(snap, now);
        const current = live ? (snap.get('version') as number) : 0;
        if (op.ifVersion !== undefined && current !== op.ifVersion) throw new ConditionFailedError(op.pk, op.sk);
        if (op.type === 'put') {
          const version = current + 1;
          versions.push(version);
          const doc: ItemDoc = { pk: op.pk, sk: op.sk, version, value: serialize(op.value) };
          if (op.expiresAt !== undefined) {
            doc.expiresAt = Timestamp.fromMillis(op.expiresAt);
            doc.expiresAtMs = op.expiresAt;
          }
          if (snap?.exists && snap.updateTime) {
            // An update replaces only the fields it names: a dropped expiry is deleted explicitly.
            const fields: Record<string, unknown> = { ...doc };
            if (op.expiresAt === undefined) {
              fields.expiresAt = FieldValue.delete();
              fields.expiresAtMs = FieldValue.delete();
            }
            batch.update(ref, fields, { lastUpdateTime: snap.updateTime });
          } else {
            batch.create(ref, doc);
          }
        } else {
          versions.push(0);
          if (snap === undefined) batch.delete(ref);
          else if (snap.exists && snap.updateTime) batch.delete(ref, { lastUpdateTime: snap.updateTime });
          // Still absent at commit, or the conditions judged on this snapshot may not hold.
          else batch.delete(ref, { exists: false });
        }
      });
      try {
        await batch.commit();
        return versions;
      } catch (err) {
        const code = grpcCode(err);
        const race = code !== undefined && RACE_CODES.has(code);
        const transient = retryTransient && code !== undefined && TRANSIENT_CODES.has(code);
        if ((!race && !transient) || attempt >= this.maxAttempts) throw err;
        // Full jitter keeps racing writers from colliding again in lockstep.
        await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(1000, 10 * 2 ** attempt)));
      }
    }
  }
}

function grpcCode(err: unknown): number | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

function toItem<V>(snap: DocumentSnapshot): StoreItem<V> {
  const data = snap.data() as ItemDoc;
  const item: StoreItem<V> = { pk: data.pk, sk: data.sk, value: JSON.parse(data.value) as V, version: data.version };
  if (typeof data.expiresAtMs === 'number') item.expiresAt = data.expiresAtMs;
  return item;
}

/** Firestore compares strings by UTF-8 bytes, which for valid strings is code-point order. */
function maxKey(a: string | undefined, b: string): string {
  return a === undefined || compareKeys(a, b) < 0 ? b : a;
}
function minKey(a: string, b: string): string {
  return compareKeys(a, b) <= 0 ? a : b;
}

function checkKey(pk: string, sk: string): void {
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
