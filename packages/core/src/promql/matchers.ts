import type { RE2JS } from 're2js';
import { re2js } from '../re2';
import type { Labels } from '../model/labels';
import type { LabelMatcher } from './ast';

/**
 * Label matchers. Regexes are RE2 (linear time, via re2js): JavaScript's backtracking RegExp
 * would let a pattern like (a+)+b stall the event loop, so it is never used for user patterns.
 */

export class RegexSyntaxError extends Error {
  constructor(
    message: string,
    readonly pattern: string,
  ) {
    super(message);
    this.name = 'RegexSyntaxError';
  }
}

const REGEX_CACHE_MAX = 1000;
const regexCache = new Map<string, RE2JS>();

function explain(pattern: string, raw: string): string {
  const message = raw.replace(/^error parsing regexp: /, '');
  if (/\(\?<?[=!]/.test(pattern)) {
    return `${message} (lookaround assertions are not supported: label regexes use RE2 syntax)`;
  }
  if (/\\[1-9]/.test(pattern)) {
    return `${message} (backreferences are not supported: label regexes use RE2 syntax)`;
  }
  return message;
}

/**
 * Compiles a label-matcher regex as Prometheus does: the pattern must be valid on its own (so
 * `a)|(b` cannot escape the wrapping group), then it is anchored at both ends as Prometheus 2.42
 * does, `^(?:pattern)$`, so `.` does not match a newline (Prometheus 3 changed that). Throws
 * RegexSyntaxError with RE2's reason.
 */
export function compileRegex(pattern: string): RE2JS {
  const cached = regexCache.get(pattern);
  if (cached) {
    // Re-insert so the Map's insertion order approximates recency for eviction.
    regexCache.delete(pattern);
    regexCache.set(pattern, cached);
    return cached;
  }
  let re: RE2JS;
  try {
    re2js().RE2JS.compile(pattern);
    re = re2js().RE2JS.compile(`^(?:${pattern})$`);
  } catch (err) {
    throw new RegexSyntaxError(explain(pattern, (err as Error).message), pattern);
  }
  if (regexCache.size >= REGEX_CACHE_MAX) {
    const oldest = regexCache.keys().next().value;
    if (oldest !== undefined) regexCache.delete(oldest);
  }
  regexCache.set(pattern, re);
  return re;
}

/** RE2's reason a pattern is invalid, or null when it compiles. */
export function regexError(pattern: string): string | null {
  try {
    compileRegex(pattern);
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}

export type MatchFn = (value: string | undefined) => boolean;

const compiled = new WeakMap<LabelMatcher, MatchFn>();

/** A predicate over one label value; a missing label matches as the empty string. */
export function compileMatcher(m: LabelMatcher): MatchFn {
  const hit = compiled.get(m);
  if (hit) return hit;
  const expected = m.value;
  let fn: MatchFn;
  switch (m.type) {
    case '=':
      fn = (v) => (v ?? '') === expected;
      break;
    case '!=':
      fn = (v) => (v ?? '') !== expected;
      break;
    case '=~': {
      const re = compileRegex(expected);
      fn = (v) => re.matches(v ?? '');
      break;
    }
    case '!~': {
      const re = compileRegex(expected);
      fn = (v) => !re.matches(v ?? '');
      break;
    }
    default:
      throw new Error(`unknown match type ${String((m as { type: unknown }).type)}`);
  }
  compiled.set(m, fn);
  return fn;
}

/** A label's value; own properties only, so names like `constructor` never reach the prototype. */
export function labelValue(labels: Labels, name: string): string | undefined {
  return Object.prototype.hasOwnProperty.call(labels, name) ? labels[name] : undefined;
}

/** True when the label set satisfies every matcher. */
export function matchesAll(labels: Labels, matchers: readonly LabelMatcher[]): boolean {
  for (const m of matchers) {
    if (!compileMatcher(m)(labelValue(labels, m.name))) return false;
  }
  return true;
}
