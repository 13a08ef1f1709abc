/**
 * OTLP → Prometheus names, following Prometheus 2.x's OTLP receiver (otlptranslator with
 * metric suffixes on, UTF-8 names off): see docs/INGEST.md for the table.
 */

/** OTLP (UCUM) units to Prometheus unit words. */
const UNITS: Record<string, string> = {
  d: 'days',
  h: 'hours',
  min: 'minutes',
  s: 'seconds',
  ms: 'milliseconds',
  us: 'microseconds',
  ns: 'nanoseconds',
  By: 'bytes',
  KiBy: 'kibibytes',
  MiBy: 'mebibytes',
  GiBy: 'gibibytes',
  TiBy: 'tibibytes',
  KBy: 'kilobytes',
  MBy: 'megabytes',
  GBy: 'gigabytes',
  TBy: 'terabytes',
  m: 'meters',
  V: 'volts',
  A: 'amperes',
  J: 'joules',
  W: 'watts',
  g: 'grams',
  Cel: 'celsius',
  Hz: 'hertz',
  '1': '',
  '%': 'percent',
};

/** The unit after "/" (e.g. `By/s` → `bytes_per_second`). */
const PER_UNITS: Record<string, string> = { s: 'second', m: 'minute', h: 'hour', d: 'day', w: 'week', mo: 'month', y: 'year' };

const own = (map: Record<string, string>, key: string) => (Object.prototype.hasOwnProperty.call(map, key) ? map[key]! : key);

/** Splits on everything that is not an ASCII letter or digit (Prometheus' legacy name charset). */
function tokens(s: string): string[] {
  return s.split(/[^A-Za-z0-9]+/).filter((t) => t !== '');
}

export type OtlpKind = 'gauge' | 'counter' | 'sum' | 'histogram' | 'summary';

/**
 * The Prometheus metric family name of an OTLP metric: name tokens joined by "_", the unit word
 * (unless already in the name or a `{annotation}`), `_per_<unit>` for rates, `_total` for
 * monotonic sums, `_ratio` for gauges of unit "1", and "_" before a leading digit.
 */
export function metricFamilyName(name: string, unit: string, kind: OtlpKind): string {
  let parts = tokens(name);
  const slash = unit.indexOf('/');
  const main = (slash < 0 ? unit : unit.slice(0, slash)).trim();
  const per = slash < 0 ? '' : unit.slice(slash + 1).trim();
  if (main && !/[{}]/.test(main)) {
    const word = tokens(own(UNITS, main)).join('_');
    if (word !== '' && !parts.includes(word)) parts.push(word);
  }
  if (per && !/[{}]/.test(per)) {
    const word = tokens(own(PER_UNITS, per)).join('_');
    if (word !== '' && !parts.includes(word)) parts.push('per', word);
  }
  if (kind === 'counter') parts = [...parts.filter((p) => p !== 'total'), 'total'];
  if (unit === '1' && kind === 'gauge') parts = [...parts.filter((p) => p !== 'ratio'), 'ratio'];
  let out = parts.join('_');
  if (/^[0-9]/.test(out)) out = `_${out}`;
  return out;
}

/** An attribute key as a Prometheus label name: invalid characters become "_", "key_" before a digit, "key" before a single "_". */
export function labelName(key: string): string {
  if (key === '') return key;
  let out = key.replace(/[^a-zA-Z0-9_]/g, '_');
  if (/^[0-9]/.test(out)) out = `key_${out}`;
  else if (out.startsWith('_') && !out.startsWith('__')) out = `key${out}`;
  return out;
}

/** The unit word Prometheus metadata carries for an OTLP unit. */
export function unitWord(unit: string): string {
  const slash = unit.indexOf('/');
  const main = (slash < 0 ? unit : unit.slice(0, slash)).trim();
  return main && !/[{}]/.test(main) ? own(UNITS, main) : '';
}

/** Go's strconv.FormatFloat(v, 'f', -1, 64), as Prometheus prints `le` bounds and quantiles. */
export function formatGoFloatF(v: number): string {
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  if (Number.isNaN(v)) return 'NaN';
  const s = String(v);
  if (!/e/i.test(s)) return s;
  // Expand exponent notation: JS prints 1e-7 and 1e21 where Go's 'f' format writes every digit.
  const [mantissa, expText] = s.split(/e/i) as [string, string];
  const exp = Number(expText);
  const negative = mantissa.startsWith('-');
  const digits = mantissa.replace('-', '').replace('.', '');
  const pointAt = (mantissa.replace('-', '').indexOf('.') === -1 ? mantissa.replace('-', '').length : mantissa.replace('-', '').indexOf('.')) + exp;
  let out: string;
  if (pointAt <= 0) out = `0.${'0'.repeat(-pointAt)}${digits}`;
  else if (pointAt >= digits.length) out = digits + '0'.repeat(pointAt - digits.length);
  else out = `${digits.slice(0, pointAt)}.${digits.slice(pointAt)}`;
  return negative ? `-${out}` : out;
}
