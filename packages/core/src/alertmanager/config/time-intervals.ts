/**
 * `time_intervals` / `mute_time_intervals` entries, validated as Alertmanager's timeinterval
 * package does. Values are kept in their written form; evaluation lives elsewhere.
 */
import * as z from 'zod';

// Schemas are z.lazy: built at their first parse, not when a function's bundle loads (cold start).

const WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];
const MONTHS = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];

/** `HH:MM` from 00:00 to 24:00, as minutes of the day. */
function parseClock(s: string): number | undefined {
  if (!/^\d\d:\d\d$/.test(s)) return undefined;
  const h = Number(s.slice(0, 2));
  const m = Number(s.slice(3));
  if (m > 59 || h > 24 || (h === 24 && m !== 0)) return undefined;
  return h * 60 + m;
}

const timeRangeSchema = z.lazy(() =>
  z
    .strictObject({ start_time: z.string(), end_time: z.string() })
    .superRefine((t, ctx) => {
      const start = parseClock(t.start_time);
      const end = parseClock(t.end_time);
      if (start === undefined) ctx.addIssue({ code: 'custom', path: ['start_time'], message: `couldn't parse timestamp ${t.start_time}, invalid format` });
      if (end === undefined) ctx.addIssue({ code: 'custom', path: ['end_time'], message: `couldn't parse timestamp ${t.end_time}, invalid format` });
      if (start !== undefined && end !== undefined && start >= end) {
        ctx.addIssue({ code: 'custom', message: 'start time cannot be equal or greater than end time' });
      }
    }),
);

/** A `start:end` or single item; `parse` maps one side to a number or returns undefined. */
function rangeListSchema(what: string, parse: (s: string) => number | undefined, check?: (a: number, b: number) => string | undefined) {
  return z.array(
    z.union([z.string(), z.number()]).superRefine((raw, ctx) => {
      const text = String(raw).trim();
      const parts = text.split(':');
      if (parts.length > 2) {
        ctx.addIssue({ code: 'custom', message: `invalid ${what} range ${JSON.stringify(text)}` });
        return;
      }
      const nums = parts.map((p) => parse(p.trim()));
      if (nums.some((n) => n === undefined)) {
        ctx.addIssue({ code: 'custom', message: `invalid ${what} ${JSON.stringify(text)}` });
        return;
      }
      const a = nums[0]!;
      const b = nums[nums.length - 1]!;
      const problem = check ? check(a, b) : a > b ? `start ${what} cannot be after end ${what}` : undefined;
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }),
  );
}

const intPattern = /^-?\d+$/;

const weekdaysSchema = z.lazy(() =>
  rangeListSchema('weekday', (s) => {
    const i = WEEKDAYS.indexOf(s.toLowerCase());
    return i < 0 ? undefined : i;
  }),
);

const daysOfMonthSchema = z.lazy(() =>
  rangeListSchema(
    'day of month',
    (s) => {
      if (!intPattern.test(s)) return undefined;
      const n = Number(s);
      return n === 0 || n < -31 || n > 31 ? undefined : n;
    },
    (a, b) => {
      // Negative days count from the month's end, so only same-sign ranges can be ordered here.
      if (a > 0 && b < 0) return undefined;
      if (a < 0 && b > 0) return 'end day must be negative if start day is negative';
      return a > b ? 'start day cannot be after end day' : undefined;
    },
  ),
);

const monthsSchema = z.lazy(() =>
  rangeListSchema('month', (s) => {
    if (intPattern.test(s)) {
      const n = Number(s);
      return n >= 1 && n <= 12 ? n : undefined;
    }
    const i = MONTHS.indexOf(s.toLowerCase());
    return i < 0 ? undefined : i + 1;
  }),
);

const yearsSchema = z.lazy(() => rangeListSchema('year', (s) => (intPattern.test(s) && Number(s) >= 0 ? Number(s) : undefined)));

const locationSchema = z.lazy(() =>
  z.string().superRefine((s, ctx) => {
    if (s === 'Local' || s === 'UTC') return;
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: s });
    } catch {
      ctx.addIssue({ code: 'custom', message: `unknown time zone ${s}` });
    }
  }),
);

export const timeIntervalSchema = z.lazy(() =>
  z.strictObject({
    times: z.array(timeRangeSchema).optional(),
    weekdays: weekdaysSchema.optional(),
    days_of_month: daysOfMonthSchema.optional(),
    months: monthsSchema.optional(),
    years: yearsSchema.optional(),
    location: locationSchema.optional(),
  }),
);

export const namedTimeIntervalSchema = z.lazy(() =>
  z.strictObject({
    name: z.string().min(1, 'missing name in time interval'),
    time_intervals: z.array(timeIntervalSchema),
  }),
);

export type TimeInterval = z.output<typeof timeIntervalSchema>;
export type NamedTimeInterval = z.output<typeof namedTimeIntervalSchema>;
