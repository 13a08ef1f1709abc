import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { ConditionFailedError, ManualClock, queryAll, type WriteOp } from '@vigil/core';
import { MAX_TRANSACT_OPS, SqliteStateStore } from './sqlite-state-store';

describe('SqliteStateStore', () => {
  let dir: string;
  let file: string;
  let clock: ManualClock;
  const open: SqliteStateStore[] = [];
  const make = (options?: ConstructorParameters<typeof SqliteStateStore>[2]) => {
    const store = new SqliteStateStore(file, clock, options);
    open.push(store);
    return store;
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-store-'));
    file = join(dir, 'state.db');
    clock = new ManualClock(1_000_000);
  });
  afterEach(() => {
    for (const store of open.splice(0)) store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates the items table WITHOUT ROWID in WAL mode with synchronous=NORMAL', () => {
    make();
    const raw = new Database(file);
    try {
      const sql = (raw.prepare("SELECT sql FROM sqlite_master WHERE name = 'items'").get() as { sql: string }).sql;
      expect(sql).toMatch(/WITHOUT ROWID/);
      expect(sql).toMatch(/PRIMARY KEY \(pk, sk\)/);
      expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    } finally {
      raw.close();
    }
    // synchronous is per connection, so ask the store's own connection.
    const db = (make() as unknown as { db: Database.Database }).db;
    expect(db.pragma('synchronous', { simple: true })).toBe(1);
    expect(db.pragma('busy_timeout', { simple: true })).toBeGreaterThan(0);
  });

  it('keeps data across close and reopen', async () => {
    const first = make();
    await first.put('p', 's', { kept: true }, { expiresAt: clock.now() + 10_000 });
    await first.put('p', 's', { kept: 'yes' }, { ifVersion: 1, expiresAt: clock.now() + 10_000 });
    first.close();
    const second = make();
    expect(await second.get('p', 's')).toEqual({
      pk: 'p',
      sk: 's',
      value: { kept: 'yes' },
      version: 2,
      expiresAt: clock.now() + 10_000,
    });
  });

  it('shares state and conditions between two connections to one file', async () => {
    const a = make();
    const b = make();
    await a.put('p', 'k', 1, { ifVersion: 0 });
    await expect(b.put('p', 'k', 1, { ifVersion: 0 })).rejects.toBeInstanceOf(ConditionFailedError);
    const seen = await b.get<number>('p', 'k');
    await a.put('p', 'k', 2, { ifVersion: 1 });
    await expect(b.put('p', 'k', 3, { ifVersion: seen?.version })).rejects.toBeInstanceOf(ConditionFailedError);
    expect((await b.get('p', 'k'))?.version).toBe(2);
  });

  it('sweepExpired deletes expired rows and nothing else', async () => {
    const store = make();
    await store.batchWrite(
      Array.from({ length: 2500 }, (_, i): WriteOp => ({
        type: 'put',
        pk: 'p',
        sk: `k${String(i).padStart(5, '0')}`,
        value: i,
        expiresAt: i % 2 === 0 ? clock.now() + 100 : undefined,
      })),
    );
    await store.put('p', 'later', 'x', { expiresAt: clock.now() + 1000 });
    expect(store.sweepExpired()).toBe(0);
    clock.advance(100);
    expect(store.sweepExpired()).toBe(1250);
    expect(store.sweepExpired()).toBe(0);
    const raw = new Database(file, { readonly: true });
    try {
      expect((raw.prepare('SELECT COUNT(*) AS n FROM items').get() as { n: number }).n).toBe(1251);
    } finally {
      raw.close();
    }
    expect(await queryAll(store, 'p')).toHaveLength(1251);
  });

  it('cuts a page before its values pass the byte limit, but always returns one item', async () => {
    const store = make({ pageByteLimit: 100 });
    const value = 'y'.repeat(38); // 40 bytes as JSON
    for (const sk of ['a', 'b', 'c', 'd', 'e']) await store.put('p', sk, value);
    await store.put('p', 'huge', 'z'.repeat(500));
    const first = await store.query('p');
    expect(first.items.map((i) => i.sk)).toEqual(['a', 'b']);
    const second = await store.query('p', { cursor: first.cursor });
    expect(second.items.map((i) => i.sk)).toEqual(['c', 'd']);
    const third = await store.query('p', { cursor: second.cursor });
    expect(third.items.map((i) => i.sk)).toEqual(['e']);
    const fourth = await store.query('p', { cursor: third.cursor });
    expect(fourth.items.map((i) => i.sk)).toEqual(['huge']);
    expect(fourth.cursor).toBeUndefined();
  });

  it('returns a cursor only when more items follow', async () => {
    const store = make({ defaultPageLimit: 2 });
    for (const sk of ['a', 'b', 'c', 'd']) await store.put('p', sk, sk);
    const first = await store.query('p');
    expect(first.items).toHaveLength(2);
    expect(first.cursor).toBeDefined();
    const second = await store.query('p', { cursor: first.cursor });
    expect(second.items.map((i) => i.sk)).toEqual(['c', 'd']);
    expect(second.cursor).toBeUndefined();
  });

  it('does not count expired rows towards a page', async () => {
    const store = make();
    await store.put('p', 'a', 1, { expiresAt: clock.now() + 1 });
    await store.put('p', 'b', 2, { expiresAt: clock.now() + 1 });
    await store.put('p', 'c', 3);
    await store.put('p', 'd', 4);
    clock.advance(1);
    const page = await store.query('p', { limit: 2 });
    expect(page.items.map((i) => i.sk)).toEqual(['c', 'd']);
    expect(page.cursor).toBeUndefined();
  });

  it('refuses a malformed cursor and a cursor from the other direction', async () => {
    const store = make({ defaultPageLimit: 1 });
    await store.put('p', 'a', 1);
    await store.put('p', 'b', 2);
    await expect(store.query('p', { cursor: 'not a cursor' })).rejects.toThrow(TypeError);
    const { cursor } = await store.query('p');
    await expect(store.query('p', { cursor, reverse: true })).rejects.toThrow(/other direction/);
  });

  it('matches prefixes by bytes, including ones whose byte successor is not valid UTF-8', async () => {
    const store = make();
    const keys = ['ÿ', 'ÿa', 'ÿ😀', 'Ā', '\u007f', '\u007fx', '%a', '%_', 'a%', 'ab', 'x\uffff', 'x\uffffy', 'y'];
    for (const sk of keys) await store.put('p', sk, sk);
    const prefix = async (p: string) => (await store.query('p', { skPrefix: p })).items.map((i) => i.sk);
    expect(await prefix('ÿ')).toEqual(['ÿ', 'ÿa', 'ÿ😀']);
    expect(await prefix('\u007f')).toEqual(['\u007f', '\u007fx']);
    expect(await prefix('%')).toEqual(['%_', '%a']);
    expect(await prefix('a')).toEqual(['a%', 'ab']);
    expect(await prefix('x\uffff')).toEqual(['x\uffff', 'x\uffffy']);
    expect(await prefix('😀')).toEqual([]);
  });

  it('rejects what the cloud backends would reject', async () => {
    const store = make();
    await expect(store.put('', 'k', 1)).rejects.toThrow(TypeError);
    await expect(store.put('p', '', 1)).rejects.toThrow(TypeError);
    await expect(store.get('p', '')).rejects.toThrow(TypeError);
    await expect(store.put('p', 'k', undefined as never)).rejects.toThrow(/JSON/);
    await expect(store.put('p', 'k', 1, { ifVersion: -1 })).rejects.toThrow(RangeError);
    await expect(store.put('p', 'k', 1, { expiresAt: Number.NaN })).rejects.toThrow(RangeError);
    await expect(store.query('p', { limit: 0 })).rejects.toThrow(RangeError);
    await expect(store.batchWrite([{ type: 'put', pk: 'p', sk: 'k', value: 1, ifVersion: 0 }])).rejects.toThrow(/unconditional/);
    await expect(
      store.transact([
        { type: 'put', pk: 'p', sk: 'k', value: 1 },
        { type: 'delete', pk: 'p', sk: 'k' },
      ]),
    ).rejects.toThrow(/more than one operation/);
    const tooMany = Array.from({ length: MAX_TRANSACT_OPS + 1 }, (_, i): WriteOp => ({ type: 'put', pk: 'p', sk: `k${i}`, value: i }));
    await expect(store.transact(tooMany)).rejects.toThrow(RangeError);
    expect(await store.query('p')).toEqual({ items: [] });
  });

  it('ifVersion 0 on delete succeeds only when the item is absent', async () => {
    const store = make();
    await store.put('p', 'k', 1);
    await expect(store.delete('p', 'k', { ifVersion: 0 })).rejects.toBeInstanceOf(ConditionFailedError);
    await store.delete('p', 'k');
    await expect(store.delete('p', 'k', { ifVersion: 0 })).resolves.toBeUndefined();
  });

  it('fails on use after close', async () => {
    const store = make();
    store.close();
    store.close();
    await expect(store.get('p', 'k')).rejects.toThrow();
  });
});
