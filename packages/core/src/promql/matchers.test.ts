import type { LabelMatcher, MatchType } from './ast';
import { compileMatcher, compileRegex, matchesAll, regexError, RegexSyntaxError } from './matchers';

const m = (type: MatchType, value: string, name = 'l'): LabelMatcher => ({ name, type, value });

describe('compileMatcher', () => {
  it('compares equality exactly and treats a missing label as ""', () => {
    const eq = compileMatcher(m('=', 'api'));
    expect(eq('api')).toBe(true);
    expect(eq('api2')).toBe(false);
    expect(eq(undefined)).toBe(false);
    expect(compileMatcher(m('=', ''))(undefined)).toBe(true);
    expect(compileMatcher(m('!=', 'api'))(undefined)).toBe(true);
    expect(compileMatcher(m('!=', ''))(undefined)).toBe(false);
  });

  it('anchors regexes at both ends', () => {
    const re = compileMatcher(m('=~', 'foo'));
    expect(re('foo')).toBe(true);
    expect(re('foobar')).toBe(false);
    expect(re('xfoo')).toBe(false);
    const alt = compileMatcher(m('=~', 'a|b'));
    expect(alt('a')).toBe(true);
    expect(alt('ab')).toBe(false);
    expect(compileMatcher(m('=~', 'foo.*'))('foobar')).toBe(true);
  });

  it('negates regexes with !~', () => {
    const re = compileMatcher(m('!~', '5..'));
    expect(re('500')).toBe(false);
    expect(re('200')).toBe(true);
    expect(re('5000')).toBe(true);
    expect(re(undefined)).toBe(true);
  });

  it('does not let . match newlines, as Prometheus 2.42 (checked with promtool)', () => {
    expect(compileMatcher(m('=~', 'a.b'))('a\nb')).toBe(false);
    expect(compileMatcher(m('=~', 'a\nb'))('a\nb')).toBe(true);
    expect(compileMatcher(m('=~', '(?s)a.b'))('a\nb')).toBe(true);
  });

  it('speaks RE2 syntax', () => {
    expect(compileMatcher(m('=~', '\\d+'))('123')).toBe(true);
    expect(compileMatcher(m('=~', '(?i)API'))('api')).toBe(true);
    expect(compileMatcher(m('=~', '[[:alpha:]]+'))('abc')).toBe(true);
    expect(compileMatcher(m('=~', '\\pL+'))('héllo')).toBe(true);
    expect(compileMatcher(m('=~', '.'))('😀')).toBe(true);
  });

  it('matches (a+)+b against 36 a-s without backtracking blow-up', () => {
    const re = compileMatcher(m('=~', '(a+)+b'));
    expect(re('a'.repeat(36))).toBe(false);
    expect(re(`${'a'.repeat(36)}b`)).toBe(true);
    expect(compileMatcher(m('!~', '(a|aa)+$'))(`${'a'.repeat(5000)}!`)).toBe(true);
  });

  it('refuses what RE2 refuses', () => {
    expect(() => compileMatcher(m('=~', '(a)\\1'))).toThrow(RegexSyntaxError);
    expect(() => compileMatcher(m('=~', '(?=a)'))).toThrow(/lookaround/);
    expect(() => compileMatcher(m('=~', 'a)|(b'))).toThrow(RegexSyntaxError);
    expect(regexError('[z-a]')).toMatch(/invalid character class range/);
    expect(regexError('ok.*')).toBeNull();
  });

  it('reuses compiled regexes', () => {
    expect(compileRegex('x+y')).toBe(compileRegex('x+y'));
  });
});

describe('matchesAll', () => {
  const labels = { __name__: 'http_requests_total', job: 'api', code: '500' };

  it('requires every matcher', () => {
    expect(matchesAll(labels, [m('=', 'http_requests_total', '__name__'), m('=~', '5..', 'code')])).toBe(true);
    expect(matchesAll(labels, [m('=', 'http_requests_total', '__name__'), m('!~', '5..', 'code')])).toBe(false);
    expect(matchesAll(labels, [m('=', '', 'instance')])).toBe(true);
    expect(matchesAll(labels, [])).toBe(true);
  });

  it('never reads label names from the object prototype', () => {
    expect(matchesAll(labels, [m('=', '', 'constructor')])).toBe(true);
    expect(matchesAll(labels, [m('=~', '.+', 'toString')])).toBe(false);
  });
});
