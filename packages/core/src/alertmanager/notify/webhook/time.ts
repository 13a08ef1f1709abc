/**
 * Timestamps as Go's time.Time marshals them to JSON (RFC 3339 with nanoseconds, trailing zeros
 * trimmed), so payloads read the same as Alertmanager's; the zero time for "not set".
 */
export const GO_ZERO_TIME = '0001-01-01T00:00:00Z';

export function toMillis(t: Date | number): number {
  return t instanceof Date ? t.getTime() : t;
}

export function formatGoTime(t: Date | number): string {
  const ms = toMillis(t);
  if (!Number.isFinite(ms)) throw new RangeError(`invalid time ${String(t)}`);
  const iso = new Date(ms).toISOString(); // always YYYY-MM-DDTHH:MM:SS.sssZ in UTC
  const frac = iso.slice(20, 23).replace(/0+$/, '');
  return `${iso.slice(0, 19)}${frac ? '.' + frac : ''}Z`;
}
