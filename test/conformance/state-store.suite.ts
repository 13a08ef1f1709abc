import { randomUUID } from 'node:crypto';
import {
  ConditionFailedError,
  queryAll,
  type JsonValue,
  type ManualClock,
  type QueryOptions,
  type StateStore,
  type StoreItem,
  type WriteOp,
} from '@vigil/core';

export interface StateStoreHarness {
  store: StateStore;
  /** The clock the store judges expiry by. */
  clock: ManualClock;
  cleanup: () => Promise<void>;
}

/** Page size when a query gives no limit. */
const DEFAULT_PAGE_LIMIT = 1000;
/** A page may pass this many value bytes only by the one item that crossed it. */
const PAGE_BYTES = 1024 * 1024;

/**
 * The StateStore contract every backend must meet (SQLite, DynamoDB, Firestore, Azure Tables).
 * Every test writes under partition keys unique to this run, so a backend may share one
 * table between tests; `makeStore` is called before each test and `cleanup` after it.
 */
export function stateStoreConformance(name: string, makeStore: () => Promise<StateStoreHarness>): void {
  describe(`StateStore conformance: ${name}`, () => {
    const run = randomUUID().slice(0, 8);
    let counter = 0;
    let h: StateStoreHarness;
    let store: StateStore;
    let clock: ManualClock;
    /** A partition key no other test touches. */
    const freshPk = (label: string) => `conf-${run}-${++counter}-${label}`;

    beforeEach(async () => {
      h = await makeStore();
      store = h.store;
      clock = h.clock;
    });
    afterEach(async () => {
      await h.cleanup();
    });

    async function expectConditionFailed(promise: Promise<unknown>): Promise<ConditionFailedError> {
      let caught: unknown;
      try {
        await promise;
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(ConditionFailedError);
      return caught as ConditionFailedError;
    }

    async function pages(pk: string, options: Omit<QueryOptions, 'cursor'>): Promise<StoreItem[][]> {
      const out: StoreItem[][] = [];
      let cursor: string | undefined;
      do {
        const page = await store.query(pk, { ...options, cursor });
        out.push(page.items);
        cursor = page.cursor;
        if (out.length > 10_000) throw new Error('query never stopped returning a cursor');
      } while (cursor);
      return out;
    }

    const pad = (i: number) => String(i).padStart(6, '0');

    describe('get / put / delete', () => {
      it('returns undefined for a missing item', async () => {
        expect(await store.get(freshPk('missing'), 'nothing')).toBeUndefined();
      });

      it('stores an item and reads it back with version 1 and no expiry', async () => {
        const pk = freshPk('basic');
        const written = await store.put(pk, 'one', { a: 1 });
        expect(written).toEqual({ pk, sk: 'one', value: { a: 1 }, version: 1 });
        const read = await store.get(pk, 'one');
        expect(read).toEqual({ pk, sk: 'one', value: { a: 1 }, version: 1 });
        expect(read?.expiresAt).toBeUndefined();
      });

      it('round-trips every kind of JSON value', async () => {
        const pk = freshPk('json');
        const values: JsonValue[] = [
          null,
          true,
          false,
          0,
          -12.5,
          1e21,
          '',
          'plain',
          'ünïcødé ✓ 😀 "quoted" \\ back\nslash',
          [],
          [1, 'two', null, [3]],
          {},
          { nested: { deep: [{ x: 1 }, { y: [true, null] }] }, empty: '', zero: 0 },
        ];
        for (const [i, value] of values.entries()) await store.put(pk, `v${i}`, value);
        for (const [i, value] of values.entries()) expect((await store.get(pk, `v${i}`))?.value).toEqual(value);
      });

      it('replaces the whole value on overwrite and increments the version', async () => {
        const pk = freshPk('overwrite');
        await store.put(pk, 'k', { a: 1, b: 2 });
        const second = await store.put(pk, 'k', { c: 3 });
        expect(second.version).toBe(2);
        const third = await store.put(pk, 'k', { d: 4 });
        expect(third.version).toBe(3);
        expect(await store.get(pk, 'k')).toEqual({ pk, sk: 'k', value: { d: 4 }, version: 3 });
      });

      it('deletes an item, and deleting a missing item succeeds', async () => {
        const pk = freshPk('delete');
        await store.put(pk, 'k', 1);
        await store.delete(pk, 'k');
        expect(await store.get(pk, 'k')).toBeUndefined();
        await expect(store.delete(pk, 'k')).resolves.toBeUndefined();
        await expect(store.delete(freshPk('never'), 'k')).resolves.toBeUndefined();
      });

      it('starts versions over at 1 after a delete', async () => {
        const pk = freshPk('recreate');
        await store.put(pk, 'k', 1);
        await store.put(pk, 'k', 2);
        await store.delete(pk, 'k');
        expect((await store.put(pk, 'k', 3)).version).toBe(1);
      });

      it('keeps partitions apart, including ones whose keys share a prefix', async () => {
        const pk = freshPk('part');
        await store.put(pk, 'k', 'short');
        await store.put(`${pk}x`, 'k', 'long');
        expect((await store.get(pk, 'k'))?.value).toBe('short');
        expect((await store.get(`${pk}x`, 'k'))?.value).toBe('long');
        expect((await store.query(pk)).items.map((i) => i.value)).toEqual(['short']);
        await store.delete(`${pk}x`, 'k');
        expect((await store.get(pk, 'k'))?.value).toBe('short');
      });
    });

    describe('versions and conditional writes', () => {
      it('ifVersion 0 creates an absent item and refuses an existing one', async () => {
        const pk = freshPk('create');
        const created = await store.put(pk, 'k', 'first', { ifVersion: 0 });
        expect(created.version).toBe(1);
        const err = await expectConditionFailed(store.put(pk, 'k', 'second', { ifVersion: 0 }));
        expect(err.pk).toBe(pk);
        expect(err.sk).toBe('k');
        expect(await store.get(pk, 'k')).toMatchObject({ value: 'first', version: 1 });
      });

      it('ifVersion n writes only when the current version is n', async () => {
        const pk = freshPk('cas');
        await store.put(pk, 'k', 'v1');
        expect((await store.put(pk, 'k', 'v2', { ifVersion: 1 })).version).toBe(2);
        await expectConditionFailed(store.put(pk, 'k', 'stale', { ifVersion: 1 }));
        await expectConditionFailed(store.put(pk, 'k', 'future', { ifVersion: 3 }));
        expect(await store.get(pk, 'k')).toMatchObject({ value: 'v2', version: 2 });
        expect((await store.put(pk, 'k', 'v3', { ifVersion: 2 })).version).toBe(3);
      });

      it('ifVersion n on a missing item fails', async () => {
        const pk = freshPk('cas-missing');
        await expectConditionFailed(store.put(pk, 'k', 'x', { ifVersion: 1 }));
        expect(await store.get(pk, 'k')).toBeUndefined();
      });

      it('conditional delete removes only the expected version', async () => {
        const pk = freshPk('cond-delete');
        await store.put(pk, 'k', 'a');
        await store.put(pk, 'k', 'b');
        await expectConditionFailed(store.delete(pk, 'k', { ifVersion: 1 }));
        expect((await store.get(pk, 'k'))?.value).toBe('b');
        await store.delete(pk, 'k', { ifVersion: 2 });
        expect(await store.get(pk, 'k')).toBeUndefined();
        await expectConditionFailed(store.delete(pk, 'k', { ifVersion: 2 }));
      });

      it('two writers racing on one version: exactly one wins, the loser retries and both updates land', async () => {
        const pk = freshPk('race');
        await store.put(pk, 'counter', { n: 0, by: [] });
        const a = await store.get<{ n: number; by: string[] }>(pk, 'counter');
        const b = await store.get<{ n: number; by: string[] }>(pk, 'counter');
        if (!a || !b) throw new Error('seed item missing');
        expect(a.version).toBe(b.version);

        const results = await Promise.allSettled([
          store.put(pk, 'counter', { n: a.value.n + 1, by: [...a.value.by, 'A'] }, { ifVersion: a.version }),
          store.put(pk, 'counter', { n: b.value.n + 1, by: [...b.value.by, 'B'] }, { ifVersion: b.version }),
        ]);
        const won = results.filter((r) => r.status === 'fulfilled');
        const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
        expect(won).toHaveLength(1);
        expect(lost).toHaveLength(1);
        expect(lost[0]?.reason).toBeInstanceOf(ConditionFailedError);

        const loser = results[0]?.status === 'rejected' ? 'A' : 'B';
        const fresh = await store.get<{ n: number; by: string[] }>(pk, 'counter');
        if (!fresh) throw new Error('item vanished');
        expect(fresh.version).toBe(a.version + 1);
        await store.put(pk, 'counter', { n: fresh.value.n + 1, by: [...fresh.value.by, loser] }, { ifVersion: fresh.version });

        const end = await store.get<{ n: number; by: string[] }>(pk, 'counter');
        expect(end?.value.n).toBe(2);
        expect([...(end?.value.by ?? [])].sort()).toEqual(['A', 'B']);
        expect(end?.version).toBe(a.version + 2);
      });

      it('many concurrent compare-and-swap loops lose no increment', async () => {
        const pk = freshPk('increments');
        await store.put(pk, 'counter', 0);
        const writers = 8;
        const increment = async () => {
          for (let tries = 0; tries < 100; tries++) {
            const cur = await store.get<number>(pk, 'counter');
            if (!cur) throw new Error('counter missing');
            try {
              await store.put(pk, 'counter', cur.value + 1, { ifVersion: cur.version });
              return;
            } catch (err) {
              if (!(err instanceof ConditionFailedError)) throw err;
            }
          }
          throw new Error('too many conflicts');
        };
        await Promise.all(Array.from({ length: writers }, increment));
        const end = await store.get<number>(pk, 'counter');
        expect(end?.value).toBe(writers);
        expect(end?.version).toBe(writers + 1);
      });
    });

    describe('query', () => {
      // Byte order: '#' < '$', and 'é' (0xC3 0xA9 in UTF-8) sorts after every ASCII character.
      const keys = ['a', 'b', 'b#1', 'b#2', 'b#3', 'b$', 'c', 'd/x', 'f', 'é1', 'é2'];
      let pk: string;
      beforeEach(async () => {
        pk = freshPk('query');
        // Written out of order so the result order cannot come from insertion order.
        for (const sk of [...keys].reverse()) await store.put(pk, sk, { sk });
        await store.put(`${pk}-other`, 'b#9', { sk: 'other' });
      });
      const sks = (items: StoreItem[]) => items.map((i) => i.sk);

      it('returns a partition in ascending sort-key order with full items', async () => {
        const page = await store.query(pk);
        expect(sks(page.items)).toEqual(keys);
        expect(page.cursor).toBeUndefined();
        expect(page.items[0]).toEqual({ pk, sk: 'a', value: { sk: 'a' }, version: 1 });
      });

      it('returns nothing for an empty partition', async () => {
        const page = await store.query(freshPk('empty'));
        expect(page.items).toEqual([]);
        expect(page.cursor).toBeUndefined();
      });

      it('bounds by skFrom (inclusive) and skTo (exclusive)', async () => {
        expect(sks((await store.query(pk, { skFrom: 'b#2' })).items)).toEqual(['b#2', 'b#3', 'b$', 'c', 'd/x', 'f', 'é1', 'é2']);
        expect(sks((await store.query(pk, { skTo: 'b#2' })).items)).toEqual(['a', 'b', 'b#1']);
        expect(sks((await store.query(pk, { skFrom: 'b#1', skTo: 'c' })).items)).toEqual(['b#1', 'b#2', 'b#3', 'b$']);
        expect(sks((await store.query(pk, { skFrom: 'c', skTo: 'c' })).items)).toEqual([]);
      });

      it('selects by prefix, also with a multi-byte prefix', async () => {
        expect(sks((await store.query(pk, { skPrefix: 'b#' })).items)).toEqual(['b#1', 'b#2', 'b#3']);
        expect(sks((await store.query(pk, { skPrefix: 'b' })).items)).toEqual(['b', 'b#1', 'b#2', 'b#3', 'b$']);
        expect(sks((await store.query(pk, { skPrefix: 'é' })).items)).toEqual(['é1', 'é2']);
        expect(sks((await store.query(pk, { skPrefix: 'zz' })).items)).toEqual([]);
      });

      it('combines a prefix with range bounds', async () => {
        expect(sks((await store.query(pk, { skPrefix: 'b#', skFrom: 'b#2' })).items)).toEqual(['b#2', 'b#3']);
        expect(sks((await store.query(pk, { skPrefix: 'b#', skTo: 'b#3' })).items)).toEqual(['b#1', 'b#2']);
      });

      it('reverses the order, with and without bounds', async () => {
        expect(sks((await store.query(pk, { reverse: true })).items)).toEqual([...keys].reverse());
        expect(sks((await store.query(pk, { skPrefix: 'b#', reverse: true })).items)).toEqual(['b#3', 'b#2', 'b#1']);
        expect(sks((await store.query(pk, { skFrom: 'b', skTo: 'b#3', reverse: true })).items)).toEqual(['b#2', 'b#1', 'b']);
      });

      it('pages with limit and cursor, forwards and backwards', async () => {
        const forward = await pages(pk, { limit: 3 });
        for (const page of forward) expect(page.length).toBeLessThanOrEqual(3);
        expect(forward.length).toBeGreaterThanOrEqual(4);
        expect(sks(forward.flat())).toEqual(keys);

        const backward = await pages(pk, { limit: 4, reverse: true });
        for (const page of backward) expect(page.length).toBeLessThanOrEqual(4);
        expect(sks(backward.flat())).toEqual([...keys].reverse());

        const prefixed = await pages(pk, { limit: 1, skPrefix: 'b#' });
        expect(sks(prefixed.flat())).toEqual(['b#1', 'b#2', 'b#3']);
      });

      it('queryAll reads every page', async () => {
        expect(sks(await queryAll(store, pk, { limit: 2 }))).toEqual(keys);
      });

      it('resumes from a cursor without repeats while the partition changes between pages', async () => {
        const big = freshPk('stable');
        await store.batchWrite(Array.from({ length: 100 }, (_, i) => put(big, `k${pad(i)}`, i)));
        const first = await store.query(big, { limit: 10 });
        expect(first.cursor).toBeDefined();
        await store.put(big, `k${pad(5)}x`, 'behind the cursor');
        await store.put(big, `k${pad(50)}x`, 'ahead of the cursor');
        await store.delete(big, `k${pad(20)}`);
        await store.put(big, `k${pad(30)}`, 'updated');

        const seen = [...first.items.map((i) => i.sk)];
        let cursor = first.cursor;
        while (cursor) {
          const page = await store.query(big, { limit: 10, cursor });
          seen.push(...page.items.map((i) => i.sk));
          cursor = page.cursor;
        }
        expect(new Set(seen).size).toBe(seen.length);
        expect(seen).toContain(`k${pad(50)}x`);
        expect(seen).not.toContain(`k${pad(5)}x`);
        expect(seen).not.toContain(`k${pad(20)}`);
        for (let i = 0; i < 100; i++) if (i !== 20) expect(seen).toContain(`k${pad(i)}`);
        expect([...seen]).toEqual([...seen].sort(compareBytes));
      });

      it(`pages over more than ${DEFAULT_PAGE_LIMIT} items, each exactly once`, async () => {
        const big = freshPk('many');
        const n = 2 * DEFAULT_PAGE_LIMIT + 500;
        await store.batchWrite(Array.from({ length: n }, (_, i) => put(big, `i${pad(i)}`, { i })));
        const expected = Array.from({ length: n }, (_, i) => `i${pad(i)}`);

        const unbounded = await pages(big, {});
        for (const page of unbounded) expect(page.length).toBeLessThanOrEqual(DEFAULT_PAGE_LIMIT);
        expect(unbounded.length).toBeGreaterThanOrEqual(3);
        expect(sks(unbounded.flat())).toEqual(expected);

        const reversed = await pages(big, { reverse: true, limit: 700 });
        for (const page of reversed) expect(page.length).toBeLessThanOrEqual(700);
        expect(sks(reversed.flat())).toEqual([...expected].reverse());
      });

      it('pages over more than 1 MB of values, each exactly once and no page much above 1 MB', async () => {
        const big = freshPk('bytes');
        const itemBytes = 20_000;
        const n = 120; // ~2.4 MB in all
        const filler = 'x'.repeat(itemBytes);
        await store.batchWrite(Array.from({ length: n }, (_, i) => put(big, `b${pad(i)}`, { i, filler })));

        const all = await pages(big, {});
        expect(all.length).toBeGreaterThanOrEqual(2);
        for (const page of all) {
          const bytes = page.reduce((sum, item) => sum + Buffer.byteLength(JSON.stringify(item.value)), 0);
          expect(bytes).toBeLessThanOrEqual(PAGE_BYTES + itemBytes + 100);
        }
        const seen = all.flat();
        expect(sks(seen)).toEqual(Array.from({ length: n }, (_, i) => `b${pad(i)}`));
        for (const item of seen) expect((item.value as { filler: string }).filler).toHaveLength(itemBytes);
      });
    });

    describe('transact', () => {
      it('applies puts and deletes together', async () => {
        const pk = freshPk('tx');
        await store.put(pk, 'existing', 'old');
        await store.put(pk, 'doomed', 'bye');
        await store.transact([
          { type: 'put', pk, sk: 'new', value: 'n', ifVersion: 0 },
          { type: 'put', pk, sk: 'existing', value: 'updated', ifVersion: 1 },
          { type: 'delete', pk, sk: 'doomed', ifVersion: 1 },
          { type: 'put', pk: `${pk}-2`, sk: 'elsewhere', value: 'other partition' },
        ]);
        expect(await store.get(pk, 'new')).toMatchObject({ value: 'n', version: 1 });
        expect(await store.get(pk, 'existing')).toMatchObject({ value: 'updated', version: 2 });
        expect(await store.get(pk, 'doomed')).toBeUndefined();
        expect((await store.get(`${pk}-2`, 'elsewhere'))?.value).toBe('other partition');
      });

      it('writes nothing when one condition fails, wherever it sits', async () => {
        const pk = freshPk('tx-fail');
        await store.put(pk, 'existing', 'keep');
        await store.put(pk, 'victim', 'stay');
        const failingLast: WriteOp[] = [
          { type: 'put', pk, sk: 'a', value: 1 },
          { type: 'delete', pk, sk: 'victim' },
          { type: 'put', pk, sk: 'existing', value: 'changed' },
          { type: 'put', pk, sk: 'b', value: 2, ifVersion: 0 },
          { type: 'put', pk, sk: 'victim2', value: 'x', ifVersion: 7 },
        ];
        await expectConditionFailed(store.transact(failingLast));
        const failingFirst: WriteOp[] = [
          { type: 'put', pk, sk: 'existing', value: 'again', ifVersion: 0 },
          { type: 'put', pk, sk: 'a', value: 1 },
          { type: 'delete', pk, sk: 'victim' },
        ];
        await expectConditionFailed(store.transact(failingFirst));
        await expectConditionFailed(
          store.transact([
            { type: 'put', pk, sk: 'a', value: 1 },
            { type: 'delete', pk, sk: 'victim', ifVersion: 5 },
          ]),
        );
        expect(await store.get(pk, 'a')).toBeUndefined();
        expect(await store.get(pk, 'b')).toBeUndefined();
        expect(await store.get(pk, 'victim2')).toBeUndefined();
        expect(await store.get(pk, 'existing')).toMatchObject({ value: 'keep', version: 1 });
        expect(await store.get(pk, 'victim')).toMatchObject({ value: 'stay', version: 1 });
        expect((await store.query(pk)).items).toHaveLength(2);
      });

      it('handles 25 operations in one transaction', async () => {
        const pk = freshPk('tx-25');
        await store.transact(Array.from({ length: 25 }, (_, i) => put(pk, `k${pad(i)}`, i, 0)));
        expect((await queryAll(store, pk)).map((i) => i.value)).toEqual(Array.from({ length: 25 }, (_, i) => i));
      });
    });

    describe('batchWrite', () => {
      it('writes and deletes thousands of items', async () => {
        const pk = freshPk('batch');
        const n = 3000;
        await store.batchWrite(Array.from({ length: n }, (_, i) => put(pk, `k${pad(i)}`, { i })));
        const all = await queryAll(store, pk);
        expect(all).toHaveLength(n);
        all.forEach((item, i) => {
          expect(item.sk).toBe(`k${pad(i)}`);
          expect(item.value).toEqual({ i });
          expect(item.version).toBe(1);
        });

        await store.batchWrite(Array.from({ length: n }, (_, i) => ({ type: 'delete' as const, pk, sk: `k${pad(i)}` })));
        expect(await queryAll(store, pk)).toHaveLength(0);
      });

      it('overwrites existing items with a new version and mixes puts with deletes', async () => {
        const pk = freshPk('batch-mixed');
        await store.put(pk, 'a', 'old');
        await store.put(pk, 'b', 'gone soon');
        await store.batchWrite([
          put(pk, 'a', 'new'),
          { type: 'delete', pk, sk: 'b' },
          put(pk, 'c', 'created'),
          put(`${pk}-2`, 'd', 'other partition'),
        ]);
        expect(await store.get(pk, 'a')).toMatchObject({ value: 'new', version: 2 });
        expect(await store.get(pk, 'b')).toBeUndefined();
        expect(await store.get(pk, 'c')).toMatchObject({ value: 'created', version: 1 });
        expect((await store.get(`${pk}-2`, 'd'))?.value).toBe('other partition');
      });

      it('accepts an empty batch', async () => {
        await expect(store.batchWrite([])).resolves.toBeUndefined();
      });
    });

    describe('immutable (content-addressed) puts', () => {
      const blind = (pk: string, sk: string, value: JsonValue, expiresAt?: number): WriteOp =>
        expiresAt === undefined ? { type: 'put', pk, sk, value, immutable: true } : { type: 'put', pk, sk, value, immutable: true, expiresAt };

      it('writes through put and reads back with version 1, however often it is rewritten', async () => {
        const pk = freshPk('immutable-put');
        expect(await store.put(pk, 'k', { c: 'abc' }, { immutable: true })).toEqual({ pk, sk: 'k', value: { c: 'abc' }, version: 1 });
        expect(await store.put(pk, 'k', { c: 'abc' }, { immutable: true })).toMatchObject({ version: 1 });
        expect(await store.get(pk, 'k')).toEqual({ pk, sk: 'k', value: { c: 'abc' }, version: 1 });
      });

      it('rewrites an existing item in a batch without counting its version, beside ordinary puts and deletes', async () => {
        const pk = freshPk('immutable-batch');
        await store.put(pk, 'seg', 'v');
        await store.put(pk, 'seg', 'v');
        await store.put(pk, 'counted', 'old');
        await store.put(pk, 'gone', 'x');
        const n = 60;
        await store.batchWrite([
          blind(pk, 'seg', 'v'),
          put(pk, 'counted', 'new'),
          { type: 'delete', pk, sk: 'gone' },
          ...Array.from({ length: n }, (_, i) => blind(pk, `n${pad(i)}`, { i })),
          blind(`${pk}-2`, 'other', 'partition'),
        ]);
        expect(await store.get(pk, 'seg')).toMatchObject({ value: 'v', version: 1 });
        expect(await store.get(pk, 'counted')).toMatchObject({ value: 'new', version: 2 });
        expect(await store.get(pk, 'gone')).toBeUndefined();
        const written = await queryAll(store, pk, { skPrefix: 'n' });
        expect(written.map((i) => i.value)).toEqual(Array.from({ length: n }, (_, i) => ({ i })));
        expect(new Set(written.map((i) => i.version))).toEqual(new Set([1]));
        expect((await store.get(`${pk}-2`, 'other'))?.value).toBe('partition');
      });

      it('a redelivered batch of immutable items leaves exactly the same items', async () => {
        const pk = freshPk('immutable-redeliver');
        const ops = Array.from({ length: 30 }, (_, i) => blind(pk, `k${pad(i)}`, { i }));
        await store.batchWrite(ops);
        const first = await queryAll(store, pk);
        await store.batchWrite(ops);
        expect(await queryAll(store, pk)).toEqual(first);
      });

      it('carries expiry, replaces an expired leftover, and rides in a transaction', async () => {
        const pk = freshPk('immutable-ttl');
        await store.batchWrite([blind(pk, 'a', 1, clock.now() + 100)]);
        expect(await store.get(pk, 'a')).toEqual({ pk, sk: 'a', value: 1, version: 1, expiresAt: clock.now() + 100 });
        clock.advance(100);
        expect(await store.get(pk, 'a')).toBeUndefined();
        await store.transact([blind(pk, 'a', 1), put(pk, 'b', 2, 0)]);
        expect(await store.get(pk, 'a')).toEqual({ pk, sk: 'a', value: 1, version: 1 });
        expect(await store.get(pk, 'b')).toMatchObject({ value: 2, version: 1 });
      });

      it('refuses an immutable put with a version condition', async () => {
        const pk = freshPk('immutable-cond');
        await expect(store.put(pk, 'k', 1, { immutable: true, ifVersion: 0 })).rejects.toThrow(/immutable/);
        await expect(store.transact([{ type: 'put', pk, sk: 'k', value: 1, immutable: true, ifVersion: 0 }])).rejects.toThrow(/immutable/);
        expect(await store.get(pk, 'k')).toBeUndefined();
      });
    });

    describe('TTL', () => {
      it('stores and returns expiresAt through put, get and query', async () => {
        const pk = freshPk('ttl');
        const expiresAt = clock.now() + 60_000;
        const written = await store.put(pk, 'k', 'v', { expiresAt });
        expect(written.expiresAt).toBe(expiresAt);
        expect((await store.get(pk, 'k'))?.expiresAt).toBe(expiresAt);
        expect((await store.query(pk)).items[0]?.expiresAt).toBe(expiresAt);
      });

      it('hides an item from get and query once expiresAt is reached', async () => {
        const pk = freshPk('ttl-hide');
        const expiresAt = clock.now() + 1000;
        await store.put(pk, 'short', 's', { expiresAt });
        await store.put(pk, 'long', 'l', { expiresAt: expiresAt + 10_000 });
        await store.put(pk, 'forever', 'f');
        clock.advance(999);
        expect((await store.get(pk, 'short'))?.value).toBe('s');
        expect((await store.query(pk)).items.map((i) => i.sk)).toEqual(['forever', 'long', 'short']);
        clock.advance(1);
        expect(await store.get(pk, 'short')).toBeUndefined();
        expect((await store.query(pk)).items.map((i) => i.sk)).toEqual(['forever', 'long']);
        expect((await store.query(pk, { skPrefix: 's' })).items).toEqual([]);
        expect((await store.query(pk, { reverse: true, limit: 1 })).items.map((i) => i.sk)).toEqual(['long']);
      });

      it('treats an expired item as absent for conditions', async () => {
        const pk = freshPk('ttl-cond');
        await store.put(pk, 'k', 'old', { expiresAt: clock.now() + 1000 });
        await store.put(pk, 'k', 'old2', { ifVersion: 1, expiresAt: clock.now() + 1000 });
        clock.advance(1000);
        await expectConditionFailed(store.put(pk, 'k', 'stale', { ifVersion: 2 }));
        const recreated = await store.put(pk, 'k', 'new', { ifVersion: 0 });
        expect(recreated.version).toBe(1);
        expect(recreated.expiresAt).toBeUndefined();
        const read = await store.get(pk, 'k');
        expect(read).toEqual({ pk, sk: 'k', value: 'new', version: 1 });
        clock.advance(1_000_000);
        expect((await store.get(pk, 'k'))?.value).toBe('new');
      });

      it('lets a transaction recreate an expired item with ifVersion 0', async () => {
        const pk = freshPk('ttl-tx');
        await store.put(pk, 'lock', 'holder-1', { expiresAt: clock.now() + 500 });
        await expectConditionFailed(store.transact([{ type: 'put', pk, sk: 'lock', value: 'holder-2', ifVersion: 0 }]));
        clock.advance(500);
        await store.transact([
          { type: 'put', pk, sk: 'lock', value: 'holder-2', ifVersion: 0, expiresAt: clock.now() + 500 },
        ]);
        expect(await store.get(pk, 'lock')).toMatchObject({ value: 'holder-2', version: 1, expiresAt: clock.now() + 500 });
      });

      it('drops the expiry when an item is overwritten without one', async () => {
        const pk = freshPk('ttl-clear');
        await store.put(pk, 'k', 'v', { expiresAt: clock.now() + 1000 });
        await store.put(pk, 'k', 'v2');
        clock.advance(2000);
        expect(await store.get(pk, 'k')).toEqual({ pk, sk: 'k', value: 'v2', version: 2 });
      });

      it('applies expiry to batch-written items', async () => {
        const pk = freshPk('ttl-batch');
        await store.batchWrite([
          { type: 'put', pk, sk: 'a', value: 1, expiresAt: clock.now() + 100 },
          { type: 'put', pk, sk: 'b', value: 2 },
        ]);
        expect((await store.get(pk, 'a'))?.expiresAt).toBe(clock.now() + 100);
        clock.advance(100);
        expect((await store.query(pk)).items.map((i) => i.sk)).toEqual(['b']);
      });
    });
  });
}

function put(pk: string, sk: string, value: JsonValue, ifVersion?: number): WriteOp {
  return ifVersion === undefined ? { type: 'put', pk, sk, value } : { type: 'put', pk, sk, value, ifVersion };
}

/** Sort-key order is UTF-8 byte order in every backend. */
function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
