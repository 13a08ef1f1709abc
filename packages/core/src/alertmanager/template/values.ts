/**
 * The Go values notification templates see, modelled in JavaScript: Alertmanager's KV
 * (map[string]string with SortedPairs/Names/Values/Remove), Pairs, Alerts (with
 * Firing/Resolved), time.Time, and how text/template prints and tests them.
 *
 * A class exposes Go methods by listing them in a static `goMethods` set; nothing else on a
 * JavaScript object is reachable from a template.
 */
import { compareGoStrings } from '../matchers/goquote';

/** A missing map entry: Go prints it as `<no value>`. */
export const NO_VALUE: unique symbol = Symbol('no value');

/** html/template's trusted HTML (`safeHtml`): printed without escaping in HTML output. */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

export class Pair {
  constructor(
    readonly Name: string,
    readonly Value: string,
  ) {}
}

/** A sorted list of label pairs. */
export class Pairs extends Array<Pair> {
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
export class KV {
  static readonly goMethods = new Set(['SortedPairs', 'Names', 'Values', 'Remove']);
  readonly map: Readonly<Record<string, string>>;
  constructor(map: Record<string, string>) {
    this.map = { ...map };
  }
  keys(): string[] {
    return Object.keys(this.map).sort(compareGoStrings);
  }
  get size(): number {
    return Object.keys(this.map).length;
  }
  get(key: string): string | undefined {
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

/** Go's strconv.FormatFloat(v, 'g', -1, 64) as fmt's %v prints float64. */
export function formatGoNumber(v: number): string {
  if (Number.isInteger(v) && Math.abs(v) < 1e21) return String(v);
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  const exp = Math.floor(Math.log10(Math.abs(v)));
  if (exp < -4 || exp >= 21) {
    return v.toExponential().replace(/e([+-])(\d)$/, 'e$10$2');
  }
  return String(v);
}

/** fmt.Sprint of one value (%v). */
export function printValue(v: unknown): string {
  if (v === NO_VALUE) return '<no value>';
  if (v === null || v === undefined) return '<nil>';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return formatGoNumber(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (v instanceof SafeHtml) return v.value;
  if (v instanceof GoTime) return v.String();
  if (v instanceof KV) return `map[${v.keys().map((k) => `${k}:${v.map[k]}`).join(' ')}]`;
  if (v instanceof Pair) return `{${v.Name} ${v.Value}}`;
  if (Array.isArray(v)) return `[${v.map(printValue).join(' ')}]`;
  if (typeof v === 'object') return `{${Object.values(v as object).map(printValue).join(' ')}}`;
  return String(v);
}

/** text/template's notion of true: not the zero value, not empty. */
export function truth(v: unknown): boolean {
  if (v === NO_VALUE || v === null || v === undefined) return false;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0;
  if (typeof v === 'string') return v.length > 0;
  if (v instanceof SafeHtml) return v.value.length > 0;
  if (Array.isArray(v)) return v.length > 0;
  if (v instanceof KV) return v.size > 0;
  return true;
}

/** A Go-ish type name for error messages. */
export function typeName(v: unknown): string {
  if (v === NO_VALUE) return 'invalid value';
  if (v === null || v === undefined) return 'nil';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float64';
  if (typeof v === 'boolean') return 'bool';
  if (v instanceof KV) return 'template.KV';
  if (v instanceof Alerts) return 'template.Alerts';
  if (v instanceof Pairs) return 'template.Pairs';
  if (v instanceof Pair) return 'template.Pair';
  if (v instanceof GoTime) return 'time.Time';
  if (v instanceof SafeHtml) return 'template.HTML';
  if (Array.isArray(v)) return '[]interface {}';
  if (typeof v === 'function') return 'func';
  const ctor = (v as object).constructor;
  return ctor && ctor !== Object ? `template.${ctor.name}` : 'struct';
}

export function goMethodsOf(v: unknown): Set<string> | undefined {
  if (v === null || typeof v !== 'object') return undefined;
  const ctor = (v as object).constructor as { goMethods?: Set<string> } | undefined;
  return ctor?.goMethods;
}
