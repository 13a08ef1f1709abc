import { ManualClock, ValidationError } from '../../index';
import { SqliteStateStore } from '@vigil/adapter-local';
import { parseMatchers } from '../matchers';
import {
  matchesFilter,
  postableSilenceSchema,
  silenceKey,
  SilenceNotFoundError,
  Silencer,
  SilenceRepository,
  silenceMatchesFilter,
  silenceState,
  sortSilences,
  toGettableSilence,
  toMatcher,
  SILENCE_RETENTION_MS,
  type SilenceInput,
} from '.';

const T0 = Date.parse('2026-03-02T10:00:00Z');
const MIN = 60_000;

describe('silences', () => {
  const clock = new ManualClock(T0);
  let store: SqliteStateStore;
  let repo: SilenceRepository;
  let ids = 0;
  beforeEach(() => {
    clock.set(T0);
    store = new SqliteStateStore(':memory:', clock);
    repo = new SilenceRepository(store, () => `id-${++ids}`);
  });
  afterEach(() => store.close());

  const input = (over: Partial<SilenceInput> = {}): SilenceInput => ({
    matchers: [{ name: 'alertname', type: '=', value: 'Down' }],
    startsAt: T0,
    endsAt: T0 + 60 * MIN,
    createdBy: 'ops',
    comment: 'maintenance',
    ...over,
  });

  it('creates silences whose state follows the clock, and keeps expired ones for the retention period', async () => {
    const id = await repo.set('t1', input({ startsAt: T0 + 10 * MIN }), clock.now());
    expect(silenceState((await repo.get('t1', id))!, clock.now())).toBe('pending');
    clock.advance(10 * MIN);
    expect(silenceState((await repo.get('t1', id))!, clock.now())).toBe('active');
    clock.advance(50 * MIN);
    expect(silenceState((await repo.get('t1', id))!, clock.now())).toBe('expired');
    const item = await store.get(silenceKey('t1'), id);
    expect(item?.expiresAt).toBe(T0 + 60 * MIN + SILENCE_RETENTION_MS);
    expect(await repo.list('t2')).toEqual([]); // tenants are separate
  });

  it('never starts a new silence in the past', async () => {
    const id = await repo.set('t1', input({ startsAt: T0 - 30 * MIN }), clock.now());
    expect((await repo.get('t1', id))!.startsAt).toBe(T0);
  });

  it('updates an active silence in place when only its end or comment changes', async () => {
    const id = await repo.set('t1', input(), clock.now());
    clock.advance(5 * MIN);
    const again = await repo.set('t1', input({ id, endsAt: T0 + 120 * MIN, comment: 'longer' }), clock.now());
    expect(again).toBe(id);
    expect(await repo.get('t1', id)).toMatchObject({ endsAt: T0 + 120 * MIN, comment: 'longer', updatedAt: T0 + 5 * MIN });
    expect(await repo.list('t1')).toHaveLength(1);
  });

  it('expires an active silence and creates a new one when its matchers change', async () => {
    const id = await repo.set('t1', input(), clock.now());
    clock.advance(5 * MIN);
    const next = await repo.set('t1', input({ id, matchers: [{ name: 'alertname', type: '=~', value: 'Down|Up' }] }), clock.now());
    expect(next).not.toBe(id);
    expect(silenceState((await repo.get('t1', id))!, clock.now())).toBe('expired');
    expect((await repo.get('t1', id))!.endsAt).toBe(clock.now());
    expect(await repo.get('t1', next)).toMatchObject({ startsAt: clock.now(), matchers: [{ name: 'alertname', type: '=~', value: 'Down|Up' }] });
  });

  it('replaces an active silence whose start is moved', async () => {
    const id = await repo.set('t1', input(), clock.now());
    clock.advance(MIN);
    const next = await repo.set('t1', input({ id, startsAt: T0 + 2 * MIN }), clock.now());
    expect(next).not.toBe(id);
  });

  it('updates a pending silence in place unless it would start in the past', async () => {
    const id = await repo.set('t1', input({ startsAt: T0 + 30 * MIN }), clock.now());
    expect(await repo.set('t1', input({ id, startsAt: T0 + 20 * MIN }), clock.now())).toBe(id);
    const replaced = await repo.set('t1', input({ id, startsAt: T0 - MIN }), clock.now());
    expect(replaced).not.toBe(id);
    expect(silenceState((await repo.get('t1', id))!, clock.now())).toBe('expired');
  });

  it('expires: active ends now, pending ends and starts now, a second expiry is refused', async () => {
    const active = await repo.set('t1', input(), clock.now());
    const pending = await repo.set('t1', input({ startsAt: T0 + 30 * MIN }), clock.now());
    clock.advance(MIN);
    await repo.expire('t1', active, clock.now());
    await repo.expire('t1', pending, clock.now());
    expect(await repo.get('t1', active)).toMatchObject({ startsAt: T0, endsAt: T0 + MIN });
    expect(await repo.get('t1', pending)).toMatchObject({ startsAt: T0 + MIN, endsAt: T0 + MIN });
    await expect(repo.expire('t1', active, clock.now())).rejects.toThrow('already expired');
    await expect(repo.expire('t1', 'nope', clock.now())).rejects.toBeInstanceOf(SilenceNotFoundError);
    await expect(repo.set('t1', input({ id: 'nope' }), clock.now())).rejects.toBeInstanceOf(SilenceNotFoundError);
  });

  it('refuses invalid silences with every problem and writes nothing', async () => {
    const bad = input({ matchers: [{ name: 'a', type: '=~', value: '.*' }, { name: 'b', type: '=~', value: '(?=x)' }], endsAt: T0 - MIN });
    const err = await repo.set('t1', bad, clock.now()).catch((e) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).issues.map((i) => i.path)).toEqual(['matchers[1].value', 'endsAt']);
    const empty = await repo.set('t1', input({ matchers: [{ name: 'a', type: '=~', value: '.*' }] }), clock.now()).catch((e) => e);
    expect((empty as ValidationError).message).toContain('at least one matcher must not match the empty string');
    const past = await repo.set('t1', input({ startsAt: T0 - 20 * MIN, endsAt: T0 - 10 * MIN }), clock.now()).catch((e) => e);
    expect((past as ValidationError).message).toContain("end time can't be in the past");
    expect(await repo.list('t1')).toEqual([]);
  });

  it('mutes alerts with active silences only', async () => {
    const a = await repo.set('t1', input(), clock.now());
    await repo.set('t1', input({ startsAt: T0 + 30 * MIN, matchers: [{ name: 'team', type: '=', value: 'db' }] }), clock.now());
    const silencer = new Silencer(await repo.list('t1'), clock.now());
    expect(silencer.silencedBy({ alertname: 'Down', team: 'db' })).toEqual([a]);
    expect(silencer.mutes({ alertname: 'Up', team: 'db' })).toBe(false); // the team silence is pending
    const negative = new Silencer([{ ...(await repo.get('t1', a))!, matchers: [{ name: 'env', type: '!=', value: 'prod' }] }], clock.now());
    expect(negative.mutes({ alertname: 'x' })).toBe(true); // missing label reads as ""
    expect(negative.mutes({ env: 'prod' })).toBe(false);
  });

  it('filters and sorts as the API does', async () => {
    const s = (await repo.get('t1', await repo.set('t1', input(), clock.now())))!;
    expect(silenceMatchesFilter(s, parseMatchers('alertname="Down"'))).toBe(true);
    expect(silenceMatchesFilter(s, parseMatchers('alertname=~"D.*"'))).toBe(true);
    expect(silenceMatchesFilter(s, parseMatchers('alertname="Up"'))).toBe(false);
    expect(silenceMatchesFilter(s, parseMatchers('team=""'))).toBe(true);
    expect(matchesFilter({ team: 'db' }, parseMatchers('team!=""'))).toBe(true);
    expect(matchesFilter({}, parseMatchers('team!="db"'))).toBe(true);
    const list = [
      { ...s, id: 'expired-early', startsAt: T0 - 9 * MIN, endsAt: T0 - 5 * MIN },
      { ...s, id: 'pending', startsAt: T0 + 5 * MIN },
      { ...s, id: 'active-late', endsAt: T0 + 90 * MIN },
      { ...s, id: 'expired-late', startsAt: T0 - 9 * MIN, endsAt: T0 - MIN },
      { ...s, id: 'active-soon', endsAt: T0 + 10 * MIN },
    ];
    expect(sortSilences(list, clock.now()).map((x) => x.id)).toEqual(['active-soon', 'active-late', 'pending', 'expired-late', 'expired-early']);
    await repo.set('t1', input({ startsAt: T0 + 5 * MIN, matchers: [{ name: 'team', type: '=', value: 'db' }] }), clock.now());
    expect((await repo.query('t1', { state: 'pending' }, clock.now())).map((x) => x.matchers[0]!.name)).toEqual(['team']);
    expect((await repo.query('t1', { filter: parseMatchers('team=~"d.*"') }, clock.now())).map((x) => x.matchers[0]!.value)).toEqual(['db']);
    expect(await repo.query('t1', { state: 'expired' }, clock.now())).toEqual([]);
  });

  it('reads and writes the v2 API shape', () => {
    const body = postableSilenceSchema.parse({
      matchers: [{ name: 'a', value: 'x', isRegex: true, isEqual: false }, { name: 'b', value: 'y', isRegex: false }],
      startsAt: '2026-03-02T10:00:00.000Z',
      endsAt: '2026-03-02T11:00:00+01:00',
      createdBy: 'me',
      comment: 'c',
    });
    expect(body.matchers.map(toMatcher)).toEqual([{ name: 'a', type: '!~', value: 'x' }, { name: 'b', type: '=', value: 'y' }]);
    expect(body.endsAt).toBe(T0);
    const out = toGettableSilence({ id: 'i', ...body, matchers: body.matchers.map(toMatcher), endsAt: T0 + MIN, updatedAt: T0 }, T0);
    expect(out).toMatchObject({ status: { state: 'active' }, startsAt: '2026-03-02T10:00:00.000Z', matchers: [{ isRegex: true, isEqual: false }, { isRegex: false, isEqual: true }] });
    expect(postableSilenceSchema.safeParse({ matchers: [], startsAt: 'yesterday', endsAt: '', createdBy: '', comment: 'x' }).success).toBe(false);
  });
});
