/**
 * The Go values notification templates see, modelled in JavaScript: Alertmanager's KV
 * (map[string]string with SortedPairs/Names/Values/Remove), Pairs, Alerts (with
 * Firing/Resolved) and time.Time. How text/template prints and tests them is the engine's
 * (`../../gotemplate`), under {@link AM_VALUE_MODEL}.
 *
 * A class exposes Go methods by listing them in a static `goMethods` set; nothing else on a
 * JavaScript object is reachable from a template.
 */
import { GoMapValue, type ValueModel } from '../../gotemplate';
import { compareGoStrings } from '../matchers/goquote';

export { NO_VALUE, SafeHtml } from '../../gotemplate';

/** Alertmanager's data: integral numbers are Go ints (len, Unix, ...), plain objects are structs. */
export const AM_VALUE_MODEL: ValueModel = { ints: 'number', plainObjects: 'struct' };

export class Pair {
  static readonly goType = 'template.Pair';
  constructor(
    readonly Name: string,
    readonly Value: string,
  ) {}
}

/** A sorted list of label pairs. */
export class Pairs extends Array<Pair> {
  static readonly goType = 'template.Pairs';
  static readonly goMethods = new Set(['Names', 'Values']);
  static override get [Symbol.species]() {
    return Array;
  }
  static of2(pairs: Pair[]): Pairs {
    const out = new Pairs();
    out.push(...pairs);
    return out;
  }
  Names(): string[] {
    return this.map((p) => p.Name);
  }
  Values(): string[] {
    return this.map((p) => p.Value);
  }
}

/** Alertmanager's template.KV. */
export class KV extends GoMapValue {
  static readonly goType = 'template.KV';
  static readonly goMethods = new Set(['SortedPairs', 'Names', 'Values', 'Remove']);
  readonly map: Readonly<Record<string, string>>;
  constructor(map: Record<string, string>) {
    super();
    this.map = { ...map };
  }
  override keys(): string[] {
    return Object.keys(this.map).sort(compareGoStrings);
  }
  override get size(): number {
    return Object.keys(this.map).length;
  }
  override get(key: string): string | undefined {
    return Object.prototype.hasOwnProperty.call(this.map, key) ? this.map[key] : undefined;
  }
  SortedPairs(): Pairs {
    return Pairs.of2(this.keys().map((k) => new Pair(k, this.map[k]!)));
  }
  Names(): string[] {
    return this.keys();
  }
  Values(): string[] {
    return this.keys().map((k) => this.map[k]!);
  }
  Remove(keys: unknown): KV {
    const drop = new Set(Array.isArray(keys) ? keys.map(String) : []);
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(this.map)) if (!drop.has(k)) out[k] = v;
    return new KV(out);
  }
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

