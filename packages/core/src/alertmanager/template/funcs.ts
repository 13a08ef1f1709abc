/**
 * Template functions: Go's text/template built-ins and Alertmanager's additions (toUpper,
 * toLower, title, join, safeHtml, reReplaceAll, match, stringSlice, trimSpace), plus
 * Prometheus's humanize family. Every regex is RE2 (re2js), compiled from user input safely.
 */
import { RE2JS } from 're2js';
import { GoTime, KV, NO_VALUE, SafeHtml, formatGoNumber, printValue, truth, typeName } from './values';

/** Thrown by a function; the executor adds the position and the function's name. */
export class FuncError extends Error {}

export type TemplateFunc = (...args: unknown[]) => unknown;

const str = (v: unknown, fn: string): string => {
  if (typeof v === 'string') return v;
  if (v instanceof SafeHtml) return v.value;
  throw new FuncError(`wrong type for value; expected string; got ${typeName(v)} in call to ${fn}`);
};

const num = (v: unknown, fn: string): number => {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    // Prometheus's humanize functions accept strings holding numbers.
    const n = Number(v.trim());
    if (v.trim() !== '' && !Number.isNaN(n)) return n;
  }
  throw new FuncError(`wrong type for value; expected number; got ${typeName(v)} in call to ${fn}`);
};

const arity = (fn: string, args: unknown[], min: number, max = min): void => {
  if (args.length < min || args.length > max) {
    throw new FuncError(`wrong number of args for ${fn}: want ${min === max ? min : `${min}-${max}`} got ${args.length}`);
  }
};

const regexCache = new Map<string, RE2JS>();
function compile(pattern: string, fn: string): RE2JS {
  let re = regexCache.get(pattern);
  if (!re) {
    try {
      re = RE2JS.compile(pattern);
    } catch (err) {
      throw new FuncError(`${fn}: invalid regular expression ${JSON.stringify(pattern)}: ${(err as Error).message}`);
    }
    if (regexCache.size > 500) regexCache.clear();
    regexCache.set(pattern, re);
  }
  return re;
}

/** Go's Regexp.Expand rules for `$1`, `${1}`, `$name`, `${name}` and `$$`. */
function expandGo(template: string, groups: (string | undefined)[], named: Record<string, string | undefined> | undefined): string {
  let out = '';
  for (let i = 0; i < template.length; i++) {
    const c = template[i]!;
    if (c !== '$') {
      out += c;
      continue;
    }
    if (template[i + 1] === '$') {
      out += '$';
      i++;
      continue;
    }
    let name: string | undefined;
    let end = i;
    if (template[i + 1] === '{') {
      const close = template.indexOf('}', i + 2);
      const inner = close > 0 ? template.slice(i + 2, close) : '';
      if (close > 0 && /^\w+$/.test(inner)) {
        name = inner;
        end = close;
      }
    } else {
      const m = /^\w+/.exec(template.slice(i + 1));
      if (m) {
        name = m[0];
        end = i + m[0].length;
      }
    }
    if (name === undefined) {
      out += '$'; // malformed: Go keeps the dollar as text
      continue;
    }
    if (/^\d+$/.test(name)) out += groups[Number(name)] ?? '';
    else out += named?.[name] ?? '';
    i = end;
  }
  return out;
}

