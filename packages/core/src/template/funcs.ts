import { RE2JS } from 're2js';
import { parseDuration } from '../alertmanager/config/duration';
import { compileRegex } from '../promql/matchers';
import { formatFloat, goPrint, goSprintf, goTimeString, type GoMap, type GoValue } from './gofmt';
import { truth, type TemplateFunction } from './exec';

/** Functions Prometheus offers that need a query engine inside the template; refused at upload. */
export const QUERY_FUNCTIONS: ReadonlySet<string> = new Set(['query', 'first', 'label', 'value', 'strvalue', 'sortByLabel']);

const g4 = (v: number) => formatFloat(v, 'g', 4);

/** Prometheus' convertToFloat: numbers as they are, strings through strconv.ParseFloat. */
function toFloat(v: GoValue): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'string') {
    const s = v.trim() === v ? v : '';
    if (/^[+-]?(inf|infinity)$/i.test(s)) return s.startsWith('-') ? -Infinity : Infinity;
    if (/^nan$/i.test(s)) return NaN;
    if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s) || /^[+-]?0[xX][0-9a-fA-F]+$/.test(s)) return Number(s);
    throw new Error(`strconv.ParseFloat: parsing ${JSON.stringify(v)}: invalid syntax`);
  }
  throw new Error(`can't convert ${goPrint(v)} to float`);
}

function str(v: GoValue, fn: string): string {
  if (typeof v === 'string') return v;
  throw new Error(`wrong type for value; expected string; got ${typeof v === 'number' ? 'float64' : typeof v} in ${fn}`);
}

function humanize(v: number): string {
  if (v === 0 || !Number.isFinite(v)) return g4(v);
  if (Math.abs(v) >= 1) {
    let prefix = '';
    for (const p of ['k', 'M', 'G', 'T', 'P', 'E', 'Z', 'Y']) {
      if (Math.abs(v) < 1000) break;
      prefix = p;
      v /= 1000;
    }
    return g4(v) + prefix;
  }
  let prefix = '';
  for (const p of ['m', 'u', 'n', 'p', 'f', 'a', 'z', 'y']) {
    if (Math.abs(v) >= 1) break;
    prefix = p;
    v *= 1000;
  }
  return g4(v) + prefix;
}

function humanize1024(v: number): string {
  if (Math.abs(v) <= 1 || !Number.isFinite(v)) return g4(v);
  let prefix = '';
  for (const p of ['ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei', 'Zi', 'Yi']) {
    if (Math.abs(v) < 1024) break;
    prefix = p;
    v /= 1024;
  }
  return g4(v) + prefix;
}

function humanizeDuration(v: number): string {
  if (!Number.isFinite(v)) return g4(v);
  if (v === 0) return `${g4(v)}s`;
  if (Math.abs(v) >= 1) {
    const sign = v < 0 ? '-' : '';
    v = Math.abs(v);
    const duration = Math.trunc(v);
    const seconds = duration % 60;
    const minutes = Math.trunc(duration / 60) % 60;
    const hours = Math.trunc(duration / 3600) % 24;
    const days = Math.trunc(duration / 86400);
    // From minutes up, seconds are whole; below a minute, four significant digits.
    if (days !== 0) return `${sign}${days}d ${hours}h ${minutes}m ${seconds}s`;
    if (hours !== 0) return `${sign}${hours}h ${minutes}m ${seconds}s`;
    if (minutes !== 0) return `${sign}${minutes}m ${seconds}s`;
    return `${sign}${g4(v)}s`;
  }
  let prefix = '';
  for (const p of ['m', 'u', 'n', 'p', 'f', 'a', 'z', 'y']) {
    if (Math.abs(v) >= 1) break;
    prefix = p;
    v *= 1000;
  }
  return `${g4(v)}${prefix}s`;
}

function humanizeTimestamp(v: number): string {
  if (!Number.isFinite(v)) return g4(v);
  // Prometheus goes through model.Time: nanoseconds truncated to whole milliseconds.
  const ms = Math.trunc(Math.trunc(v * 1e9) / 1e6);
  return goTimeString(new Date(ms));
}

