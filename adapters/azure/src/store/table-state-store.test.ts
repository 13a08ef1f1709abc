import { randomUUID } from 'node:crypto';
import { TableClient } from '@azure/data-tables';
import { ConditionFailedError, ManualClock, queryAll } from '@vigil/core';
import { startAzurite, type RunningAzurite } from '../../../../test/helpers/emulators/azure';
import { TableStateStore, type TableStateStoreOptions } from './table-state-store';
import { encodeKey } from './keys';
import { MAX_VALUE_UNITS, NEVER, PIECE_UNITS } from './entity';

const START = Date.UTC(2026, 0, 1);
let azurite: RunningAzurite;
let table: TableClient;

beforeAll(async () => {
  azurite = await startAzurite();
  table = TableClient.fromConnectionString(azurite.connectionString, `store${randomUUID().replace(/-/g, '').slice(0, 10)}`, { allowInsecureConnection: true });
  await table.createTable();
}, 90_000);
afterAll(async () => {
  await azurite?.stop();
});

const pk = (label: string) => `t#${randomUUID().slice(0, 8)}#${label}`;
const make = (options: TableStateStoreOptions = {}) => {
  const clock = new ManualClock(START);
  return { store: new TableStateStore(table, clock, options), clock };
};

/** Every entity of a partition as Table Storage holds it, expired ones and tombstones included. */
async function raw(partition: string) {
  const out: Record<string, unknown>[] = [];
  for await (const e of table.listEntities({ queryOptions: { filter: `PartitionKey eq '${encodeKey(partition).replace(/'/g, "''")}'` } })) out.push(e);
  return out;
}

describe('TableStateStore on azurite: what Table Storage holds', () => {
  it('stores keys encoded, the version, the expiry as a Double and the JSON value', async () => {
    const { store } = make();
    const p = pk('layout/a?b\\c');
    await store.put(p, 'rule#fp/1', { a: 1 });
    await store.put(p, 'ttl', 'x', { expiresAt: START + 5000 });
    const [first, second] = await raw(p);
    expect(first).toMatchObject({ partitionKey: encodeKey(p), rowKey: encodeKey('rule#fp/1'), ver: 1, exp: NEVER, n: 1, v0: '{"a":1}' });
    expect(second).toMatchObject({ rowKey: 'ttl', exp: START + 5000, v0: '"x"' });
    expect(await store.get(p, 'rule#fp/1')).toEqual({ pk: p, sk: 'rule#fp/1', value: { a: 1 }, version: 1 });
  });

  it('splits a large value over several ASCII string properties, non-ASCII text included', async () => {
    const { store } = make();
    const p = pk('big');
    const text = 'x'.repeat(PIECE_UNITS - 2) + '😀' + 'é'.repeat(30_000) + '✓ \u007f';
    await store.put(p, 'k', { text });
    const [entity] = await raw(p);
    expect(Number(entity?.n)).toBeGreaterThan(1);
    const pieces = Array.from({ length: Number(entity?.n) }, (_, i) => String(entity?.[`v${i}`]));
    expect(pieces.map((piece) => /^[\x00-\x7e]*$/.test(piece))).toEqual(pieces.map(() => true));
    expect(pieces.join('').includes('\\ud83d\\ude00\\u00e9')).toBe(true);
    // Compared as booleans: a failure should not print 130,000 characters.
    const read = (await store.get<{ text: string }>(p, 'k'))?.value.text;
    expect([read?.length, read === text]).toEqual([text.length, true]);
    const queried = (await store.query<{ text: string }>(p)).items[0]?.value.text;
    expect([queried?.length, queried === text]).toEqual([text.length, true]);
  });

  it('refuses a value larger than one entity can hold, and writes nothing', async () => {
    const { store } = make();
    const p = pk('too-big');
    await expect(store.put(p, 'k', 'y'.repeat(MAX_VALUE_UNITS))).rejects.toThrow(/at most/);
    await expect(store.transact([{ type: 'put', pk: p, sk: 'a', value: 1 }, { type: 'put', pk: p, sk: 'b', value: 'z'.repeat(MAX_VALUE_UNITS) }])).rejects.toThrow(RangeError);
    expect(await raw(p)).toEqual([]);
  });

  it('refuses keys that encode beyond the key size limit', async () => {
    const { store } = make();
    await expect(store.put(pk('long'), 'é'.repeat(200), 1)).rejects.toThrow(/keys hold at most/);
  });

  it('removes the tombstone of a conditional delete made in a transaction', async () => {
    const { store } = make();
    const p = pk('tomb');
    await store.put(p, 'a', 1);
    await store.put(p, 'b', 2);
    await store.transact([
      { type: 'delete', pk: p, sk: 'a', ifVersion: 1 },
      { type: 'put', pk: p, sk: 'b', value: 3, ifVersion: 1 },
    ]);
    expect((await raw(p)).map((e) => e.rowKey)).toEqual(['b']);
    expect(await queryAll(store, p)).toEqual([{ pk: p, sk: 'b', value: 3, version: 2 }]);
  });

  it('sweeps expired entities and keeps live ones', async () => {
    const { store, clock } = make();
    const p = pk('sweep');
    await store.put(p, 'gone', 1, { expiresAt: START + 10 });
    await store.put(p, 'kept', 2, { expiresAt: START + 10_000 });
    await store.put(p, 'forever', 3);
    clock.advance(10);
    expect(await store.get(p, 'gone')).toBeUndefined();
    expect((await raw(p)).map((e) => e.rowKey)).toEqual(['forever', 'gone', 'kept']);
    expect(await store.sweepExpired()).toBeGreaterThanOrEqual(1);
    expect((await raw(p)).map((e) => e.rowKey)).toEqual(['forever', 'kept']);
  });

  it('refuses a malformed cursor and a cursor of the other direction', async () => {
    const { store } = make();
    const p = pk('cursor');
    await store.batchWrite([1, 2, 3].map((i) => ({ type: 'put' as const, pk: p, sk: `k${i}`, value: i })));
    const page = await store.query(p, { limit: 1 });
    expect(page.cursor).toBeDefined();
    await expect(store.query(p, { cursor: 'not-a-cursor' })).rejects.toThrow(/invalid query cursor/);
    await expect(store.query(p, { cursor: page.cursor, reverse: true })).rejects.toThrow(/other direction/);
  });

  it('keeps a batch in order when it writes one key twice', async () => {
    const { store } = make();
    const p = pk('dup');
    await store.batchWrite([
      { type: 'put', pk: p, sk: 'k', value: 'first' },
      { type: 'put', pk: p, sk: 'k', value: 'second' },
    ]);
    expect(await store.get(p, 'k')).toMatchObject({ value: 'second', version: 2 });
  });
});