function goTitle(s: string): string {
  // strings.Title: upper-case the first letter of each word (words split on non-letters).
  return s.replace(/(^|[^\p{L}\p{N}_'])(\p{L})/gu, (_m, sep: string, ch: string) => sep + ch.toUpperCase());
}

function htmlEscape(s: string): string {
  return s.replace(/[&'<>"\0]/g, (c) => ({ '&': '&amp;', "'": '&#39;', '<': '&lt;', '>': '&gt;', '"': '&#34;', '\0': '\uFFFD' })[c]!);
}

function jsEscape(s: string): string {
  return s.replace(/[\\'"<>&=\n\r\t\u2028\u2029]|[\x00-\x1f]/g, (c) => {
    const map: Record<string, string> = { '\\': '\\\\', "'": "\\'", '"': '\\"', '\n': '\\n', '\r': '\\r', '\t': '\\t' };
    return map[c] ?? `\\u${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
  });
}

function compare(fn: string, a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : 0;
  const sa = a instanceof SafeHtml ? a.value : a;
  const sb = b instanceof SafeHtml ? b.value : b;
  if (typeof sa === 'string' && typeof sb === 'string') return sa < sb ? -1 : sa > sb ? 1 : 0;
  if (typeof a === 'boolean' && typeof b === 'boolean' && (fn === 'eq' || fn === 'ne')) return a === b ? 0 : 1;
  if ((a === null || a === undefined) && (b === null || b === undefined) && (fn === 'eq' || fn === 'ne')) return 0;
  if (a === NO_VALUE || b === NO_VALUE) throw new FuncError(`error calling ${fn}: invalid type for comparison`);
  if (!isBasic(a) || !isBasic(b)) throw new FuncError(`error calling ${fn}: non-comparable type ${typeName(isBasic(a) ? b : a)}`);
  throw new FuncError(`error calling ${fn}: incompatible types for comparison`);
}

const isBasic = (v: unknown) => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' || v instanceof SafeHtml;

function lengthOf(v: unknown): number {
  if (typeof v === 'string') return Buffer.byteLength(v, 'utf8');
  if (v instanceof SafeHtml) return Buffer.byteLength(v.value, 'utf8');
  if (Array.isArray(v)) return v.length;
  if (v instanceof KV) return v.size;
  throw new FuncError(`error calling len: len of type ${typeName(v)}`);
}

function indexOf(item: unknown, ...indices: unknown[]): unknown {
  let v = item;
  for (const ix of indices) {
    if (v instanceof KV) {
      v = v.get(String(ix)) ?? '';
    } else if (Array.isArray(v) || typeof v === 'string') {
      if (typeof ix !== 'number' || !Number.isInteger(ix)) throw new FuncError(`error calling index: cannot index slice/array with type ${typeName(ix)}`);
      if (ix < 0 || ix >= v.length) throw new FuncError(`error calling index: index out of range: ${ix}`);
      v = typeof v === 'string' ? Buffer.from(v, 'utf8')[ix] : v[ix];
    } else if (v === null || v === undefined || v === NO_VALUE) {
      throw new FuncError('error calling index: index of untyped nil');
    } else throw new FuncError(`error calling index: can't index item of type ${typeName(v)}`);
  }
  return v;
}

/** fmt.Sprint: spaces between operands when neither side is a string. */
function sprint(args: unknown[]): string {
  let out = '';
  args.forEach((a, i) => {
    if (i > 0 && typeof a !== 'string' && typeof args[i - 1] !== 'string') out += ' ';
    out += printValue(a);
  });
  return out;
}

/** fmt.Sprintf with the verbs templates use: %v %s %q %d %f %e %g %x %X %t %c %%, flags, width, precision. */
export function sprintf(format: string, args: unknown[]): string {
  let out = '';
  let argi = 0;
  const re = /%([-+# 0]*)(\d+)?(?:\.(\d*))?([a-zA-Z%])/g;
  let last = 0;
  for (let m = re.exec(format); m; m = re.exec(format)) {
    out += format.slice(last, m.index);
    last = re.lastIndex;
    const [, flags = '', widthText, precText, verb] = m;
    if (verb === '%') {
      out += '%';
      continue;
    }
    if (argi >= args.length) {
      out += `%!${verb}(MISSING)`;
      continue;
    }
    const arg = args[argi++];
    const prec = precText === undefined ? undefined : precText === '' ? 0 : Number(precText);
    let s = formatVerb(verb!, arg, flags, prec);
    const width = widthText ? Number(widthText) : 0;
    if ([...s].length < width) {
      const padLen = width - [...s].length;
      if (flags.includes('-')) s += ' '.repeat(padLen);
      else if (flags.includes('0') && typeof arg === 'number') {
        const sign = /^[+-]/.test(s) ? s[0]! : '';
        s = sign + '0'.repeat(padLen) + s.slice(sign.length);
      } else s = ' '.repeat(padLen) + s;
    }
    out += s;
  }
  out += format.slice(last);
  if (argi < args.length) out += `%!(EXTRA ${args.slice(argi).map((a) => `${typeName(a)}=${printValue(a)}`).join(', ')})`;
  return out;
}

function formatVerb(verb: string, arg: unknown, flags: string, prec: number | undefined): string {
  const bad = () => `%!${verb}(${typeName(arg)}=${printValue(arg)})`;
  const plus = (s: string, n: number) => (flags.includes('+') && n >= 0 ? '+' + s : flags.includes(' ') && n >= 0 ? ' ' + s : s);
  const text = typeof arg === 'string' ? arg : arg instanceof SafeHtml ? arg.value : undefined;
  switch (verb) {
    case 'v':
      return typeof arg === 'number' ? plus(formatGoNumber(arg), arg) : printValue(arg);
    case 's':
      if (text !== undefined) return prec === undefined ? text : [...text].slice(0, prec).join('');
      if (Array.isArray(arg) || arg instanceof GoTime || arg instanceof KV) return printValue(arg);
      return bad();
    case 'q':
      if (text !== undefined) return JSON.stringify(text);
      return bad();
    case 't':
      return typeof arg === 'boolean' ? String(arg) : bad();
    case 'd':
      return typeof arg === 'number' && Number.isInteger(arg) ? plus(String(arg), arg) : bad();
    case 'c':
      return typeof arg === 'number' && Number.isInteger(arg) ? String.fromCodePoint(arg) : bad();
    case 'x':
    case 'X': {
      let s: string;
      if (typeof arg === 'number' && Number.isInteger(arg)) s = (arg < 0 ? '-' : '') + Math.abs(arg).toString(16);
      else if (text !== undefined) s = Buffer.from(text, 'utf8').toString('hex');
      else return bad();
      if (flags.includes('#')) s = '0x' + s;
      return verb === 'X' ? s.toUpperCase() : s;
    }
    case 'f':
    case 'F':
      return typeof arg === 'number' ? plus(Number.isFinite(arg) ? arg.toFixed(prec ?? 6) : formatGoNumber(arg), arg) : bad();
    case 'e':
    case 'E': {
      if (typeof arg !== 'number') return bad();
      const s = Number.isFinite(arg) ? arg.toExponential(prec ?? 6).replace(/e([+-])(\d)$/, 'e$10$2') : formatGoNumber(arg);
      return plus(verb === 'E' ? s.toUpperCase() : s, arg);
    }
    case 'g':
    case 'G': {
      if (typeof arg !== 'number') return bad();
      let s: string;
      if (prec === undefined || !Number.isFinite(arg)) s = formatGoNumber(arg);
      else {
        const p = Math.max(1, prec);
        const exp = arg === 0 ? 0 : Math.floor(Math.log10(Math.abs(arg)));
        s = exp < -4 || exp >= p ? Number(arg).toExponential(p - 1).replace(/\.?0+e/, 'e').replace(/e([+-])(\d)$/, 'e$10$2') : String(Number(arg.toPrecision(p)));
      }
      return plus(verb === 'G' ? s.toUpperCase() : s, arg);
    }
    default:
      return `%!${verb}(${typeName(arg)}=${printValue(arg)})`;
  }
}

function formatSignificant(v: number, digits: number): string {
  if (!Number.isFinite(v)) return formatGoNumber(v);
  return String(Number(v.toPrecision(digits)));
}

/** Prometheus's humanize: SI prefixes, four significant digits. */
function humanize(v: number): string {
  if (v === 0 || !Number.isFinite(v)) return formatGoNumber(v);
  const big = ['', 'k', 'M', 'G', 'T', 'P', 'E', 'Z', 'Y'];
  const small = ['', 'm', 'u', 'n', 'p', 'f', 'a', 'z', 'y'];
  let x = v;
  let i = 0;
  if (Math.abs(v) >= 1) {
    while (Math.abs(x) >= 1000 && i < big.length - 1) (x /= 1000), i++;
    return `${formatSignificant(x, 4)}${big[i]}`;
  }
  while (Math.abs(x) < 1 && i < small.length - 1) (x *= 1000), i++;
  return `${formatSignificant(x, 4)}${small[i]}`;
}

/** Prometheus's humanizeDuration: seconds as `1d 2h 3m 4s`, or milliseconds below a second. */
function humanizeDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return formatGoNumber(seconds);
  if (Math.abs(seconds) < 1) return seconds === 0 ? '0s' : `${formatSignificant(seconds * 1000, 4)}ms`;
  const sign = seconds < 0 ? '-' : '';
  let s = Math.abs(seconds);
  const d = Math.floor(s / 86400);
  s -= d * 86400;
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  const secs = formatSignificant(s, 4);
  if (d > 0) return `${sign}${d}d ${h}h ${m}m ${secs}s`;
  if (h > 0) return `${sign}${h}h ${m}m ${secs}s`;
  if (m > 0) return `${sign}${m}m ${secs}s`;
  return `${sign}${secs}s`;
}

function humanize1024(v: number): string {
  if (Math.abs(v) <= 1 || !Number.isFinite(v)) return `${formatSignificant(v, 4)}`;
  const units = ['', 'ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei', 'Zi', 'Yi'];
  let i = 0;
  let x = v;
  while (Math.abs(x) >= 1024 && i < units.length - 1) {
    x /= 1024;
    i++;
  }
  return `${formatSignificant(x, 4)}${units[i]}`;
}

const stringList = (v: unknown, fn: string): string[] => {
  if (!Array.isArray(v)) throw new FuncError(`wrong type for value; expected []string; got ${typeName(v)} in call to ${fn}`);
  return v.map((x) => str(x, fn));
};

/** Every function a template may call, by name. `and`/`or` are special forms in the executor. */
export const FUNCS: Record<string, TemplateFunc> = {
  not: (...a) => (arity('not', a, 1), !truth(a[0])),
  len: (...a) => (arity('len', a, 1), lengthOf(a[0])),
  index: (...a) => {
    if (a.length < 1) throw new FuncError('wrong number of args for index: want at least 1 got 0');
    return indexOf(a[0], ...a.slice(1));
  },
  slice: (...a) => {
    if (a.length < 1 || a.length > 3) throw new FuncError(`wrong number of args for slice: want 1-3 got ${a.length}`);
    const [item, from = 0, to] = a;
    if (typeof item !== 'string' && !Array.isArray(item)) throw new FuncError(`error calling slice: can't slice item of type ${typeName(item)}`);
    const end = to === undefined ? item.length : to;
    if (typeof from !== 'number' || typeof end !== 'number' || from < 0 || end < from || end > item.length) throw new FuncError('error calling slice: index out of range');
    return item.slice(from, end);
  },
  print: (...a) => sprint(a),
  println: (...a) => a.map(printValue).join(' ') + '\n',
  printf: (...a) => {
    if (a.length < 1) throw new FuncError('wrong number of args for printf: want at least 1 got 0');
    return sprintf(str(a[0], 'printf'), a.slice(1));
  },
  eq: (...a) => {
    if (a.length < 2) throw new FuncError('missing argument for comparison');
    return a.slice(1).some((b) => compare('eq', a[0], b) === 0);
  },
  ne: (...a) => (arity('ne', a, 2), compare('ne', a[0], a[1]) !== 0),
  lt: (...a) => (arity('lt', a, 2), compare('lt', a[0], a[1]) < 0),
  le: (...a) => (arity('le', a, 2), compare('le', a[0], a[1]) <= 0),
  gt: (...a) => (arity('gt', a, 2), compare('gt', a[0], a[1]) > 0),
  ge: (...a) => (arity('ge', a, 2), compare('ge', a[0], a[1]) >= 0),
  html: (...a) => htmlEscape(sprint(a)),
  js: (...a) => jsEscape(sprint(a)),
  urlquery: (...a) => encodeURIComponent(sprint(a)).replace(/%20/g, '+').replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`),

  // Alertmanager's template functions.
  toUpper: (...a) => (arity('toUpper', a, 1), str(a[0], 'toUpper').toUpperCase()),
  toLower: (...a) => (arity('toLower', a, 1), str(a[0], 'toLower').toLowerCase()),
  title: (...a) => (arity('title', a, 1), goTitle(str(a[0], 'title'))),
  trimSpace: (...a) => (arity('trimSpace', a, 1), str(a[0], 'trimSpace').trim()),
  join: (...a) => (arity('join', a, 2), stringList(a[1], 'join').join(str(a[0], 'join'))),
  safeHtml: (...a) => (arity('safeHtml', a, 1), new SafeHtml(str(a[0], 'safeHtml'))),
  match: (...a) => {
    arity('match', a, 2);
    return compile(str(a[0], 'match'), 'match').matcher(str(a[1], 'match')).find();
  },
  reReplaceAll: (...a) => {
    arity('reReplaceAll', a, 3);
    const re = compile(str(a[0], 'reReplaceAll'), 'reReplaceAll');
    const repl = str(a[1], 'reReplaceAll');
    return re.matcher(str(a[2], 'reReplaceAll')).replaceAll((...m: unknown[]) => {
      const last = m.at(-1);
      const named = last !== null && typeof last === 'object' ? (last as Record<string, string | undefined>) : undefined;
      const groups = m.slice(0, named ? -3 : -2) as (string | undefined)[];
      return expandGo(repl, groups, named);
    });
  },
  stringSlice: (...a) => a.map((x) => str(x, 'stringSlice')),

  // Prometheus's humanize family.
  humanize: (...a) => (arity('humanize', a, 1), humanize(num(a[0], 'humanize'))),
  humanize1024: (...a) => (arity('humanize1024', a, 1), humanize1024(num(a[0], 'humanize1024'))),
  humanizeDuration: (...a) => (arity('humanizeDuration', a, 1), humanizeDuration(num(a[0], 'humanizeDuration'))),
  humanizePercentage: (...a) => (arity('humanizePercentage', a, 1), `${formatSignificant(num(a[0], 'humanizePercentage') * 100, 4)}%`),
  humanizeTimestamp: (...a) => {
    arity('humanizeTimestamp', a, 1);
    const v = num(a[0], 'humanizeTimestamp');
    return Number.isFinite(v) ? new GoTime(Math.round(v * 1000)).String() : formatGoNumber(v);
  },
};

export const SPECIAL_FORMS = new Set(['and', 'or']);
