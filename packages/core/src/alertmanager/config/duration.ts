/**
 * Prometheus duration syntax (`1h30m`, `5m`, `0s`, `1d`, `1w`, `1y`, `250ms`), as accepted by
 * Alertmanager's and Prometheus' configuration files. Units must appear largest first and at most
 * once each; `y` is 365 days and `w` is 7 days. Values are milliseconds.
 */

const MS = 1;
const S = 1000 * MS;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;
const W = 7 * D;
const Y = 365 * D;

/** Units in the only order Prometheus accepts them. `ms` must be tried before `m`. */
const UNITS: ReadonlyArray<readonly [string, number]> = [
  ['y', Y],
  ['w', W],
  ['d', D],
  ['h', H],
  ['m', M],
  ['s', S],
  ['ms', MS],
];

/** Go's time.Duration is an int64 of nanoseconds; Prometheus refuses durations past it. */
const MAX_MS = Math.floor(Number.MAX_SAFE_INTEGER);
const GO_MAX_MS = 9_223_372_036_854; // (2^63 - 1) ns in whole milliseconds

export class DurationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DurationError';
  }
}

/** Parses a Prometheus duration into milliseconds; throws DurationError with Prometheus' wording. */
export function parseDuration(text: string): number {
  if (text === '') throw new DurationError('empty duration string');
  if (text === '0') return 0; // the one unitless value Prometheus allows
  let pos = 0;
  let unitIndex = 0;
  let total = 0;
  while (pos < text.length) {
    const start = pos;
    while (pos < text.length && text.charCodeAt(pos) >= 48 && text.charCodeAt(pos) <= 57) pos++;
    if (pos === start) throw new DurationError(`not a valid duration string: ${JSON.stringify(text)}`);
    const digits = text.slice(start, pos);
    // Find the unit at pos among those not yet used (keeps the largest-first rule).
    let matched = -1;
    for (let i = unitIndex; i < UNITS.length; i++) {
      const unit = UNITS[i]![0];
      if (!text.startsWith(unit, pos)) continue;
      // `m` must not swallow the `m` of `ms`.
      if (unit === 'm' && text.startsWith('ms', pos)) continue;
      matched = i;
      break;
    }
    if (matched < 0) throw new DurationError(`not a valid duration string: ${JSON.stringify(text)}`);
    const [unit, mult] = UNITS[matched]!;
    pos += unit.length;
    unitIndex = matched + 1;
    const value = Number(digits);
    total += value * mult;
    if (!Number.isSafeInteger(total) || total > GO_MAX_MS || total > MAX_MS) throw new DurationError('duration out of range');
  }
  return total;
}

/** Formats milliseconds as Prometheus prints durations (`1h30m`, `90d`, `0s`). */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`cannot format duration ${ms}`);
  let rest = Math.floor(ms);
  if (rest === 0) return '0s';
  let out = '';
  const take = (unit: string, mult: number, exact: boolean) => {
    // Years and weeks only when they divide exactly: `90d` reads better than `12w6d`.
    if (exact && rest % mult !== 0) return;
    const v = Math.floor(rest / mult);
    if (v > 0) {
      out += `${v}${unit}`;
      rest -= v * mult;
    }
  };
  take('y', Y, true);
  take('w', W, true);
  take('d', D, false);
  take('h', H, false);
  take('m', M, false);
  take('s', S, false);
  take('ms', MS, false);
  return out;
}

/** True when the text is a valid Prometheus duration. */
export function isDuration(text: string): boolean {
  try {
    parseDuration(text);
    return true;
  } catch {
    return false;
  }
}
