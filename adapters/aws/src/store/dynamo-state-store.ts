import { randomBytes, randomUUID } from 'node:crypto';
import {
  BatchGetItemCommand,
  BatchWriteItemCommand,
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  TransactWriteItemsCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
  type KeysAndAttributes,
  type TransactWriteItem,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import {
  checkBatchOps,
  checkQueryOptions,
  checkTransactOps,
  ConditionFailedError,
  DEFAULT_PAGE_BYTES,
  DEFAULT_PAGE_LIMIT,
  http,
  isImmutablePut,
  MAX_TRANSACT_OPS,
  PageCollector,
  resumeAfter,
  serializeValue,
  writtenItem,
  storeItemKey,
  systemClock,
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
import {
  ATTR,
  N,
  S,
  checkItemSize,
  checkKey,
  checkOp,
  compareBytes,
  decodeCursor,
  decodeItem,
  encodeItem,
  isExpired,
  key,
  num,
  str,
  ttlSeconds,
  type RawItem,
} from './item';
import { retryRemaining } from '../retry';

/** TransactWriteItems' limit, which every backend enforces. */
export { MAX_TRANSACT_OPS };
/** BatchWriteItem's limit. */
const WRITE_CHUNK = 25;
/** BatchGetItem's limit. */
const GET_CHUNK = 100;

export interface BackoffOptions {
  maxAttempts: number;
  baseMs: number;
  capMs: number;
}

export interface DynamoStateStoreOptions {
  client: DynamoDBClient;
  tableName: string;
  /** Judges expiry. */
  clock: Clock;
  /** Sleeps between retries of unprocessed items and conflicting transactions (real time by default). */
  retryClock?: Clock;
  random?: () => number;
  /** Strongly consistent reads (1 RCU per 4 KB instead of 0.5). Default true: handlers read their own writes. */
  consistentReads?: boolean;
  /** Items per query page when the caller gives no limit. Default 1000. */
  defaultPageLimit?: number;
  /** A page stops before its value bytes would pass this (it always holds at least one item). Default 1 MB. */
  pageByteLimit?: number;
  /** Our own retries of UnprocessedItems/Keys and of conflicting transactions (the SDK's retries come first). */
  backoff?: Partial<BackoffOptions>;
  /** Chunks of a batch in flight at once. Default 8. */
  concurrency?: number;
}

const LIVE = '(attribute_not_exists(#e) OR #e > :now)';
const ABSENT = '(attribute_not_exists(#pk) OR #e <= :now)';

type PutOp = Extract<WriteOp, { type: 'put' }>;

/**
 * StateStore on one DynamoDB table (pk/sk strings). Every conditional write is a single
 * request whose ConditionExpression carries the version check, so check and write cannot be
 * split; expired items count as absent in every condition and read, whatever TTL has reaped.
 */
export class DynamoStateStore implements StateStore {
  private readonly client: DynamoDBClient;
  private readonly table: string;
  private readonly clock: Clock;
  private readonly retryClock: Clock;
  private readonly random: () => number;
  private readonly consistent: boolean;
  private readonly defaultPageLimit: number;
  private readonly pageByteLimit: number;
  private readonly backoff: BackoffOptions;
  private readonly concurrency: number;

  constructor(options: DynamoStateStoreOptions) {
    this.client = options.client;
    this.table = options.tableName;
    this.clock = options.clock;
    this.retryClock = options.retryClock ?? systemClock;
    this.random = options.random ?? Math.random;
    this.consistent = options.consistentReads ?? true;
    this.defaultPageLimit = options.defaultPageLimit ?? DEFAULT_PAGE_LIMIT;
    this.pageByteLimit = options.pageByteLimit ?? DEFAULT_PAGE_BYTES;
    this.backoff = { maxAttempts: 10, baseMs: 50, capMs: 5000, ...options.backoff };
    this.concurrency = options.concurrency ?? 8;
  }

  async get<V = JsonValue>(pk: string, sk: string): Promise<StoreItem<V> | undefined> {
    checkKey(pk, sk);
    const res = await this.client.send(new GetItemCommand({ TableName: this.table, Key: key(pk, sk), ConsistentRead: this.consistent }));
    if (!res.Item || isExpired(res.Item, this.clock.now())) return undefined;
    return decodeItem<V>(res.Item);
  }

  async put<V extends JsonValue = JsonValue>(pk: string, sk: string, value: V, options: PutOptions = {}): Promise<StoreItem<V>> {
    const op: PutOp = { type: 'put', pk, sk, value, ifVersion: options.ifVersion, expiresAt: options.expiresAt, immutable: options.immutable };
    checkOp(op);
    const json = checkedJson(op);
    const token = newToken();
    if (op.immutable === true) {
      // Content-addressed: one blind PutItem, nothing to read or count.
      await this.client.send(new PutItemCommand({ TableName: this.table, Item: encodeItem(pk, sk, json, 1, token, op.expiresAt) }));
      return writtenItem(pk, sk, value, 1, options.expiresAt);
    }
    const version = op.ifVersion === undefined ? await this.upsert(op, json, token) : await this.conditionalPut(op, json, token);
    return writtenItem(pk, sk, value, version, options.expiresAt);
  }

  async delete(pk: string, sk: string, options: DeleteOptions = {}): Promise<void> {
    const op: WriteOp = { type: 'delete', pk, sk, ifVersion: options.ifVersion };
    checkOp(op);
    const now = this.clock.now();
    try {
      await this.client.send(new DeleteItemCommand({ TableName: this.table, Key: key(pk, sk), ...deleteCondition(op.ifVersion, now) }));
    } catch (err) {
      if (isConditionalCheckFailed(err)) throw new ConditionFailedError(pk, sk);
      throw err;
    }
  }

  async query<V = JsonValue>(pk: string, options: QueryOptions = {}): Promise<QueryPage<V>> {
    const paging = checkQueryOptions(pk, options, this.defaultPageLimit);
    const { limit, reverse } = paging;
    const range = keyRange(options);
    if (range === 'empty') return { items: [] };

    const names: Record<string, string> = { '#pk': ATTR.pk, '#e': ATTR.expiresMs };
    const values: Record<string, AttributeValue> = { ':pk': S(pk), ':now': N(this.clock.now()) };
    let condition = '#pk = :pk';
    if (range.kind !== 'all') names['#sk'] = ATTR.sk;
    if (range.kind === 'prefix') {
      condition += ' AND begins_with(#sk, :lo)';
      values[':lo'] = S(range.lo);
    } else if (range.kind === 'between') {
      // BETWEEN is inclusive; the exclusive upper bound is dropped below.
      condition += ' AND #sk BETWEEN :lo AND :hi';
      values[':lo'] = S(range.lo);
      values[':hi'] = S(range.hi);
    } else if (range.kind === 'from') {
      condition += ' AND #sk >= :lo';
      values[':lo'] = S(range.lo);
    } else if (range.kind === 'to') {
      condition += ' AND #sk < :hi';
      values[':hi'] = S(range.hi);
    }

    const after = resumeAfter(options.cursor, reverse, decodeCursor);
    let start: RawItem | undefined = after === undefined ? undefined : key(pk, after);

    const page = new PageCollector<V>(paging, this.pageByteLimit);
    outer: for (;;) {
      const res = await this.client.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: condition,
          // Expired items are filtered server-side; TTL reaps them within days, moto never.
          FilterExpression: LIVE,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ScanIndexForward: !reverse,
          ConsistentRead: this.consistent,
          ExclusiveStartKey: start,
          // One more than we need tells whether another page follows.
          Limit: Math.min(limit - page.items.length + 1, 1000),
        }),
      );
      for (const raw of res.Items ?? []) {
        const sk = str(raw, ATTR.sk) ?? '';
        if (range.kind !== 'all' && !range.accepts(sk)) {
          // Outside the exact range: past its end when reading forward, before its start backwards.
          if (range.pastEnd(sk, reverse)) break outer;
          continue;
        }
        if (!page.take(str(raw, ATTR.value) ?? '', () => decodeItem<V>(raw))) break outer;
      }
      if (!res.LastEvaluatedKey) break;
      start = res.LastEvaluatedKey;
    }
    return page.page();
  }

  async transact(ops: WriteOp[]): Promise<void> {
    if (ops.length === 0) return;
    const jsons = new Map<number, string>();
    checkTransactOps(
      ops,
      (op, i) => {
        if (op.type === 'put') jsons.set(i, checkedJson(op));
      },
      checkOp,
    );

    // One token marks every item this call writes: if a condition fails on an item carrying it,
    // an earlier attempt whose response was lost already applied the whole transaction.
    const token = newToken();
    // Unconditional puts update in place; over an expired leftover they must replace it instead.
    const replaceExpired = new Set<number>();
    for (let attempt = 1; ; attempt++) {
      const now = this.clock.now();
      const items = ops.map((op, i) => this.transactItem(op, jsons.get(i), token, now, replaceExpired.has(i)));
      try {
        await this.client.send(new TransactWriteItemsCommand({ TransactItems: items, ClientRequestToken: randomUUID() }));
        return;
      } catch (err) {
        if (!isName(err, 'TransactionCanceledException')) throw err;
        const reasons = (err as { CancellationReasons?: { Code?: string; Item?: RawItem }[] }).CancellationReasons ?? [];
        let retryable = false;
        for (const [i, reason] of reasons.entries()) {
          const op = ops[i];
          if (!op || !reason.Code || reason.Code === 'None') continue;
          if (reason.Code === 'ConditionalCheckFailed') {
            if (str(reason.Item, ATTR.token) === token) return;
            if (op.type === 'put' && op.ifVersion === undefined) {
              // The item expired (or came back to life) between our read of the clock and the write.
              if (replaceExpired.has(i)) replaceExpired.delete(i);
              else replaceExpired.add(i);
              retryable = true;
              continue;
            }
            throw new ConditionFailedError(op.pk, op.sk);
          }
          // TransactionConflict, ThrottlingError, ProvisionedThroughputExceeded: try again.
          retryable = true;
        }
        if (!retryable || attempt >= this.backoff.maxAttempts) throw err;
        await this.retryClock.sleep(http.backoffDelay(attempt, this.backoff, this.random));
      }
    }
  }

  async batchWrite(ops: WriteOp[]): Promise<void> {
    const jsons = new Map<WriteOp, string>();
    checkBatchOps(
      ops,
      (op) => {
        if (op.type === 'put') jsons.set(op, checkedJson(op));
      },
      checkOp,
    );
    // BatchWriteItem refuses two requests on one key; later writes of a key go in a later round.
    const rounds: WriteOp[][] = [];
    const seenIn = new Map<string, number>();
    for (const op of ops) {
      const k = storeItemKey(op);
      const round = (seenIn.get(k) ?? -1) + 1;
      seenIn.set(k, round);
      (rounds[round] ??= []).push(op);
    }
    const token = newToken();
    for (const round of rounds) {
      // Content-addressed items are written blind: only the others need their versions read.
      const versions = await this.currentVersions(round.filter((op) => op.type === 'put' && !isImmutablePut(op)));
      const requests: WriteRequest[] = round.map((op) =>
        op.type === 'put'
          ? { PutRequest: { Item: encodeItem(op.pk, op.sk, jsons.get(op)!, isImmutablePut(op) ? 1 : (versions.get(storeItemKey(op)) ?? 0) + 1, token, op.expiresAt) } }
          : { DeleteRequest: { Key: key(op.pk, op.sk) } },
      );
      const chunks: WriteRequest[][] = [];
      for (let i = 0; i < requests.length; i += WRITE_CHUNK) chunks.push(requests.slice(i, i + WRITE_CHUNK));
      await mapLimit(chunks, this.concurrency, (chunk) => this.writeChunk(chunk));
    }
  }

  /**
   * Versions of live items, read before an unconditional batch put so that overwrites count
   * up as everywhere else. Read-then-write: two batch writes racing on one item may both write
   * the same next version, which is why anything needing a version check uses put/transact.
   */
  private async currentVersions(ops: WriteOp[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    if (ops.length === 0) return out;
    const chunks: WriteOp[][] = [];
    for (let i = 0; i < ops.length; i += GET_CHUNK) chunks.push(ops.slice(i, i + GET_CHUNK));
    const now = this.clock.now();
    await mapLimit(chunks, this.concurrency, async (chunk) => {
      let pending: KeysAndAttributes | undefined = {
        Keys: chunk.map((op) => key(op.pk, op.sk)),
        ProjectionExpression: '#pk, #sk, #v, #e',
        ExpressionAttributeNames: { '#pk': ATTR.pk, '#sk': ATTR.sk, '#v': ATTR.version, '#e': ATTR.expiresMs },
        ConsistentRead: this.consistent,
      };
      await retryRemaining(
        async () => {
          const res = await this.client.send(new BatchGetItemCommand({ RequestItems: { [this.table]: pending! } }));
          for (const raw of res.Responses?.[this.table] ?? []) {
            if (isExpired(raw, now)) continue;
            out.set(JSON.stringify([str(raw, ATTR.pk), str(raw, ATTR.sk)]), num(raw, ATTR.version) ?? 0);
          }
          pending = res.UnprocessedKeys?.[this.table];
          const left = pending?.Keys?.length ?? 0;
          return { left, reason: `${left} unprocessed keys` };
        },
        { ...this.backoff, clock: this.retryClock, random: this.random, what: 'BatchGetItem' },
      );
    });
    return out;
  }

  /** One BatchWriteItem of ≤ 25 requests, retrying UnprocessedItems with backoff and full jitter. */
  private async writeChunk(chunk: WriteRequest[]): Promise<void> {
    let pending = chunk;
    await retryRemaining(
      async () => {
        const res = await this.client.send(new BatchWriteItemCommand({ RequestItems: { [this.table]: pending } }));
        pending = res.UnprocessedItems?.[this.table] ?? [];
        return { left: pending.length, reason: `${pending.length} unprocessed items` };
      },
      { ...this.backoff, clock: this.retryClock, random: this.random, what: 'BatchWriteItem' },
    );
  }

  private transactItem(op: WriteOp, json: string | undefined, token: string, now: number, replace: boolean): TransactWriteItem {
    if (op.type === 'delete') return { Delete: { TableName: this.table, Key: key(op.pk, op.sk), ...deleteCondition(op.ifVersion, now) } };
    if (op.immutable === true) return { Put: { TableName: this.table, Item: encodeItem(op.pk, op.sk, json!, 1, token, op.expiresAt) } };
    if (op.ifVersion === undefined && !replace) {
      return { Update: { TableName: this.table, Key: key(op.pk, op.sk), ...upsertExpression(json!, token, now, op.expiresAt), ReturnValuesOnConditionCheckFailure: 'ALL_OLD' } };
    }
    const ifVersion = op.ifVersion ?? 0;
    return {
      Put: {
        TableName: this.table,
        Item: encodeItem(op.pk, op.sk, json!, ifVersion + 1, token, op.expiresAt),
        ...putCondition(ifVersion, now),
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      },
    };
  }

  /** Unconditional put: increment in place; over an expired leftover, replace it with version 1. */
  private async upsert(op: PutOp, json: string, token: string): Promise<number> {
    for (let attempt = 1; ; attempt++) {
      const now = this.clock.now();
      try {
        const res = await this.client.send(
          new UpdateItemCommand({
            TableName: this.table,
            Key: key(op.pk, op.sk),
            ...upsertExpression(json, token, now, op.expiresAt),
            ReturnValues: 'UPDATED_NEW',
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        );
        return num(res.Attributes, ATTR.version) ?? 1;
      } catch (err) {
        if (!isConditionalCheckFailed(err)) throw err;
        const old = (err as { Item?: RawItem }).Item;
        // An SDK retry of a request that had landed: the item already carries our token.
        if (str(old, ATTR.token) === token) return num(old, ATTR.version) ?? 1;
      }
      try {
        await this.client.send(
          new PutItemCommand({
            TableName: this.table,
            Item: encodeItem(op.pk, op.sk, json, 1, token, op.expiresAt),
            ...putCondition(0, now),
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        );
        return 1;
      } catch (err) {
        if (!isConditionalCheckFailed(err)) throw err;
        const old = (err as { Item?: RawItem }).Item;
        if (str(old, ATTR.token) === token) return num(old, ATTR.version) ?? 1;
        // Someone made the item live again in between: go round and increment it.
        if (attempt >= this.backoff.maxAttempts) throw err;
      }
    }
  }

  private async conditionalPut(op: PutOp, json: string, token: string): Promise<number> {
    const ifVersion = op.ifVersion!;
    const version = ifVersion + 1;
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.table,
          Item: encodeItem(op.pk, op.sk, json, version, token, op.expiresAt),
          ...putCondition(ifVersion, this.clock.now()),
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return version;
    } catch (err) {
      if (!isConditionalCheckFailed(err)) throw err;
      const old = (err as { Item?: RawItem }).Item;
      if (str(old, ATTR.token) === token && num(old, ATTR.version) === version) return version;
      throw new ConditionFailedError(op.pk, op.sk);
    }
  }
}

function upsertExpression(json: string, token: string, now: number, expiresAt: number | undefined) {
  const values: Record<string, AttributeValue> = { ':val': S(json), ':wt': S(token), ':zero': N(0), ':one': N(1), ':now': N(now) };
  let update = 'SET #val = :val, #wt = :wt, #v = if_not_exists(#v, :zero) + :one';
  if (expiresAt === undefined) {
    update += ' REMOVE #ttl, #e';
  } else {
    update += ', #ttl = :ttl, #e = :e';
    values[':ttl'] = N(ttlSeconds(expiresAt));
    values[':e'] = N(expiresAt);
  }
  return {
    UpdateExpression: update,
    // The condition sees the old item: live (or absent), and not already written by this call.
    ConditionExpression: `${LIVE} AND (attribute_not_exists(#wt) OR #wt <> :wt)`,
    ExpressionAttributeNames: { '#val': ATTR.value, '#wt': ATTR.token, '#v': ATTR.version, '#ttl': ATTR.ttl, '#e': ATTR.expiresMs },
    ExpressionAttributeValues: values,
  };
}

interface Condition {
  ConditionExpression: string;
  ExpressionAttributeNames: Record<string, string>;
  ExpressionAttributeValues: Record<string, AttributeValue>;
}

function putCondition(ifVersion: number, now: number): Condition {
  if (ifVersion === 0) {
    return { ConditionExpression: ABSENT, ExpressionAttributeNames: { '#pk': ATTR.pk, '#e': ATTR.expiresMs }, ExpressionAttributeValues: { ':now': N(now) } };
  }
  return {
    ConditionExpression: `#v = :expected AND ${LIVE}`,
    ExpressionAttributeNames: { '#v': ATTR.version, '#e': ATTR.expiresMs },
    ExpressionAttributeValues: { ':expected': N(ifVersion), ':now': N(now) },
  };
}

function deleteCondition(ifVersion: number | undefined, now: number) {
  if (ifVersion === undefined) return {};
  return { ...putCondition(ifVersion, now), ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const };
}

type KeyRange =
  | { kind: 'all' }
  | { kind: 'prefix' | 'between' | 'from' | 'to'; lo: string; hi: string; accepts(sk: string): boolean; pastEnd(sk: string, reverse: boolean): boolean };

/**
 * The one sort-key condition DynamoDB allows, plus the exact bounds checked on each item:
 * skFrom inclusive, skTo exclusive, skPrefix. A key condition cannot use an exclusive upper
 * bound together with a lower one, and a prefix's byte successor is often not valid UTF-8.
 */
function keyRange(options: QueryOptions): KeyRange | 'empty' {
  const prefix = options.skPrefix === '' ? undefined : options.skPrefix;
  const from = options.skFrom;
  const to = options.skTo;
  if (prefix === undefined && from === undefined && to === undefined) return { kind: 'all' };
  const accepts = (sk: string) =>
    (from === undefined || compareBytes(sk, from) >= 0) && (to === undefined || compareBytes(sk, to) < 0) && (prefix === undefined || sk.startsWith(prefix));
  // Every key in the condition's range but outside the exact one lies after the exact range:
  // above `to`, or above every key that starts with the prefix.
  const pastEnd = (_sk: string, reverse: boolean) => !reverse;
  let lo = from;
  if (prefix !== undefined && (lo === undefined || compareBytes(prefix, lo) > 0)) lo = prefix;
  if (lo !== undefined && to !== undefined) {
    if (compareBytes(lo, to) >= 0) return 'empty';
    return { kind: 'between', lo, hi: to, accepts, pastEnd };
  }
  if (to !== undefined) return { kind: 'to', lo: '', hi: to, accepts, pastEnd };
  if (prefix !== undefined && lo === prefix) return { kind: 'prefix', lo: prefix, hi: '', accepts, pastEnd };
  return { kind: 'from', lo: lo!, hi: '', accepts, pastEnd };
}

/** The value's JSON text, refused when the item would pass DynamoDB's size limit. */
function checkedJson(op: PutOp): string {
  const json = serializeValue(op.value);
  checkItemSize(op.pk, op.sk, json);
  return json;
}

function newToken(): string {
  return randomBytes(12).toString('base64url');
}

function isName(err: unknown, name: string): boolean {
  return typeof err === 'object' && err !== null && (err as { name?: unknown }).name === name;
}

function isConditionalCheckFailed(err: unknown): boolean {
  return isName(err, 'ConditionalCheckFailedException');
}

async function mapLimit<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++]!;
      await fn(item);
    }
  });
  await Promise.all(workers);
}
