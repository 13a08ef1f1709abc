import { parseAlertmanagerConfig } from '../config';
import { compileTimeIntervals, containsTime, compileTimeInterval, inTimeIntervals, routeMutedAt } from '.';

const at = (iso: string) => Date.parse(iso);

describe('time intervals (Alertmanager timeinterval semantics)', () => {
  it('reads times with an exclusive end, in UTC by default', () => {
    const ti = compileTimeInterval({ times: [{ start_time: '09:00', end_time: '17:30' }] });
    expect(containsTime(ti, at('2026-03-02T08:59:59Z'))).toBe(false);
    expect(containsTime(ti, at('2026-03-02T09:00:00Z'))).toBe(true);
    expect(containsTime(ti, at('2026-03-02T17:29:59Z'))).toBe(true);
    expect(containsTime(ti, at('2026-03-02T17:30:00Z'))).toBe(false);
  });

  it('reads weekday ranges and names in any case', () => {
    const ti = compileTimeInterval({ weekdays: ['Monday:friday'] });
    expect(containsTime(ti, at('2026-03-02T12:00:00Z'))).toBe(true); // Monday
    expect(containsTime(ti, at('2026-03-06T23:59:00Z'))).toBe(true); // Friday
    expect(containsTime(ti, at('2026-03-07T00:00:00Z'))).toBe(false); // Saturday
    expect(containsTime(ti, at('2026-03-08T10:00:00Z'))).toBe(false); // Sunday
  });

  it('counts negative days of month from the end of the month', () => {
    const last = compileTimeInterval({ days_of_month: ['-1'] });
    expect(containsTime(last, at('2028-02-29T10:00:00Z'))).toBe(true); // leap year
    expect(containsTime(last, at('2027-02-28T10:00:00Z'))).toBe(true);
    expect(containsTime(last, at('2027-02-27T10:00:00Z'))).toBe(false);
    const lastThree = compileTimeInterval({ days_of_month: ['-3:-1'] });
    expect(containsTime(lastThree, at('2026-04-28T00:00:00Z'))).toBe(true);
    expect(containsTime(lastThree, at('2026-04-27T23:59:00Z'))).toBe(false);
    const mixed = compileTimeInterval({ days_of_month: ['25:-1'] });
    expect(containsTime(mixed, at('2026-01-31T00:00:00Z'))).toBe(true);
    expect(containsTime(mixed, at('2026-01-24T00:00:00Z'))).toBe(false);
  });

  it('skips a day range starting after the end of a short month', () => {
    const ti = compileTimeInterval({ days_of_month: ['31'] });
    expect(containsTime(ti, at('2026-04-30T12:00:00Z'))).toBe(false);
    expect(containsTime(ti, at('2026-05-31T12:00:00Z'))).toBe(true);
  });

  it('reads months by number or name, and years', () => {
    const ti = compileTimeInterval({ months: ['december', '1:2'], years: ['2026:2027'] });
    expect(containsTime(ti, at('2026-12-15T00:00:00Z'))).toBe(true);
    expect(containsTime(ti, at('2027-02-15T00:00:00Z'))).toBe(true);
    expect(containsTime(ti, at('2027-03-01T00:00:00Z'))).toBe(false);
    expect(containsTime(ti, at('2028-01-15T00:00:00Z'))).toBe(false);
  });

  it('reads every field in the location, across daylight saving time', () => {
    const ti = compileTimeInterval({ times: [{ start_time: '09:00', end_time: '10:00' }], weekdays: ['monday'], location: 'America/New_York' });
    expect(containsTime(ti, at('2026-01-05T14:30:00Z'))).toBe(true); // 09:30 EST, Monday
    expect(containsTime(ti, at('2026-07-06T13:30:00Z'))).toBe(true); // 09:30 EDT, Monday
    expect(containsTime(ti, at('2026-07-06T14:30:00Z'))).toBe(false); // 10:30 EDT
    // 01:30 UTC on Tuesday is still Monday in New York, but outside the times.
    const late = compileTimeInterval({ weekdays: ['monday'], location: 'America/New_York' });
    expect(containsTime(late, at('2026-01-06T01:30:00Z'))).toBe(true);
  });

  it('requires every set field to contain the moment', () => {
    const ti = compileTimeInterval({ weekdays: ['saturday', 'sunday'], times: [{ start_time: '00:00', end_time: '06:00' }] });
    expect(containsTime(ti, at('2026-03-07T05:00:00Z'))).toBe(true);
    expect(containsTime(ti, at('2026-03-07T07:00:00Z'))).toBe(false);
    expect(containsTime(ti, at('2026-03-06T05:00:00Z'))).toBe(false);
  });

  it('applies a route’s mute and active intervals from a parsed configuration', () => {
    const config = parseAlertmanagerConfig(`
route:
  receiver: r
  routes:
    - receiver: r
      mute_time_intervals: [nights]
      active_time_intervals: [weekdays]
receivers: [{name: r}]
time_intervals:
  - name: weekdays
    time_intervals: [{weekdays: ['monday:friday']}]
mute_time_intervals:
  - name: nights
    time_intervals: [{times: [{start_time: '22:00', end_time: '24:00'}]}, {times: [{start_time: '00:00', end_time: '06:00'}]}]
`);
    const set = compileTimeIntervals(config.time_intervals, config.mute_time_intervals);
    const route = { muteTimeIntervals: ['nights'], activeTimeIntervals: ['weekdays'] };
    expect(routeMutedAt(set, route, at('2026-03-02T12:00:00Z'))).toBe(false); // Monday noon
    expect(routeMutedAt(set, route, at('2026-03-02T23:00:00Z'))).toBe(true); // Monday night: muted
    expect(routeMutedAt(set, route, at('2026-03-07T12:00:00Z'))).toBe(true); // Saturday: not active
    expect(routeMutedAt(set, { muteTimeIntervals: [], activeTimeIntervals: [] }, at('2026-03-07T23:00:00Z'))).toBe(false);
    expect(inTimeIntervals(set, ['unknown'], at('2026-03-02T12:00:00Z'))).toBe(false);
  });
});
