/**
 * Go's number and value formatting (strconv and fmt), as templates print them. Rule templates
 * render `$value` with `%v` and humanize with `%.4g`, so getting digits, exponents and rounding
 * exactly as Go does is what makes annotations compare equal with Prometheus'.
 */

/** Template values: Go strings, float64s, ints (bigint), bools, maps, lists and nil. */
export type GoValue = string | number | bigint | boolean | null | undefined | GoMap | GoValue[] | Date;
export interface GoMap {
  readonly [key: string]: GoValue;
}

const view = new DataView(new ArrayBuffer(8));

/** The exact decimal expansion of a positive finite double: digits (no leading/trailing zeros) and decimal point position. */
function exactDecimal(v: number): { d: string; dp: number } {
  view.setFloat64(0, v);
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  const biased = (hi >>> 20) & 0x7ff;
  let mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let e2: number;
  if (biased === 0) e2 = -1074;
  else {
    mant |= 1n << 52n;
    e2 = biased - 1075;
  }
  let s: string;
  let dp: number;
  if (e2 >= 0) {
    s = (mant << BigInt(e2)).toString();
    dp = s.length;
  } else {
    s = (mant * 5n ** BigInt(-e2)).toString();
    dp = s.length + e2;
  }
  const trimmed = s.replace(/0+$/, '');
  return { d: trimmed, dp };
}

/** The shortest digits that read back as v (JavaScript and Go agree on these). */
function shortestDecimal(v: number): { d: string; dp: number } {
  const [mant, exp] = v.toExponential().split('e') as [string, string];
  const d = mant.replace('.', '').replace(/0+$/, '') || '0';
  return { d, dp: Number(exp) + 1 };
}

/** Keeps nd digits, rounding half to even on the exact expansion (as strconv does). */
function roundTo(dec: { d: string; dp: number }, nd: number): { d: string; dp: number } {
  const { d } = dec;
  let { dp } = dec;
  if (nd >= d.length) return dec;
  if (nd < 0) return { d: '', dp };
  const next = d.charCodeAt(nd) - 48;
  let up = next > 5;
  if (next === 5) {
    const rest = d.slice(nd + 1);
    up = /[1-9]/.test(rest) || (nd > 0 && (d.charCodeAt(nd - 1) - 48) % 2 === 1);
  }
  let kept = d.slice(0, nd);
  if (up) {
    const digits = kept.split('').map(Number);
    let i = digits.length - 1;
    while (i >= 0 && digits[i] === 9) digits[i--] = 0;
    if (i < 0) {
      digits.unshift(1);
      dp++;
    } else digits[i]! += 1;
    kept = digits.join('');
  }
  kept = kept.replace(/0+$/, '');
  return { d: kept, dp };
}

function digitAt(dec: { d: string; dp: number }, i: number): string {
  return i >= 0 && i < dec.d.length ? dec.d[i]! : '0';
}

function fmtE(dec: { d: string; dp: number }, prec: number, upper = false): string {
  const first = dec.d.length > 0 ? dec.d[0]! : '0';
  let out = first;
  if (prec > 0) {
    out += '.';
    for (let i = 1; i <= prec; i++) out += digitAt(dec, i);
  }
  const exp = dec.d.length === 0 || dec.d === '0' ? 0 : dec.dp - 1;
  const abs = Math.abs(exp);
  return `${out}${upper ? 'E' : 'e'}${exp < 0 ? '-' : '+'}${abs < 10 ? '0' : ''}${abs}`;
}

function fmtF(dec: { d: string; dp: number }, prec: number): string {
  let out = '';
  if (dec.dp > 0) {
    for (let i = 0; i < dec.dp; i++) out += digitAt(dec, i);
  } else out = '0';
  if (prec > 0) {
    out += '.';
    for (let i = 0; i < prec; i++) out += digitAt(dec, dec.dp + i);
  }
  return out;
}

/** strconv.FormatFloat(v, fmt, prec, 64) for fmt e, f, g (prec -1 = shortest). */
export function formatFloat(v: number, fmt: 'e' | 'f' | 'g' | 'E' | 'G', prec: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  const neg = v < 0 || Object.is(v, -0);
  const abs = Math.abs(v);
  const shortest = prec < 0;
  let dec = abs === 0 ? { d: '0', dp: 1 } : shortest ? shortestDecimal(abs) : exactDecimal(abs);
  if (abs === 0) dec = { d: '', dp: 1 };
  const lower = fmt.toLowerCase() as 'e' | 'f' | 'g';
  let body: string;
  if (lower === 'e') {
    if (!shortest) dec = roundTo(dec, prec + 1);
    body = fmtE(dec, shortest ? Math.max(dec.d.length - 1, 0) : prec, fmt === 'E');
  } else if (lower === 'f') {
    if (!shortest) dec = roundTo(dec, dec.dp + prec);
    body = fmtF(dec, shortest ? Math.max(dec.d.length - dec.dp, 0) : prec);
  } else {
    let p = prec;
    if (!shortest) {
      if (p === 0) p = 1;
      dec = roundTo(dec, p);
    } else p = Math.max(dec.d.length, 1);
    const nd = Math.max(dec.d.length, 1);
    let eprec = p;
    if (eprec > nd && nd >= dec.dp) eprec = nd;
    if (shortest) eprec = 6;
    const exp = dec.d.length === 0 ? 0 : dec.dp - 1;
    if (exp < -4 || exp >= eprec) {
      if (p > nd) p = nd;
      body = fmtE(dec, p - 1, fmt === 'G');
    } else {
      if (p > dec.dp) p = nd;
      body = fmtF(dec, Math.max(p - dec.dp, 0));
    }
  }
  return neg ? `-${body}` : body;
}