/** time.Time in UTC, with the methods templates use. */
export class GoTime {
  static readonly goType = 'time.Time';
  static readonly goMethods = new Set(['Format', 'Unix', 'UnixMilli', 'UTC', 'Local', 'String', 'IsZero', 'Year']);
  readonly date: Date;
  constructor(readonly ms: number) {
    this.date = new Date(ms);
    // Date.UTC maps years 0-99 to 1900-1999; the zero time must stay in year 1.
    if (ms === ZERO_TIME_MS) this.date = zeroDate();
  }
  static zero(): GoTime {
    return new GoTime(ZERO_TIME_MS);
  }
  IsZero(): boolean {
    return this.ms === ZERO_TIME_MS;
  }
  Unix(): number {
    return Math.floor(this.ms / 1000);
  }
  UnixMilli(): number {
    return this.ms;
  }
  Year(): number {
    return this.date.getUTCFullYear();
  }
  UTC(): GoTime {
    return this;
  }
  Local(): GoTime {
    return this;
  }
  /** time.Time.String(): `2006-01-02 15:04:05.999999999 -0700 MST`. */
  String(): string {
    return this.Format('2006-01-02 15:04:05.999999999 -0700 MST');
  }
  toString(): string {
    return this.String();
  }
  /** Go's reference-time layouts, for the elements people use. */
  Format(layout: unknown): string {
    const d = this.date;
    const l = String(layout);
    const tokens: [string, () => string][] = [
      ['January', () => MONTHS[d.getUTCMonth()]!],
      ['Monday', () => DAYS[d.getUTCDay()]!],
      ['2006', () => pad(d.getUTCFullYear(), 4)],
      ['Z07:00', () => 'Z'],
      ['Z0700', () => 'Z'],
      ['-07:00', () => '+00:00'],
      ['-0700', () => '+0000'],
      ['-07', () => '+00'],
      ['Jan', () => MONTHS[d.getUTCMonth()]!.slice(0, 3)],
      ['Mon', () => DAYS[d.getUTCDay()]!.slice(0, 3)],
      ['MST', () => 'UTC'],
      ['01', () => pad(d.getUTCMonth() + 1)],
      ['02', () => pad(d.getUTCDate())],
      ['_2', () => String(d.getUTCDate()).padStart(2, ' ')],
      ['06', () => pad(d.getUTCFullYear() % 100)],
      ['15', () => pad(d.getUTCHours())],
      ['03', () => pad(d.getUTCHours() % 12 || 12)],
      ['04', () => pad(d.getUTCMinutes())],
      ['05', () => pad(d.getUTCSeconds())],
      ['PM', () => (d.getUTCHours() >= 12 ? 'PM' : 'AM')],
      ['pm', () => (d.getUTCHours() >= 12 ? 'pm' : 'am')],
      ['1', () => String(d.getUTCMonth() + 1)],
      ['2', () => String(d.getUTCDate())],
      ['3', () => String(d.getUTCHours() % 12 || 12)],
      ['4', () => String(d.getUTCMinutes())],
      ['5', () => String(d.getUTCSeconds())],
    ];
    let out = '';
    let i = 0;
    outer: while (i < l.length) {
      // Fractional seconds: .000 (fixed) or .999 (trailing zeros trimmed), also with a comma.
      const frac = /^[.,](0+|9+)/.exec(l.slice(i));
      if (frac && !isDigitAt(l, i + frac[0].length)) {
        const digits = frac[1]!.length;
        const ns = String(((this.ms % 1000) + 1000) % 1000).padStart(3, '0') + '000000';
        let f = ns.slice(0, digits).padEnd(digits, '0');
        if (frac[1]![0] === '9') f = f.replace(/0+$/, '');
        if (f) out += frac[0][0] + f;
        i += frac[0].length;
        continue;
      }
      for (const [tok, fn] of tokens) {
        if (l.startsWith(tok, i)) {
          out += fn();
          i += tok.length;
          continue outer;
        }
      }
      out += l[i];
      i++;
    }
    return out;
  }
}

function isDigitAt(s: string, i: number): boolean {
  const c = s[i];
  return c !== undefined && c >= '0' && c <= '9';
}

function zeroDate(): Date {
  const d = new Date(0);
  d.setUTCFullYear(1, 0, 1);
  d.setUTCHours(0, 0, 0, 0);
  return d;
}
const ZERO_TIME_MS = zeroDate().getTime();

/** One alert in template data (template.Alert). */
export interface TemplateAlert {
  Status: 'firing' | 'resolved';
  Labels: KV;
  Annotations: KV;
  StartsAt: GoTime;
  EndsAt: GoTime;
  GeneratorURL: string;
  Fingerprint: string;
}

/** template.Alerts, with Firing() and Resolved(). */
export class Alerts extends Array<TemplateAlert> {
  static readonly goType = 'template.Alerts';
  static readonly goMethods = new Set(['Firing', 'Resolved']);
  static override get [Symbol.species]() {
    return Array;
  }
  static from2(list: TemplateAlert[]): Alerts {
    const out = new Alerts();
    out.push(...list);
    return out;
  }
  Firing(): Alerts {
    return Alerts.from2(this.filter((a) => a.Status === 'firing'));
  }
  Resolved(): Alerts {
    return Alerts.from2(this.filter((a) => a.Status === 'resolved'));
  }
}
