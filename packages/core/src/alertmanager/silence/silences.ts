/**
 * Silences of a tenant in the StateStore (pk `sil#{tenant}`, sk = id), with the update rules of
 * Alertmanager 0.25 (silence/silence.go): a silence may be changed in place only when its
 * matchers stay the same and the change keeps its history truthful (an active silence keeps
 * its start and cannot end in the past; a pending one cannot start in the past); otherwise
 * the old silence is expired and a new one with a new ID replaces it. Expired silences stay
 * readable for the retention period, then the store's TTL removes them.
 */
import { randomUUID } from 'node:crypto';
import { ConditionFailedError, queryAll, type StateStore, type WriteOp } from '../../ports';
import { ValidationError, type Issue } from '../../errors';
import type { Labels } from '../../model/labels';
import { compileMatcher, matchesLabels, MatcherError, type CompiledMatcher, type Matcher } from '../matchers';
import { silenceState, type Silence, type SilenceState } from './schema';

/** Alertmanager's default `--data.retention`. */
export const SILENCE_RETENTION_MS = 120 * 3_600_000;
const MAX_ATTEMPTS = 10;

export class SilenceNotFoundError extends Error {
  constructor(readonly id: string) {
    super(`silence ${id} not found`);
    this.name = 'SilenceNotFoundError';
  }
}

export const silenceKey = (tenant: string) => `sil#${tenant}`;

/** What a client asks to store; `id` names the silence to update. */
export interface SilenceInput {
  id?: string;
  matchers: Matcher[];
  startsAt: number;
  endsAt: number;
  createdBy: string;
  comment: string;
}

/** Alertmanager's validateSilence plus the API's time checks; every problem at once. */
export function validateSilence(s: SilenceInput, now: number): void {
  const issues: Issue[] = [];
  if (s.matchers.length === 0) issues.push({ path: 'matchers', message: 'at least one matcher required' });
  let allMatchEmpty = true;
  s.matchers.forEach((m, i) => {
    try {
      if (compileMatcher(m).matches('') === false) allMatchEmpty = false;
    } catch (err) {
      if (!(err instanceof MatcherError)) throw err;
      issues.push({ path: `matchers[${i}].value`, message: `invalid regular expression: ${err.message}` });
      allMatchEmpty = false;
    }
  });
  if (s.matchers.length > 0 && allMatchEmpty) issues.push({ path: 'matchers', message: 'at least one matcher must not match the empty string' });
  if (s.endsAt <= s.startsAt) issues.push({ path: 'endsAt', message: 'start time must be before end time' });
  else if (s.endsAt < now) issues.push({ path: 'endsAt', message: "end time can't be in the past" });
  if (issues.length > 0) throw new ValidationError(issues);
}

const sameMatchers = (a: Matcher[], b: Matcher[]) =>
  a.length === b.length && a.every((m, i) => m.name === b[i]!.name && m.type === b[i]!.type && m.value === b[i]!.value);

/** Alertmanager's canUpdate: whether `next` may overwrite `prev` in place. */
function canUpdate(prev: Silence, next: SilenceInput, now: number): boolean {
  if (!sameMatchers(prev.matchers, next.matchers)) return false;
  switch (silenceState(prev, now)) {
    case 'active':
      return next.startsAt === prev.startsAt && next.endsAt >= now;
    case 'pending':
      return next.startsAt >= now;
    default:
      return false;
  }
}

const ttl = (s: Silence) => s.endsAt + SILENCE_RETENTION_MS;

export class SilenceRepository {
  constructor(
    private readonly store: StateStore,
    private readonly newId: () => string = randomUUID,
  ) {}

  async list(tenant: string): Promise<Silence[]> {
    return (await queryAll<Silence>(this.store, silenceKey(tenant))).map((i) => i.value);
  }

  /** Silences passing an API filter and, if given, in one state, in the API's order. */
  async query(tenant: string, options: { filter?: ReadonlyArray<CompiledMatcher>; state?: SilenceState }, now: number): Promise<Silence[]> {
    const list = (await this.list(tenant)).filter(
      (s) => (!options.filter || silenceMatchesFilter(s, options.filter)) && (!options.state || silenceState(s, now) === options.state),
    );
    return sortSilences(list, now);
  }

  async get(tenant: string, id: string): Promise<Silence | undefined> {
    return (await this.store.get<Silence>(silenceKey(tenant), id))?.value;
  }