function isMap(v: GoValue): v is GoMap {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

/** Go's time.Time.String() in UTC: 2006-01-02 15:04:05.999999999 +0000 UTC. */
export function goTimeString(d: Date, extraNanos = 0): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  const nanos = d.getUTCMilliseconds() * 1_000_000 + extraNanos;
  const frac = nanos > 0 ? `.${String(nanos).padStart(9, '0').replace(/0+$/, '')}` : '';
  return `${p(d.getUTCFullYear(), 4)}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}${frac} +0000 UTC`;
}

/** fmt's %v. */
export function goPrint(v: GoValue): string {
  if (v === null || v === undefined) return '<nil>';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return formatFloat(v, 'g', -1);
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (v instanceof Date) return goTimeString(v);
  if (Array.isArray(v)) return `[${v.map(goPrint).join(' ')}]`;
  if (isMap(v)) {
    const keys = Object.keys(v).sort();
    return `map[${keys.map((k) => `${k}:${goPrint(v[k])}`).join(' ')}]`;
  }
  return String(v);
}

function goTypeName(v: GoValue): string {
  if (typeof v === 'string') return 'string';
  if (typeof v === 'number') return 'float64';
  if (typeof v === 'bigint') return 'int';
  if (typeof v === 'boolean') return 'bool';
  if (v === null || v === undefined) return 'nil';
  if (Array.isArray(v)) return '[]interface {}';
  if (v instanceof Date) return 'time.Time';
  return 'map[string]string';
}

function pad(s: string, width: number | undefined, flags: string): string {
  if (width === undefined || s.length >= width) return s;
  if (flags.includes('-')) return s + ' '.repeat(width - s.length);
  if (flags.includes('0') && /^[+-]?[0-9.]/.test(s)) {
    const sign = /^[+-]/.test(s) ? s[0]! : '';
    return sign + '0'.repeat(width - s.length) + s.slice(sign.length);
  }
  return ' '.repeat(width - s.length) + s;
}

function quote(s: string): string {
  return JSON.stringify(s).replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/** fmt.Sprintf with the verbs templates use: %v %s %q %d %f %e %g %x %X %t %% with flags, width and precision. */
export function goSprintf(format: string, args: GoValue[]): string {
  let argi = 0;
  let out = '';
  const re = /%([-+# 0]*)(\d+)?(?:\.(\d*))?([a-zA-Z%])/g;
  let last = 0;
  for (let m = re.exec(format); m; m = re.exec(format)) {
    out += format.slice(last, m.index);
    last = re.lastIndex;
    const [, flags = '', w, precText, verb] = m;
    if (verb === '%') {
      out += '%';
      continue;
    }
    if (argi >= args.length) {
      out += `%!${verb}(MISSING)`;
      continue;
    }
    const arg = args[argi++];
    const width = w === undefined ? undefined : Number(w);
    const prec = precText === undefined ? undefined : precText === '' ? 0 : Number(precText);
    let s: string;
    const bad = () => `%!${verb}(${goTypeName(arg)}=${goPrint(arg)})`;
    const sign = (t: string) => (flags.includes('+') && !t.startsWith('-') ? `+${t}` : flags.includes(' ') && !t.startsWith('-') ? ` ${t}` : t);
    switch (verb) {
      case 'v':
        s = typeof arg === 'number' && prec !== undefined ? formatFloat(arg, 'g', prec) : goPrint(arg);
        if (typeof arg === 'number' || typeof arg === 'bigint') s = sign(s);
        break;
      case 's':
        s = typeof arg === 'string' ? arg : typeof arg === 'number' || typeof arg === 'bigint' ? bad() : goPrint(arg);
        if (prec !== undefined && typeof arg === 'string') s = [...s].slice(0, prec).join('');
        break;
      case 'q':
        s = typeof arg === 'string' ? quote(arg) : bad();
        break;
      case 'd':
        s = typeof arg === 'bigint' ? sign(arg.toString()) : bad();
        break;
      case 'x':
      case 'X': {
        if (typeof arg === 'bigint') s = arg.toString(16);
        else if (typeof arg === 'string') s = [...new TextEncoder().encode(arg)].map((b) => b.toString(16).padStart(2, '0')).join('');
        else s = bad();
        if (verb === 'X') s = s.toUpperCase();
        break;
      }
      case 'e':
      case 'E':
      case 'f':
      case 'F':
      case 'g':
      case 'G': {
        if (typeof arg !== 'number') {
          s = bad();
          break;
        }
        const f = verb === 'F' ? 'f' : verb;
        s = sign(formatFloat(arg, f as 'e' | 'f' | 'g' | 'E' | 'G', prec ?? (f === 'g' || f === 'G' ? -1 : 6)));
        break;
      }
      case 't':
        s = typeof arg === 'boolean' ? goPrint(arg) : bad();
        break;
      default:
        s = bad();
    }
    out += pad(s, width, flags);
  }
  out += format.slice(last);
  if (argi < args.length) out += `%!(EXTRA ${args.slice(argi).map((a) => `${goTypeName(a)}=${goPrint(a)}`).join(', ')})`;
  return out;
}