/** strings.Title: upper-cases the first letter of every word (letters, digits and _ form words). */
function title(s: string): string {
  let prevLetter = false;
  let out = '';
  for (const ch of s) {
    const isWordChar = /[\p{L}\p{N}_']/u.test(ch);
    out += !prevLetter && isWordChar ? ch.toUpperCase() : ch;
    prevLetter = isWordChar;
  }
  return out;
}

/** Go's Regexp.Expand template syntax: $1, ${1}, $name, ${name}, $$. */
function expandReplacement(template: string, groups: (string | null | undefined)[], names: Record<string, number>): string {
  return template.replace(/\$(\$|\{([A-Za-z0-9_]*)\}|([A-Za-z0-9_]+))/g, (_m, all: string, braced: string | undefined, bare: string | undefined) => {
    if (all === '$') return '$';
    const name = braced ?? bare ?? '';
    if (name === '') return '';
    const idx = /^\d+$/.test(name) ? Number(name) : names[name];
    if (idx === undefined) return '';
    return groups[idx] ?? '';
  });
}

function unanchored(pattern: string): RE2JS {
  // Validated (and refused with RE2's reason) the same way label matchers are.
  compileRegex(pattern);
  return RE2JS.compile(pattern);
}

function reReplaceAll(pattern: string, repl: string, text: string): string {
  const re = unanchored(pattern);
  const names = (re.namedGroups() ?? {}) as Record<string, number>;
  return re.matcher(text).replaceAll((...args: unknown[]) => {
    const groups = args.slice(0, re.groupCount() + 1) as (string | null)[];
    return expandReplacement(repl, groups, names);
  });
}

function stripPort(hostPort: string): string {
  const m = /^\[([^\]]*)\]:[^:]*$/.exec(hostPort) ?? /^([^:]*):[^:]*$/.exec(hostPort);
  return m ? m[1]! : hostPort;
}

function queryEscape(s: string): string {
  return encodeURIComponent(s)
    .replace(/%20/g, '+')
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function lengthOf(v: GoValue): bigint {
  if (typeof v === 'string') return BigInt(new TextEncoder().encode(v).length);
  if (Array.isArray(v)) return BigInt(v.length);
  if (v && typeof v === 'object' && !(v instanceof Date)) return BigInt(Object.keys(v).length);
  throw new Error(`len of type ${typeof v}`);
}

function index(v: GoValue, ...keys: GoValue[]): GoValue {
  let cur = v;
  for (const k of keys) {
    if (Array.isArray(cur)) {
      const i = Number(k);
      if (!Number.isInteger(i) || i < 0 || i >= cur.length) throw new Error(`index out of range: ${goPrint(k)}`);
      cur = cur[i];
    } else if (cur && typeof cur === 'object' && !(cur instanceof Date)) {
      // A missing key yields the element type's zero value: "" for label maps.
      cur = Object.prototype.hasOwnProperty.call(cur, String(k)) ? (cur as GoMap)[String(k)] : '';
    } else throw new Error(`can't index item of type ${typeof cur}`);
  }
  return cur;
}

function basicCompare(a: GoValue, b: GoValue): number {
  const numeric = (x: GoValue) => typeof x === 'number' || typeof x === 'bigint';
  if (numeric(a) && numeric(b)) {
    if (typeof a !== typeof b) throw new Error('incompatible types for comparison');
    const x = Number(a);
    const y = Number(b);
    return x < y ? -1 : x > y ? 1 : x === y ? 0 : NaN;
  }
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'boolean' && typeof b === 'boolean') return a === b ? 0 : NaN;
  throw new Error('incompatible types for comparison');
}

/** fmt.Sprint: a space between operands when neither side is a string. */
function sprint(args: GoValue[]): string {
  let out = '';
  args.forEach((a, i) => {
    if (i > 0 && typeof a !== 'string' && typeof args[i - 1] !== 'string') out += ' ';
    out += goPrint(a);
  });
  return out;
}

