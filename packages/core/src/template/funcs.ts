/**
 * Prometheus' template functions for rule labels and annotations, on Go's text/template
 * builtins. Rule data is Prometheus': label maps (absent labels read as ""), float64 values and
 * Go ints for integer constants.
 */
import { parseDuration } from '../alertmanager/config/duration';
import { builtinFunctions, formatFloat, goTitle, goTimeString, printValue, queryEscape, reMatch, reReplaceAll, typeName, type TemplateFunction, type ValueModel } from '../gotemplate';

/** How rule template data models Go values: plain objects are maps, integer constants Go ints. */
export const RULE_VALUE_MODEL: ValueModel = { ints: 'bigint', plainObjects: 'map' };

/** Functions Prometheus offers that need a query engine inside the template; refused at upload. */
export const QUERY_FUNCTIONS: ReadonlySet<string> = new Set(['query', 'first', 'label', 'value', 'strvalue', 'sortByLabel']);

const g4 = (v: number) => formatFloat(v, 'g', 4);

/** Prometheus' convertToFloat: numbers as they are, strings through strconv.ParseFloat. */
function toFloat(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'string') {
    const s = v.trim() === v ? v : '';
    if (/^[+-]?(inf|infinity)$/i.test(s)) return s.startsWith('-') ? -Infinity : Infinity;
    if (/^nan$/i.test(s)) return NaN;
    if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s) || /^[+-]?0[xX][0-9a-fA-F]+$/.test(s)) return Number(s);
    throw new Error(`strconv.ParseFloat: parsing ${JSON.stringify(v)}: invalid syntax`);
  }
  throw new Error(`can't convert ${printValue(v, RULE_VALUE_MODEL)} to float`);
}

function str(v: unknown, fn: string): string {
  if (typeof v === 'string') return v;
  throw new Error(`wrong type for value; expected string; got ${typeName(v, RULE_VALUE_MODEL)} in ${fn}`);
}

export function humanize(v: number): string {
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

export function humanize1024(v: number): string {
  if (Math.abs(v) <= 1 || !Number.isFinite(v)) return g4(v);
  let prefix = '';
  for (const p of ['ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei', 'Zi', 'Yi']) {
    if (Math.abs(v) < 1024) break;
    prefix = p;
    v /= 1024;
  }
  return g4(v) + prefix;
}

export function humanizeDuration(v: number): string {
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

export function humanizeTimestamp(v: number): string {
  if (!Number.isFinite(v)) return g4(v);
  // Prometheus goes through model.Time: nanoseconds truncated to whole milliseconds.
  const ms = Math.trunc(Math.trunc(v * 1e9) / 1e6);
  return goTimeString(new Date(ms));
}

function stripPort(hostPort: string): string {
  const m = /^\[([^\]]*)\]:[^:]*$/.exec(hostPort) ?? /^([^:]*):[^:]*$/.exec(hostPort);
  return m ? m[1]! : hostPort;
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
    // Prometheus
    humanize: (v) => humanize(toFloat(v)),
    humanize1024: (v) => humanize1024(toFloat(v)),
    humanizeDuration: (v) => humanizeDuration(toFloat(v)),
    humanizePercentage: (v) => `${g4(toFloat(v) * 100)}%`,
    humanizeTimestamp: (v) => humanizeTimestamp(toFloat(v)),
    toUpper: (s) => str(s, 'toUpper').toUpperCase(),
    toLower: (s) => str(s, 'toLower').toLowerCase(),
    title: (s) => goTitle(str(s, 'title')),
    match: (pattern, text) => reMatch(str(pattern, 'match'), str(text, 'match')),
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
  return new Map([...builtinFunctions(RULE_VALUE_MODEL), ...Object.entries(fns)]);
}

export const TEMPLATE_FUNCTION_NAMES: ReadonlySet<string> = new Set(templateFunctions({ externalURL: '' }).keys());
