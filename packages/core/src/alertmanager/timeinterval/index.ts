/**
 * Evaluates `time_intervals` / `mute_time_intervals` as Alertmanager 0.25's timeinterval
 * package does: an interval contains a moment when every field it sets contains it (an unset
 * field contains everything), read in the interval's `location`. Negative days of month count
 * from the month's end (-1 is the last day). The config schema has already validated the
 * written values; this module turns them into numbers once and tests moments against them.
 */
import type { NamedTimeInterval, TimeInterval } from '../config/time-intervals';

const WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];
const MONTHS = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];

interface Range {
  begin: number;
  end: number;
}

export interface CompiledTimeInterval {
  /** Minutes of the day, end exclusive. */
  times?: Range[];
  weekdays?: Range[];
  daysOfMonth?: Range[];
  months?: Range[];
  years?: Range[];
  /** IANA zone; undefined means UTC, `Local` the process's zone. */
  location?: string;
}

function ranges(list: ReadonlyArray<string | number> | undefined, one: (s: string) => number): Range[] | undefined {
  if (!list) return undefined;
  return list.map((raw) => {
    const parts = String(raw).trim().split(':').map((p) => one(p.trim()));
    return { begin: parts[0]!, end: parts[parts.length - 1]! };
  });
}

const clock = (s: string) => Number(s.slice(0, 2)) * 60 + Number(s.slice(3));
const weekday = (s: string) => WEEKDAYS.indexOf(s.toLowerCase());
const month = (s: string) => (/^-?\d+$/.test(s) ? Number(s) : MONTHS.indexOf(s.toLowerCase()) + 1);

export function compileTimeInterval(ti: TimeInterval): CompiledTimeInterval {
  return {
    times: ti.times?.map((t) => ({ begin: clock(t.start_time), end: clock(t.end_time) })),
    weekdays: ranges(ti.weekdays, weekday),
    daysOfMonth: ranges(ti.days_of_month, Number),
    months: ranges(ti.months, month),
    years: ranges(ti.years, Number),
    location: ti.location,
  };
}

/** Calendar fields of a moment in a zone. */
interface Fields {
  year: number;
  month: number;
  day: number;
  weekday: number;
  minuteOfDay: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatterFor(zone: string | undefined): Intl.DateTimeFormat {
  const key = zone ?? '';
  let f = formatters.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      weekday: 'long',
    });
    formatters.set(key, f);
  }
  return f;
}

function fieldsAt(ms: number, location: string | undefined): Fields {
  // Alertmanager reads moments in UTC unless a location is given; `Local` is the server's zone.
  const zone = location === undefined || location === 'UTC' ? 'UTC' : location === 'Local' ? undefined : location;
  const parts: Record<string, string> = {};
  for (const p of formatterFor(zone).formatToParts(new Date(ms))) parts[p.type] = p.value;
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    weekday: WEEKDAYS.indexOf((parts.weekday ?? '').toLowerCase()),
    minuteOfDay: Number(parts.hour) * 60 + Number(parts.minute),
  };
}

const daysInMonth = (year: number, month: number) => new Date(Date.UTC(year, month, 0)).getUTCDate();
const within = (list: Range[], v: number) => list.some((r) => v >= r.begin && v <= r.end);
const clamp = (n: number, lo: number, hi: number) => Math.min(Math.max(n, lo), hi);

export function containsTime(ti: CompiledTimeInterval, ms: number): boolean {
  const t = fieldsAt(ms, ti.location);
  if (ti.times && !ti.times.some((r) => t.minuteOfDay >= r.begin && t.minuteOfDay < r.end)) return false;
  if (ti.daysOfMonth) {
    const days = daysInMonth(t.year, t.month);
    const ok = ti.daysOfMonth.some((r) => {
      const begin = r.begin < 0 ? days + r.begin + 1 : r.begin;
      const end = r.end < 0 ? days + r.end + 1 : r.end;
      if (begin > days) return false; // e.g. the 31st in a 30-day month
      return t.day >= clamp(begin, -days, days) && t.day <= clamp(end, -days, days);
    });
    if (!ok) return false;
  }
  if (ti.months && !within(ti.months, t.month)) return false;
  if (ti.weekdays && !within(ti.weekdays, t.weekday)) return false;
  if (ti.years && !within(ti.years, t.year)) return false;
  return true;
}

/** Named intervals of a configuration (both lists share one namespace), compiled. */
export type TimeIntervalSet = Map<string, CompiledTimeInterval[]>;

export function compileTimeIntervals(...lists: ReadonlyArray<NamedTimeInterval>[]): TimeIntervalSet {
  const out: TimeIntervalSet = new Map();
  for (const list of lists) for (const named of list) out.set(named.name, named.time_intervals.map(compileTimeInterval));
  return out;
}

/** Whether the moment lies in any interval of any of the named entries. Unknown names never match. */
export function inTimeIntervals(set: TimeIntervalSet, names: ReadonlyArray<string>, ms: number): boolean {
  return names.some((n) => (set.get(n) ?? []).some((ti) => containsTime(ti, ms)));
}

/**
 * Alertmanager's TimeActiveStage and TimeMuteStage for one route: a notification is held back
 * when the route has active intervals and the moment lies in none of them, or when it lies in
 * one of the route's mute intervals.
 */
export function routeMutedAt(set: TimeIntervalSet, route: { muteTimeIntervals: ReadonlyArray<string>; activeTimeIntervals: ReadonlyArray<string> }, ms: number): boolean {
  if (route.activeTimeIntervals.length > 0 && !inTimeIntervals(set, route.activeTimeIntervals, ms)) return true;
  return inTimeIntervals(set, route.muteTimeIntervals, ms);
}
