/**
 * Notification template functions: Go's text/template built-ins and Alertmanager's additions
 * (toUpper, toLower, title, join, safeHtml, reReplaceAll, match, stringSlice, trimSpace), plus
 * Prometheus's humanize family. Every regex is RE2 (re2js), compiled from user input safely.
 */
import { arity, builtinFunctions, formatFloat, goSprintf, goTitle, reMatch, reReplaceAll, SafeHtml, textOf, typeName, type TemplateFunction } from '../../gotemplate';
import { humanize, humanize1024, humanizeDuration } from '../../template/funcs';
import { AM_VALUE_MODEL, GoTime } from './values';

const str = (v: unknown, fn: string): string => {
  const text = textOf(v);
  if (text !== undefined) return text;
  throw new Error(`wrong type for value; expected string; got ${typeName(v, AM_VALUE_MODEL)} in call to ${fn}`);
};

const num = (v: unknown, fn: string): number => {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    // Prometheus's humanize functions accept strings holding numbers.
    const n = Number(v.trim());
    if (v.trim() !== '' && !Number.isNaN(n)) return n;
  }
  throw new Error(`wrong type for value; expected number; got ${typeName(v, AM_VALUE_MODEL)} in call to ${fn}`);
};

const stringList = (v: unknown, fn: string): string[] => {
  if (!Array.isArray(v)) throw new Error(`wrong type for value; expected []string; got ${typeName(v, AM_VALUE_MODEL)} in call to ${fn}`);
  return v.map((x) => str(x, fn));
};

const own: Record<string, TemplateFunction> = {
  // Alertmanager's template functions.
  toUpper: (...a) => (arity('toUpper', a, 1), str(a[0], 'toUpper').toUpperCase()),
  toLower: (...a) => (arity('toLower', a, 1), str(a[0], 'toLower').toLowerCase()),
  title: (...a) => (arity('title', a, 1), goTitle(str(a[0], 'title'))),
  trimSpace: (...a) => (arity('trimSpace', a, 1), str(a[0], 'trimSpace').trim()),
  join: (...a) => (arity('join', a, 2), stringList(a[1], 'join').join(str(a[0], 'join'))),
  safeHtml: (...a) => (arity('safeHtml', a, 1), new SafeHtml(str(a[0], 'safeHtml'))),
  match: (...a) => (arity('match', a, 2), reMatch(str(a[0], 'match'), str(a[1], 'match'))),
  reReplaceAll: (...a) => (arity('reReplaceAll', a, 3), reReplaceAll(str(a[0], 'reReplaceAll'), str(a[1], 'reReplaceAll'), str(a[2], 'reReplaceAll'))),
  stringSlice: (...a) => a.map((x) => str(x, 'stringSlice')),

  // Prometheus's humanize family.
  humanize: (...a) => (arity('humanize', a, 1), humanize(num(a[0], 'humanize'))),
  humanize1024: (...a) => (arity('humanize1024', a, 1), humanize1024(num(a[0], 'humanize1024'))),
  humanizeDuration: (...a) => (arity('humanizeDuration', a, 1), humanizeDuration(num(a[0], 'humanizeDuration'))),
  humanizePercentage: (...a) => (arity('humanizePercentage', a, 1), `${formatFloat(num(a[0], 'humanizePercentage') * 100, 'g', 4)}%`),
  humanizeTimestamp: (...a) => {
    arity('humanizeTimestamp', a, 1);
    const v = num(a[0], 'humanizeTimestamp');
    return Number.isFinite(v) ? new GoTime(Math.round(v * 1000)).String() : formatFloat(v, 'g', 4);
  },
};

/** Every function a notification template may call, by name. */
export const FUNCS: ReadonlyMap<string, TemplateFunction> = new Map([...builtinFunctions(AM_VALUE_MODEL), ...Object.entries(own)]);

/** Function names, for refusing unknown ones when a template is parsed (as Go does). */
export const FUNCTION_NAMES: ReadonlySet<string> = new Set(FUNCS.keys());

/** fmt.Sprintf over notification template values. */
export function sprintf(format: string, args: unknown[]): string {
  return goSprintf(format, args, AM_VALUE_MODEL);
}
