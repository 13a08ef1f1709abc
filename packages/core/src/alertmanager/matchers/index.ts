/**
 * Alertmanager label matchers (`alertname="X"`, `severity=~"crit|warn"`, `a!=b`, `{a="b",c!~"d"}`)
 * with the parsing rules of Alertmanager 0.25 (pkg/labels/parse.go) and RE2 regex semantics.
 *
 * User regexes go through re2js only: JavaScript's RegExp backtracks and a pattern such as
 * `(a+)+b` would stall the event loop.
 */
import type { RE2JS } from 're2js';
import { re2js } from '../../re2';
import type { Labels } from '../../model/labels';
import { compareGoStrings, goQuote } from './goquote';

export { compareGoStrings, goQuote } from './goquote';

export type MatchType = '=' | '!=' | '=~' | '!~';

export interface Matcher {
  name: string;
  type: MatchType;
  value: string;
}

/** A matcher ready to test label values; regexes are compiled once. */
export interface CompiledMatcher extends Matcher {
  matches(value: string): boolean;
}

export class MatcherError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MatcherError';
  }
}

/** Go's regexp `\s`. */
function isSpace(c: string | undefined): boolean {
  return c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f';
}

function isNameStart(c: string): boolean {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_' || c === ':';
}

function isNameChar(c: string): boolean {
  return isNameStart(c) || (c >= '0' && c <= '9');
}

/**
 * Compiles `^(?:pattern)$` with RE2 semantics. Throws MatcherError carrying RE2's message, which
 * names the offending fragment (e.g. "invalid or unsupported Perl syntax: `(?=`").
 */
export function compileAnchoredRegex(pattern: string): RE2JS {
  try {
    return re2js().RE2JS.compile(`^(?:${pattern})$`);
  } catch (err) {
    throw new MatcherError((err as Error).message);
  }
}

/** Builds a matcher after checking its regex, like labels.NewMatcher. */
export function compileMatcher(m: Matcher): CompiledMatcher {
  const { name, type, value } = m;
  switch (type) {
    case '=':
      return { name, type, value, matches: (v) => v === value };
    case '!=':
      return { name, type, value, matches: (v) => v !== value };
    case '=~': {
      const re = compileAnchoredRegex(value);
      return { name, type, value, matches: (v) => re.test(v) };
    }
    case '!~': {
      const re = compileAnchoredRegex(value);
      return { name, type, value, matches: (v) => !re.test(v) };
    }
    default:
      throw new MatcherError(`unknown match type ${String(type)}`);
  }
}

/**
 * Parses one matcher. Values may be quoted or bare; inside, `\"`, `\\` and `\n` are escapes and
 * any other backslash is literal (Alertmanager's lenient rule). Regexes are compiled to check them.
 */
export function parseMatcher(text: string): CompiledMatcher {
  const bad = () => new MatcherError(`bad matcher format: ${text}`);
  let i = 0;
  while (isSpace(text[i])) i++;
  const nameStart = i;
  if (i >= text.length || !isNameStart(text[i]!)) throw bad();
  while (i < text.length && isNameChar(text[i]!)) i++;
  const name = text.slice(nameStart, i);
  while (isSpace(text[i])) i++;
  let type: MatchType;
  const two = text.slice(i, i + 2);
  if (two === '=~' || two === '!=' || two === '!~') type = two;
  else if (text[i] === '=') type = '=';
  else throw bad();
  i += type.length;
  while (isSpace(text[i])) i++;
  let end = text.length;
  while (end > i && isSpace(text[end - 1])) end--;
  const raw = text.slice(i, end);

  let body = raw;
  let expectTrailingQuote = false;
  if (body.startsWith('"')) {
    body = body.slice(1);
    expectTrailingQuote = true;
  }
  let value = '';
  let escaped = false;
  for (let k = 0; k < body.length; k++) {
    const c = body[k]!;
    if (escaped) {
      escaped = false;
      if (c === 'n') value += '\n';
      else if (c === '"' || c === '\\') value += c;
      else value += '\\' + c; // a spurious escape keeps its backslash
      continue;
    }
    if (c === '\\') {
      if (k < body.length - 1) escaped = true;
      else value += '\\';
    } else if (c === '"') {
      if (!expectTrailingQuote || k < body.length - 1) {
        throw new MatcherError(`matcher value contains unescaped double quote: ${raw}`);
      }
      expectTrailingQuote = false;
    } else {
      value += c;
    }
  }
  if (expectTrailingQuote) throw new MatcherError(`matcher value contains unescaped double quote: ${raw}`);
  return compileMatcher({ name, type, value });
}

/**
 * Parses a comma-separated list, optionally wrapped in `{...}` (amtool's form). Commas inside
 * quoted values do not split. An empty string yields no matchers.
 */
export function parseMatchers(text: string): CompiledMatcher[] {
  let s = text.startsWith('{') ? text.slice(1) : text;
  if (s.endsWith('}')) s = s.slice(0, -1);
  const tokens: string[] = [];
  let insideQuotes = false;
  let escaped = false;
  let token = '';
  for (const c of s) {
    if (c === ',' && !insideQuotes) {
      tokens.push(token);
      token = '';
      continue;
    }
    if (c === '"') {
      if (!escaped) insideQuotes = !insideQuotes;
      else escaped = false;
    } else if (c === '\\') {
      escaped = !escaped;
    } else {
      escaped = false;
    }
    token += c;
  }
  if (token.trim() !== '') tokens.push(token.trim());
  return tokens.map(parseMatcher);
}

/** `name="value"` with Go quoting, as Alertmanager prints a matcher. */
export function matcherToString(m: Matcher): string {
  return `${m.name}${m.type}${goQuote(m.value)}`;
}

/** `{a="1",b=~"2"}` — no spaces, in the order given; used in route keys. */
export function matchersToString(ms: ReadonlyArray<Matcher>): string {
  return `{${ms.map(matcherToString).join(',')}}`;
}

const TYPE_ORDER: Record<MatchType, number> = { '=': 0, '!=': 1, '=~': 2, '!~': 3 };

/** Alertmanager's matcher order: by name, then value, then type. Route keys depend on it. */
export function compareMatchers(a: Matcher, b: Matcher): number {
  if (a.name !== b.name) return compareGoStrings(a.name, b.name);
  if (a.value !== b.value) return compareGoStrings(a.value, b.value);
  return TYPE_ORDER[a.type] - TYPE_ORDER[b.type];
}

export function sortMatchers<T extends Matcher>(ms: ReadonlyArray<T>): T[] {
  return [...ms].sort(compareMatchers);
}

/** All matchers hold; a missing label reads as the empty string, as in Alertmanager. */
export function matchesLabels(ms: ReadonlyArray<CompiledMatcher>, labels: Labels): boolean {
  return ms.every((m) => m.matches(labels[m.name] ?? ''));
}
