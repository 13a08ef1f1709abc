/**
 * String functions that Prometheus and Alertmanager both give templates, with the same Go
 * semantics: `match` and `reReplaceAll` (Go's regexp, i.e. RE2, so a user's pattern runs in linear
 * time and never through JavaScript's backtracking RegExp), `title` (strings.Title).
 */
import type { RE2JS } from 're2js';
import { re2js } from '../re2';

const regexCache = new Map<string, RE2JS>();

/** An unanchored RE2 pattern; a bad one is refused with RE2's reason. */
export function compileRe2(pattern: string, fn: string): RE2JS {
  let re = regexCache.get(pattern);
  if (!re) {
    try {
      re = re2js().RE2JS.compile(pattern);
    } catch (err) {
      throw new Error(`${fn}: invalid regular expression ${JSON.stringify(pattern)}: ${(err as Error).message}`);
    }
    if (regexCache.size > 500) regexCache.clear();
    regexCache.set(pattern, re);
  }
  return re;
}

/** Go's Regexp.Expand: `$1`, `${1}`, `$name`, `${name}`, `$$`. */
function expandGo(template: string, groups: (string | null | undefined)[], named: Record<string, number>): string {
  return template.replace(/\$(\$|\{([A-Za-z0-9_]*)\}|([A-Za-z0-9_]+))/g, (_m, all: string, braced: string | undefined, bare: string | undefined) => {
    if (all === '$') return '$';
    const name = braced ?? bare ?? '';
    if (name === '') return '';
    const idx = /^\d+$/.test(name) ? Number(name) : named[name];
    if (idx === undefined) return '';
    return groups[idx] ?? '';
  });
}

/** regexp.MatchString. */
export function reMatch(pattern: string, text: string, fn = 'match'): boolean {
  return compileRe2(pattern, fn).matcher(text).find();
}

/** regexp.MustCompile(pattern).ReplaceAllString(text, repl). */
export function reReplaceAll(pattern: string, repl: string, text: string, fn = 'reReplaceAll'): string {
  const re = compileRe2(pattern, fn);
  const named = (re.namedGroups() ?? {}) as Record<string, number>;
  return re.matcher(text).replaceAll((...args: unknown[]) => expandGo(repl, args.slice(0, re.groupCount() + 1) as (string | null)[], named));
}

/** strings.Title: upper-cases the first letter of every word (letters, digits and _ form words). */
export function goTitle(s: string): string {
  let prevLetter = false;
  let out = '';
  for (const ch of s) {
    const isWordChar = /[\p{L}\p{N}_']/u.test(ch);
    out += !prevLetter && isWordChar ? ch.toUpperCase() : ch;
    prevLetter = isWordChar;
  }
  return out;
}