  /** Creates or updates a silence; returns the ID it is stored under (new when replaced). */
  async set(tenant: string, input: SilenceInput, now: number): Promise<string> {
    validateSilence(input, now);
    const pk = silenceKey(tenant);
    const fields = { matchers: input.matchers, endsAt: input.endsAt, createdBy: input.createdBy, comment: input.comment, updatedAt: now };
    for (let attempt = 1; ; attempt++) {
      const ops: WriteOp[] = [];
      let id: string;
      const prevItem = input.id ? await this.store.get<Silence>(pk, input.id) : undefined;
      if (input.id && !prevItem) throw new SilenceNotFoundError(input.id);
      if (prevItem && canUpdate(prevItem.value, input, now)) {
        id = prevItem.value.id;
        const next: Silence = { ...fields, id, startsAt: input.startsAt };
        ops.push({ type: 'put', pk, sk: id, value: next as never, ifVersion: prevItem.version, expiresAt: ttl(next) });
      } else {
        if (prevItem && silenceState(prevItem.value, now) !== 'expired') {
          const expired = expiredAt(prevItem.value, now);
          ops.push({ type: 'put', pk, sk: expired.id, value: expired as never, ifVersion: prevItem.version, expiresAt: ttl(expired) });
        }
        id = this.newId();
        // A new silence never starts in the past.
        const next: Silence = { ...fields, id, startsAt: Math.max(input.startsAt, now) };
        ops.push({ type: 'put', pk, sk: id, value: next as never, ifVersion: 0, expiresAt: ttl(next) });
      }
      try {
        // One transaction: a replaced silence is expired if and only if its successor exists.
        await this.store.transact(ops);
        return id;
      } catch (err) {
        if (!(err instanceof ConditionFailedError) || attempt >= MAX_ATTEMPTS) throw err;
      }
    }
  }

  /** Ends a silence now (a pending one is moved to expired). Throws if missing or already expired. */
  async expire(tenant: string, id: string, now: number): Promise<void> {
    const pk = silenceKey(tenant);
    for (let attempt = 1; ; attempt++) {
      const item = await this.store.get<Silence>(pk, id);
      if (!item) throw new SilenceNotFoundError(id);
      if (silenceState(item.value, now) === 'expired') throw ValidationError.single('id', `silence ${id} already expired`);
      const next = expiredAt(item.value, now);
      try {
        await this.store.put(pk, id, next as never, { ifVersion: item.version, expiresAt: ttl(next) });
        return;
      } catch (err) {
        if (!(err instanceof ConditionFailedError) || attempt >= MAX_ATTEMPTS) throw err;
      }
    }
  }
}

function expiredAt(s: Silence, now: number): Silence {
  return silenceState(s, now) === 'pending' ? { ...s, startsAt: now, endsAt: now, updatedAt: now } : { ...s, endsAt: now, updatedAt: now };
}

/**
 * Compiled matchers of recently seen silences, per warm instance: compiling an RE2 pattern costs
 * far more than testing it (about 0.6 ms against well under 1 µs), and every flush builds a
 * Silencer. Keyed by ID and matchers, so a replaced silence never reuses a stale entry.
 */
const COMPILED_CACHE_MAX = 10_000;
const compiledCache = new Map<string, CompiledMatcher[]>();

function compiledMatchers(s: Silence): CompiledMatcher[] {
  const key = `${s.id}\u0000${JSON.stringify(s.matchers)}`;
  let ms = compiledCache.get(key);
  if (ms) {
    compiledCache.delete(key); // most recently used last
  } else {
    ms = s.matchers.map(compileMatcher);
    if (compiledCache.size >= COMPILED_CACHE_MAX) compiledCache.delete(compiledCache.keys().next().value!);
  }
  compiledCache.set(key, ms);
  return ms;
}

/** The active silences at one moment, compiled once, answering "which silences mute these labels". */
export class Silencer {
  private readonly active: { id: string; matchers: CompiledMatcher[] }[];

  constructor(silences: Iterable<Silence>, now: number) {
    this.active = [];
    for (const s of silences) {
      if (silenceState(s, now) !== 'active') continue;
      this.active.push({ id: s.id, matchers: compiledMatchers(s) });
    }
  }

  silencedBy(labels: Labels): string[] {
    return this.active.filter((s) => matchesLabels(s.matchers, labels)).map((s) => s.id).sort();
  }

  mutes(labels: Labels): boolean {
    return this.active.some((s) => matchesLabels(s.matchers, labels));
  }
}

/**
 * Alertmanager's API filter (`filter=` matchers) on a label set: every filter matcher must
 * match the value under its name; an empty filter value also accepts a set without that name
 * (for `=`/`=~`) or with it (for `!=`/`!~`).
 */
export function matchesFilter(values: Readonly<Record<string, string>>, filter: ReadonlyArray<CompiledMatcher>): boolean {
  return filter.every((m) => {
    const v = Object.prototype.hasOwnProperty.call(values, m.name) ? values[m.name] : undefined;
    const negative = m.type === '!=' || m.type === '!~';
    if (m.value === '' && (negative ? v !== undefined : v === undefined)) return true;
    return m.matches(v ?? '');
  });
}

/** The filter applied to a silence: its matchers' names and values stand in for labels. */
export function silenceMatchesFilter(s: Silence, filter: ReadonlyArray<CompiledMatcher>): boolean {
  return matchesFilter(Object.fromEntries(s.matchers.map((m) => [m.name, m.value])), filter);
}

/** Alertmanager's order of silences in the API: active by end, pending by start, expired by end (latest first). */
export function sortSilences(list: Silence[], now: number): Silence[] {
  const rank = { active: 0, pending: 1, expired: 2 } as const;
  return [...list].sort((a, b) => {
    const sa = silenceState(a, now);
    const sb = silenceState(b, now);
    if (sa !== sb) return rank[sa] - rank[sb];
    if (sa === 'active') return a.endsAt - b.endsAt;
    if (sa === 'pending') return a.startsAt - b.startsAt;
    return b.endsAt - a.endsAt;
  });
}