describe('TableStateStore on azurite: transactions over several partitions', () => {
  it('rolls back a committed partition when a later one loses a race, then retries and applies both', async () => {
    const p1 = pk('x1');
    const p2 = pk('x2');
    const { store: other } = make();
    let interfered = false;
    const { store } = make({
      beforePartitionCommit: async (_pk, index) => {
        if (index === 1 && !interfered) {
          interfered = true;
          // A concurrent writer changes the second partition after the checks.
          await other.put(p2, 'b', 'concurrent');
          // The first partition is committed by now; the rollback must undo it before the retry.
          expect((await other.get(p1, 'a'))?.value).toBe('tx');
        }
      },
    });
    await store.put(p1, 'a', 'before');
    await store.put(p2, 'b', 'before');
    await store.transact([
      { type: 'put', pk: p1, sk: 'a', value: 'tx' },
      { type: 'put', pk: p2, sk: 'b', value: 'tx' },
    ]);
    expect(interfered).toBe(true);
    expect(await store.get(p1, 'a')).toMatchObject({ value: 'tx', version: 2 });
    // The concurrent write landed first, then the retried transaction on top of it.
    expect(await store.get(p2, 'b')).toMatchObject({ value: 'tx', version: 3 });
  });

  it('leaves every partition as it was when the race makes a condition fail', async () => {
    const p1 = pk('y1');
    const p2 = pk('y2');
    const { store: other } = make();
    const { store } = make({
      beforePartitionCommit: async (_pk, index) => {
        if (index === 1) await other.put(p2, 'b', 'concurrent', { ifVersion: 1 }).catch(() => undefined);
      },
    });
    await store.put(p1, 'a', 'before');
    await store.put(p1, 'gone', 'stays');
    await store.put(p2, 'b', 'before');
    await expect(
      store.transact([
        { type: 'put', pk: p1, sk: 'a', value: 'tx', ifVersion: 1 },
        { type: 'delete', pk: p1, sk: 'gone', ifVersion: 1 },
        { type: 'put', pk: p1, sk: 'new', value: 'tx', ifVersion: 0 },
        { type: 'put', pk: p2, sk: 'b', value: 'tx', ifVersion: 1 },
      ]),
    ).rejects.toBeInstanceOf(ConditionFailedError);
    expect(await queryAll(store, p1)).toEqual([
      { pk: p1, sk: 'a', value: 'before', version: 1 },
      { pk: p1, sk: 'gone', value: 'stays', version: 1 },
    ]);
    expect(await store.get(p2, 'b')).toMatchObject({ value: 'concurrent', version: 2 });
  });

  it('fails a transaction whose "must not exist" delete is overtaken by a concurrent create', async () => {
    const p = pk('absent');
    const { store: other } = make();
    const { store } = make({
      beforePartitionCommit: async () => {
        await other.put(p, 'guard', 'appeared', { ifVersion: 0 }).catch(() => undefined);
      },
    });
    await expect(
      store.transact([
        { type: 'delete', pk: p, sk: 'guard', ifVersion: 0 },
        { type: 'put', pk: p, sk: 'data', value: 'tx' },
      ]),
    ).rejects.toBeInstanceOf(ConditionFailedError);
    expect(await queryAll(store, p)).toEqual([{ pk: p, sk: 'guard', value: 'appeared', version: 1 }]);
  });

  it('leaves no tombstone behind after a "must not exist" delete that held', async () => {
    const { store } = make();
    const p = pk('absent-ok');
    await store.transact([
      { type: 'delete', pk: p, sk: 'guard', ifVersion: 0 },
      { type: 'put', pk: p, sk: 'data', value: 'tx' },
    ]);
    expect((await raw(p)).map((e) => e.rowKey)).toEqual(['data']);
  });

  it('lets exactly one of two racing single-partition transactions commit (the alert-state commit)', async () => {
    const p = pk('tx-race');
    const { store } = make();
    await store.put(p, 'rule#a', { state: 'pending' });
    await store.put(p, 'rule#b', { state: 'pending' });
    const commit = (by: string) =>
      store.transact([
        { type: 'put', pk: p, sk: 'rule#a', value: { state: 'firing', by }, ifVersion: 1 },
        { type: 'put', pk: p, sk: 'rule#b', value: { state: 'firing', by }, ifVersion: 1 },
        { type: 'put', pk: p, sk: `rule#c-${by}`, value: { state: 'pending', by }, ifVersion: 0 },
      ]);
    const results = await Promise.allSettled([commit('A'), commit('B')]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const lost = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(lost?.reason).toBeInstanceOf(ConditionFailedError);
    const winner = results[0]?.status === 'fulfilled' ? 'A' : 'B';
    const items = await queryAll<{ by?: string }>(store, p);
    expect(items.map((i) => [i.sk, i.version, i.value.by])).toEqual([
      ['rule#a', 2, winner],
      ['rule#b', 2, winner],
      [`rule#c-${winner}`, 1, winner],
    ]);
  });

  it('treats a tombstone left by a crash after commit as absent until the sweep removes it', async () => {
    const { store } = make();
    const p = pk('crash');
    // What a transaction's conditional delete leaves when the process dies before reaping it.
    await table.createEntity({ partitionKey: encodeKey(p), rowKey: 'gone', ver: 0, exp: { value: '0', type: 'Double' }, n: 0 });
    expect(await store.get(p, 'gone')).toBeUndefined();
    expect((await store.query(p)).items).toEqual([]);
    await expect(store.delete(p, 'gone', { ifVersion: 1 })).rejects.toBeInstanceOf(ConditionFailedError);
    expect(await store.sweepExpired()).toBeGreaterThanOrEqual(1);
    expect(await raw(p)).toEqual([]);
    expect((await store.put(p, 'gone', 'back', { ifVersion: 0 })).version).toBe(1);
  });
});
