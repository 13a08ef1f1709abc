/**
 * Go's number and value formatting (strconv and fmt), as templates print them. Rule templates
 * render `$value` with `%v` and humanize with `%.4g`, and notification templates use printf, so
 * getting digits, exponents and rounding (half to even, on the exact binary value) exactly as Go
 * does is what makes output compare equal with Prometheus' and Alertmanager's.
 */
import { isInt, printValue, textOf, typeName, type ValueModel } from './values';

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

/** Go's time.Time.String() in UTC: 2006-01-02 15:04:05.999999999 +0000 UTC. */
export function goTimeString(d: Date, extraNanos = 0): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  const nanos = d.getUTCMilliseconds() * 1_000_000 + extraNanos;
  const frac = nanos > 0 ? `.${String(nanos).padStart(9, '0').replace(/0+$/, '')}` : '';
  return `${p(d.getUTCFullYear(), 4)}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}${frac} +0000 UTC`;
}

function pad(s: string, width: number | undefined, flags: string, numeric: boolean): string {
  const len = [...s].length;
  if (width === undefined || len >= width) return s;
  if (flags.includes('-')) return s + ' '.repeat(width - len);
  if (flags.includes('0') && !numeric) return '0'.repeat(width - len) + s;
  // Numbers pad with zeros after the sign; infinities and NaN with spaces.
  if (flags.includes('0') && /^[+-]?[0-9.]/.test(s)) {
    const sign = /^[+-]/.test(s) ? s[0]! : '';
    return sign + '0'.repeat(width - len) + s.slice(sign.length);
  }
  return ' '.repeat(width - len) + s;
}

function quote(s: string): string {
  return JSON.stringify(s).replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/** fmt.Sprintf with the verbs templates use: %v %s %q %d %c %f %e %g %x %X %t %% with flags, width and precision. */
export function goSprintf(format: string, args: unknown[], model: ValueModel): string {
  let argi = 0;
  let out = '';
  const re = /%([-+# 0]*)(\d+)?(?:\.(\d*))?([a-zA-Z%])/g;
  let last = 0;
  for (let m = re.exec(format); m; m = re.exec(format)) {
    out += format.slice(last, m.index);
    last = re.lastIndex;
    const [, flags = '', w, precText, verb = ''] = m;
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
    const s = formatVerb(verb, arg, flags, prec, model);
    out += pad(s, width, flags, typeof arg === 'number' || typeof arg === 'bigint');
  }
  out += format.slice(last);
  if (argi < args.length) out += `%!(EXTRA ${args.slice(argi).map((a) => `${typeName(a, model)}=${printValue(a, model)}`).join(', ')})`;
  return out;
}

function formatVerb(verb: string, arg: unknown, flags: string, prec: number | undefined, model: ValueModel): string {
  const bad = () => `%!${verb}(${typeName(arg, model)}=${printValue(arg, model)})`;
  const sign = (t: string) => (flags.includes('+') && !t.startsWith('-') ? `+${t}` : flags.includes(' ') && !t.startsWith('-') ? ` ${t}` : t);
  const text = textOf(arg);
  const int = isInt(arg, model) ? BigInt(arg) : undefined;
  switch (verb) {
    case 'v':
      if (typeof arg === 'number' && int === undefined) return sign(formatFloat(arg, 'g', prec ?? -1));
      if (int !== undefined) return sign(int.toString());
      return printValue(arg, model);
    case 's':
      if (text !== undefined) return prec === undefined ? text : [...text].slice(0, prec).join('');
      if (typeof arg === 'number' || typeof arg === 'bigint') return bad();
      return printValue(arg, model);
    case 'q':
      return text !== undefined ? quote(text) : bad();
    case 't':
      return typeof arg === 'boolean' ? String(arg) : bad();
    case 'd':
      return int !== undefined ? sign(int.toString()) : bad();
    case 'c':
      return int !== undefined ? String.fromCodePoint(Number(int)) : bad();
    case 'x':
    case 'X': {
      let s: string;
      if (int !== undefined) s = (int < 0n ? '-' : '') + (int < 0n ? -int : int).toString(16);
      else if (text !== undefined) s = Buffer.from(text, 'utf8').toString('hex');
      else return bad();
      if (flags.includes('#')) s = s.startsWith('-') ? `-0x${s.slice(1)}` : `0x${s}`;
      return verb === 'X' ? s.toUpperCase() : s;
    }
    case 'e':
    case 'E':
    case 'f':
    case 'F':
    case 'g':
    case 'G': {
      // Where ints are numbers, an integral number is also taken as a float64 by float verbs.
      if (typeof arg !== 'number') return bad();
      const f = verb === 'F' ? 'f' : verb;
      return sign(formatFloat(arg, f as 'e' | 'f' | 'g' | 'E' | 'G', prec ?? (f === 'g' || f === 'G' ? -1 : 6)));
    }
    default:
      return bad();
  }
}
