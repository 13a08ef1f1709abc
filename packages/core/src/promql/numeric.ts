/**
 * Floating-point helpers that reproduce Go's math package and Prometheus' numeric routines
 * bit for bit where JavaScript's built-ins differ.
 */

/** Neumaier's variant of Kahan summation, as Prometheus' kahanSumInc. */
export function kahanSumInc(inc: number, sum: number, c: number): [number, number] {
  const t = sum + inc;
  if (Math.abs(sum) >= Math.abs(inc)) c += sum - t + inc;
  else c += inc - t + sum;
  return [t, c];
}

/** Go's math.Pow: JavaScript differs only where the base is 1, or -1 with an infinite exponent. */
export function goPow(x: number, y: number): number {
  if (x === 1) return 1;
  if (x === -1 && (y === Infinity || y === -Infinity)) return 1;
  return Math.pow(x, y);
}

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
const HI = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;

/** Go's math.Frexp: x = frac × 2^exp with 0.5 <= |frac| < 1. */
export function frexp(x: number): [number, number] {
  if (x === 0 || !Number.isFinite(x)) return [x, 0];
  let exp = 0;
  let v = x;
  if (Math.abs(v) < 2.2250738585072014e-308) {
    v *= 4503599627370496; // 2^52: normalise subnormals
    exp = -52;
  }
  f64[0] = v;
  const hi = u32[HI]!;
  exp += ((hi >>> 20) & 0x7ff) - 1022;
  u32[HI] = (hi & ~(0x7ff << 20)) | (1022 << 20);
  return [f64[0]!, exp];
}

/** Go's math.Log2 (exact for powers of two, otherwise through the natural logarithm). */
export function goLog2(x: number): number {
  const [frac, exp] = frexp(x);
  if (frac === 0.5) return exp - 1;
  return Math.log(frac) * INV_LN2 + exp;
}

// Go evaluates constant expressions exactly before rounding; these are those roundings.
const INV_LN2 = 1.442695040888963407359924681001892137426645954152985934135449406931;
const LN2_OVER_LN10 = 0.301029995663981195213738894724493026768189881462108541310430;

/** Go's math.Log10, which goes through Log2 (so log10(1e10) is exactly 10). */
export function goLog10(x: number): number {
  return goLog2(x) * LN2_OVER_LN10;
}

/** Go's math.Round: halves away from zero. */
export function goRound(x: number): number {
  if (!Number.isFinite(x)) return x;
  return x < 0 ? -Math.floor(-x + 0.5) : Math.floor(x + 0.5);
}

/** Go's strconv.FormatFloat(v, 'f', -1, 64): shortest digits that read back, never an exponent. */
export function formatFloatF(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  if (Object.is(v, -0)) return '-0';
  const s = String(v);
  if (!/e/i.test(s)) return s;
  const neg = v < 0;
  const [mant, expText] = (neg ? s.slice(1) : s).split(/e/i) as [string, string];
  const exp = Number(expText);
  const [intPart, fracPart = ''] = mant.split('.') as [string, string?];
  const digits = intPart + fracPart;
  const point = intPart.length + exp;
  let out: string;
  if (point <= 0) out = '0.' + '0'.repeat(-point) + digits;
  else if (point >= digits.length) out = digits + '0'.repeat(point - digits.length);
  else out = digits.slice(0, point) + '.' + digits.slice(point);
  return neg ? '-' + out : out;
}

/**
 * Go's strconv.ParseFloat(s, 64) for the forms bucket bounds use: decimal with optional
 * exponent, and Inf/Infinity/NaN in any case with an optional sign. Null when Go would fail.
 */
export function parseGoFloat(s: string): number | null {
  const special = /^([+-]?)(inf|infinity|nan)$/i.exec(s);
  if (special) {
    if (special[2]!.toLowerCase() === 'nan') return special[1] === '' ? NaN : null;
    return special[1] === '-' ? -Infinity : Infinity;
  }
  if (!/^[+-]?(?:[0-9]+(?:_[0-9]+)*\.?(?:[0-9]+(?:_[0-9]+)*)?|\.[0-9]+(?:_[0-9]+)*)(?:[eE][+-]?[0-9]+)?$/.test(s)) return null;
  // Go allows underscores only after a base prefix; plain decimals with them fail.
  if (s.includes('_')) return null;
  return Number(s);
}

/** Prometheus' vectorByValueHeap order: NaN before everything, then ascending. */
export function lessNaNFirst(a: number, b: number): boolean {
  return Number.isNaN(a) || a < b;
}

