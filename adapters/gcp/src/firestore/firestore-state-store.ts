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
  checkBatchOps,
  checkQueryOptions,
  checkStoreKey,
  checkTransactOps,
  checkWriteOp,
  ConditionFailedError,
  DEFAULT_PAGE_BYTES,
  DEFAULT_PAGE_LIMIT,
  isUnexpired,
  MAX_TRANSACT_OPS,
  PageCollector,
  resumeAfter,
  serializeValue,
  writtenItem,
  storeItemKey,
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
export { MAX_TRANSACT_OPS };
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
    this.defaultPageLimit = options.defaultPageLimit ?? DEFAULT_PAGE_LIMIT;
    this.pageByteLimit = options.pageByteLimit ?? DEFAULT_PAGE_BYTES;
    this.maxAttempts = options.maxAttempts ?? 10;
  }

  /** The document holding an item (exported for tests and operators). */
  ref(pk: string, sk: string): DocumentReference {
    return this.partition(pk).doc(documentId(sk));
  }

  async get<V = JsonValue>(pk: string, sk: string): Promise<StoreItem<V> | undefined> {
    checkStoreKey(pk, sk);
    const snap = await this.ref(pk, sk).get();
    return this.live(snap, this.clock.now()) ? toItem<V>(snap) : undefined;
  }

  async put<V extends JsonValue = JsonValue>(pk: string, sk: string, value: V, options: PutOptions = {}): Promise<StoreItem<V>> {
    const op: WriteOp = { type: 'put', pk, sk, value };
    if (options.ifVersion !== undefined) op.ifVersion = options.ifVersion;
    if (options.expiresAt !== undefined) op.expiresAt = options.expiresAt;
    if (options.immutable !== undefined) op.immutable = options.immutable;
    checkWriteOp(op);
    const [version] = await this.commit([op], options.ifVersion === undefined);
    return writtenItem(pk, sk, value, version ?? 1, options.expiresAt);
  }

  async delete(pk: string, sk: string, options: DeleteOptions = {}): Promise<void> {
    const op: WriteOp = options.ifVersion === undefined ? { type: 'delete', pk, sk } : { type: 'delete', pk, sk, ifVersion: options.ifVersion };
    checkWriteOp(op);
    if (op.ifVersion === undefined) {
      // Nothing to check and no version to compute: a blind delete is one request.
      await this.ref(pk, sk).delete();
      return;
    }
    await this.commit([op], false);
  }

  async query<V = JsonValue>(pk: string, options: QueryOptions = {}): Promise<QueryPage<V>> {
    const paging = checkQueryOptions(pk, options, this.defaultPageLimit);
    const { limit, reverse } = paging;

    let lower = options.skFrom;
    let upper = options.skTo;
    if (options.skPrefix !== undefined && options.skPrefix !== '') {
      lower = maxKey(lower, options.skPrefix);
      const end = prefixUpperBound(options.skPrefix);
      if (end !== undefined) upper = upper === undefined ? end : minKey(upper, end);
    }
    let after = resumeAfter(options.cursor, reverse);
    if (lower !== undefined && upper !== undefined && compareKeys(lower, upper) >= 0) return { items: [] };

    let base: Query = this.partition(pk).orderBy('sk', reverse ? 'desc' : 'asc');
    if (lower !== undefined) base = base.where('sk', '>=', lower);
    if (upper !== undefined) base = base.where('sk', '<', upper);

    const now = this.clock.now();
    const page = new PageCollector<V>(paging, this.pageByteLimit);
    const { items } = page;
    // Fetches in rounds: expired items are skipped here (TTL deletion lags), and one item
    // past the page tells whether a cursor is needed.
    fetching: for (;;) {
      const wanted = limit + 1 - items.length;
      const byBytes = items.length > 0 ? Math.ceil((this.pageByteLimit - page.bytes) / (page.bytes / items.length)) + 1 : wanted;
      const size = Math.max(1, Math.min(wanted, byBytes, MAX_FETCH));
      let q = base.limit(size);
      if (after !== undefined) q = q.startAfter(after);
      const snap = await q.get();
      for (const doc of snap.docs) {
        after = doc.get('sk') as string;
        if (!this.live(doc, now)) continue;
        if (!page.take(doc.get('value') as string, () => toItem<V>(doc))) break fetching;
      }
      if (snap.size < size) break;
    }
    return page.page();
  }

  async transact(ops: WriteOp[]): Promise<void> {
    if (ops.length === 0) return;
    checkTransactOps(ops);
    await this.commit(ops, false);
  }

  async batchWrite(ops: WriteOp[]): Promise<void> {
    checkBatchOps(ops);
    // Chunks never hold one item twice (a commit may not), so an item's writes apply in order.
    let chunk: WriteOp[] = [];
    let keys = new Set<string>();
    let bytes = 0;
    for (const op of ops) {
      const key = storeItemKey(op);
      const size = op.type === 'put' ? Buffer.byteLength(serializeValue(op.value), 'utf8') + 1024 : 1024;
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
    return isUnexpired(snap.get('expiresAtMs') as number | undefined, now);
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
      // A content-addressed put is written blind (`set`), so only the other ops read first.
      const readAt = ops.flatMap((op, i) => ((op.type === 'put' && op.immutable !== true) || op.ifVersion !== undefined ? [i] : []));
      const read = readAt.length > 0 ? await this.db.getAll(...readAt.map((i) => refs[i] as DocumentReference)) : [];
      const snaps: (DocumentSnapshot | undefined)[] = new Array(ops.length);
      readAt.forEach((i, k) => (snaps[i] = read[k]));
      const now = this.clock.now();
      const batch = this.db.batch();
      const versions: number[] = [];
      ops.forEach((op, i) => {
        const ref = refs[i] as DocumentReference;
        const snap = snaps[i];
        if (op.type === 'put' && op.immutable === true) {
          versions.push(1);
          batch.set(ref, itemDoc(op, 1));
          return;
        }
        const live = snap !== undefined && this.live(snap, now);
        const current = live ? (snap.get('version') as number) : 0;
        if (op.ifVersion !== undefined && current !== op.ifVersion) throw new ConditionFailedError(op.pk, op.sk);
        if (op.type === 'put') {
          const version = current + 1;
          versions.push(version);
          const doc = itemDoc(op, version);
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

function itemDoc(op: Extract<WriteOp, { type: 'put' }>, version: number): ItemDoc {
  const doc: ItemDoc = { pk: op.pk, sk: op.sk, version, value: serializeValue(op.value) };
  if (op.expiresAt !== undefined) {
    doc.expiresAt = Timestamp.fromMillis(op.expiresAt);
    doc.expiresAtMs = op.expiresAt;
  }
  return doc;
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