export interface HostData {
  externalURL: string;
}

/** Go's text/template builtins and Prometheus' template functions. */
export function templateFunctions(host: HostData): Map<string, TemplateFunction> {
  const pathPrefix = () => {
    try {
      return new URL(host.externalURL).pathname.replace(/\/$/, '');
    } catch {
      return '';
    }
  };
  const fns: Record<string, TemplateFunction> = {
    // text/template builtins
    and: () => null,
    or: () => null,
    not: (v) => !truth(v),
    len: (v) => lengthOf(v),
    index: (v, ...keys) => index(v, ...keys),
    print: (...args) => sprint(args),
    println: (...args) => `${args.map(goPrint).join(' ')}\n`,
    printf: (format, ...args) => goSprintf(str(format, 'printf'), args),
    eq: (a, ...bs) => {
      if (bs.length === 0) throw new Error('missing argument for comparison');
      return bs.some((b) => basicCompare(a, b) === 0);
    },
    ne: (a, b) => basicCompare(a, b) !== 0,
    lt: (a, b) => basicCompare(a, b) < 0,
    le: (a, b) => basicCompare(a, b) <= 0,
    gt: (a, b) => basicCompare(a, b) > 0,
    ge: (a, b) => basicCompare(a, b) >= 0,
    html: (...args) =>
      sprint(args).replace(/[&'<>"\0]/g, (c) => ({ '&': '&amp;', "'": '&#39;', '<': '&lt;', '>': '&gt;', '"': '&#34;', '\0': '\uFFFD' })[c]!),
    urlquery: (...args) => queryEscape(sprint(args)),
    js: (...args) => JSON.stringify(sprint(args)).slice(1, -1).replace(/'/g, "\\'").replace(/</g, '\\u003C').replace(/>/g, '\\u003E'),
    // Prometheus
    humanize: (v) => humanize(toFloat(v)),
    humanize1024: (v) => humanize1024(toFloat(v)),
    humanizeDuration: (v) => humanizeDuration(toFloat(v)),
    humanizePercentage: (v) => `${g4(toFloat(v) * 100)}%`,
    humanizeTimestamp: (v) => humanizeTimestamp(toFloat(v)),
    toUpper: (s) => str(s, 'toUpper').toUpperCase(),
    toLower: (s) => str(s, 'toLower').toLowerCase(),
    title: (s) => title(str(s, 'title')),
    match: (pattern, text) => unanchored(str(pattern, 'match')).matcher(str(text, 'match')).find(),
    reReplaceAll: (pattern, repl, text) => reReplaceAll(str(pattern, 'reReplaceAll'), str(repl, 'reReplaceAll'), str(text, 'reReplaceAll')),
    safeHtml: (s) => str(s, 'safeHtml'),
    stripPort: (s) => stripPort(str(s, 'stripPort')),
    stripDomain: (s) => {
      const host = str(s, 'stripDomain');
      const port = /:(\d+)$/.exec(host);
      const name = port ? host.slice(0, -port[0].length) : host;
      if (/^[\d.]+$/.test(name) || name.includes(':')) return host;
      return name.split('.')[0]! + (port ? port[0] : '');
    },
    args: (...args) => Object.fromEntries(args.map((a, i) => [`arg${i}`, a])),
    parseDuration: (s) => parseDuration(str(s, 'parseDuration')) / 1000,
    externalURL: () => host.externalURL,
    pathPrefix: () => pathPrefix(),
    graphLink: (expr) => `${pathPrefix()}/graph?g0.expr=${queryEscape(str(expr, 'graphLink'))}&g0.tab=0`,
    tableLink: (expr) => `${pathPrefix()}/graph?g0.expr=${queryEscape(str(expr, 'tableLink'))}&g0.tab=1`,
  };
  return new Map(Object.entries(fns));
}

export const TEMPLATE_FUNCTION_NAMES: ReadonlySet<string> = new Set(templateFunctions({ externalURL: '' }).keys());