/**
 * Prometheus' quantile over values (the φ-quantile, linear interpolation between the closest
 * ranks, NaN sorting first).
 */
export function quantile(q: number, values: number[]): number {
  if (values.length === 0) return NaN;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  if (Number.isNaN(q)) return NaN;
  const sorted = [...values].sort((a, b) => (Number.isNaN(a) ? (Number.isNaN(b) ? 0 : -1) : Number.isNaN(b) ? 1 : a - b));
  const n = sorted.length;
  const rank = q * (n - 1);
  const lower = Math.max(0, Math.floor(rank));
  const upper = Math.min(n - 1, lower + 1);
  const weight = rank - Math.floor(rank);
  return sorted[lower]! * (1 - weight) + sorted[upper]! * weight;
}

/**
 * A binary heap with Go's container/heap algorithms, so that which element is evicted among
 * equal or NaN values matches Prometheus' topk and bottomk.
 */
export class GoHeap<T> {
  readonly items: T[] = [];
  constructor(private readonly less: (a: T, b: T) => boolean) {}

  get length(): number {
    return this.items.length;
  }

  push(x: T): void {
    this.items.push(x);
    this.up(this.items.length - 1);
  }

  pop(): T | undefined {
    const n = this.items.length - 1;
    if (n < 0) return undefined;
    this.swap(0, n);
    this.down(0, n);
    return this.items.pop();
  }

  private swap(i: number, j: number): void {
    const t = this.items[i]!;
    this.items[i] = this.items[j]!;
    this.items[j] = t;
  }

  private lessAt(i: number, j: number): boolean {
    return this.less(this.items[i]!, this.items[j]!);
  }

  private up(j0: number): void {
    let j = j0;
    for (;;) {
      const i = Math.trunc((j - 1) / 2);
      if (i === j || !this.lessAt(j, i)) break;
      this.swap(i, j);
      j = i;
    }
  }

  private down(i0: number, n: number): void {
    let i = i0;
    for (;;) {
      const j1 = 2 * i + 1;
      if (j1 >= n) break;
      let j = j1;
      const j2 = j1 + 1;
      if (j2 < n && this.lessAt(j2, j1)) j = j2;
      if (!this.lessAt(j, i)) break;
      this.swap(i, j);
      i = j;
    }
  }
}

/** Calendar fields of a Unix time in seconds, in UTC, as Go's time package gives them. */
export interface CivilTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  dayOfWeek: number;
  dayOfYear: number;
  daysInMonth: number;
}

const INT64_BOUND = 9.223372036854775807e18;

/**
 * time.Unix(int64(v), 0).UTC() for any float: the conversion truncates, and a value that is
 * NaN, infinite or outside int64 becomes math.MinInt64 on amd64, whose date Go computes (with
 * wrap-around) as 292277026596-12-04 15:30:08, a Sunday.
 */
export function civilTime(seconds: number): CivilTime {
  if (!(Math.abs(seconds) < INT64_BOUND)) {
    return { year: 292277026596, month: 12, day: 4, hour: 15, minute: 30, dayOfWeek: 0, dayOfYear: 339, daysInMonth: 31 };
  }
  const secs = Math.trunc(seconds);
  const days = Math.floor(secs / 86400);
  const rem = secs - days * 86400;
  // Howard Hinnant's civil_from_days.
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const cumulative = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334];
  const dayOfYear = cumulative[month - 1]! + day + (leap && month > 2 ? 1 : 0);
  const lengths = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
  return {
    year,
    month,
    day,
    hour: Math.floor(rem / 3600),
    minute: Math.floor((rem % 3600) / 60),
    dayOfWeek: (((days + 4) % 7) + 7) % 7,
    dayOfYear,
    daysInMonth: lengths[month - 1]!,
  };
}

/** Go's %v (strconv 'g', shortest) for a float: 1e+30, 1.234567e+06, 123456, 0.0001, 1e-05. */
export function formatFloatG(v: number): string {
  if (Number.isNaN(v) || !Number.isFinite(v)) return formatFloatF(v);
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  const [mant, expText] = v.toExponential().split('e') as [string, string];
  const exp = Number(expText);
  if (exp < -4 || exp >= 6) {
    const abs = Math.abs(exp);
    return `${mant}e${exp < 0 ? '-' : '+'}${abs < 10 ? '0' : ''}${abs}`;
  }
  return formatFloatF(v);
}
