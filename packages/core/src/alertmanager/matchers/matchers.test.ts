import { compareGoStrings, goQuote, matchersToString, matchesLabels, parseMatcher, parseMatchers, sortMatchers } from '.';

const plain = (ms: Array<{ name: string; type: string; value: string }>) => ms.map(({ name, type, value }) => ({ name, type, value }));

describe('parseMatcher', () => {
  it.each([
    ['alertname="HighLatency"', 'alertname', '=', 'HighLatency'],
    ['severity=~"crit|warn"', 'severity', '=~', 'crit|warn'],
    ['a!=b', 'a', '!=', 'b'],
    ['a !~ "x.*"', 'a', '!~', 'x.*'],
    ['  job = node  ', 'job', '=', 'node'],
    ['foo=', 'foo', '=', ''],
    ['foo=""', 'foo', '=', ''],
    ['foo="a\\"b"', 'foo', '=', 'a"b'],
    ['foo="a\\\\b"', 'foo', '=', 'a\\b'],
    ['foo="a\\nb"', 'foo', '=', 'a\nb'],
    ['foo="a\\db"', 'foo', '=', 'a\\db'], // spurious escape keeps its backslash
    ['foo=a\\', 'foo', '=', 'a\\'],
    ['foo==bar', 'foo', '=', '=bar'],
    ['ns:metric="x"', 'ns:metric', '=', 'x'],
    ['foo="😀 ünï"', 'foo', '=', '😀 ünï'],
  ])('%s', (text, name, type, value) => {
    expect(plain([parseMatcher(text)])).toEqual([{ name, type, value }]);
  });

  it.each(['="x"', '1a="x"', 'foo', 'foo~"x"', 'foo="x', 'foo="x"y"', 'foo=x"', '', 'foo=~"(?=x)"', 'foo=~"(a"', 'foo!~"\\\\1(a)\\\\1"'])(
    'refuses %j',
    (text) => {
      expect(() => parseMatcher(text)).toThrow();
    },
  );

  it('reports RE2 refusals with the fragment', () => {
    expect(() => parseMatcher('a=~"(?=x)"')).toThrow(/\(\?=/);
  });
});

describe('parseMatchers', () => {
  it('reads the amtool {..} form and commas inside quotes', () => {
    expect(plain(parseMatchers('{a="b",c!~"d,e", f=g}'))).toEqual([
      { name: 'a', type: '=', value: 'b' },
      { name: 'c', type: '!~', value: 'd,e' },
      { name: 'f', type: '=', value: 'g' },
    ]);
  });
  it('handles escaped quotes when splitting', () => {
    expect(plain(parseMatchers('a="x\\",y",b=z'))).toEqual([
      { name: 'a', type: '=', value: 'x",y' },
      { name: 'b', type: '=', value: 'z' },
    ]);
  });
  it('yields nothing for an empty string and refuses an empty item', () => {
    expect(parseMatchers('')).toEqual([]);
    expect(parseMatchers('{}')).toEqual([]);
    expect(() => parseMatchers('a=b,,c=d')).toThrow('bad matcher format');
  });
});

describe('matching', () => {
  it('anchors regexes and treats missing labels as empty', () => {
    const [m] = parseMatchers('severity=~"crit|warn"');
    expect(m!.matches('crit')).toBe(true);
    expect(m!.matches('critical')).toBe(false);
    expect(m!.matches('xcrit')).toBe(false);
    expect(matchesLabels(parseMatchers('team!~".+"'), {})).toBe(true);
    expect(matchesLabels(parseMatchers('team=""'), { other: 'x' })).toBe(true);
    expect(matchesLabels(parseMatchers('a="1",b=~"2|3"'), { a: '1', b: '3' })).toBe(true);
    expect(matchesLabels(parseMatchers('a="1",b=~"2|3"'), { a: '1', b: '4' })).toBe(false);
  });

  it('runs catastrophic-backtracking patterns in linear time', () => {
    const [m] = parseMatchers('x=~"(a+)+b"');
    // With a backtracking engine this takes minutes; RE2 answers at once. No timing assertion.
    expect(m!.matches('a'.repeat(5000))).toBe(false);
    expect(m!.matches('a'.repeat(50) + 'b')).toBe(true);
  });

  it('uses RE2 semantics: dot does not match newline', () => {
    const [m] = parseMatchers('x=~"a.b"');
    expect(m!.matches('a\nb')).toBe(false);
    expect(m!.matches('a-b')).toBe(true);
  });
});

describe('printing and ordering', () => {
  it('prints with Go quoting', () => {
    expect(matchersToString(parseMatchers('b=~"x|y",a="q\\"t"'))).toBe('{b=~"x|y",a="q\\"t"}');
    expect(goQuote('tab\there')).toBe('"tab\\there"');
    expect(goQuote('\u0001\u007f')).toBe('"\\x01\\x7f"');
    expect(goQuote('naïve 😀')).toBe('"naïve 😀"');
    expect(goQuote('\u00a0\u200b')).toBe('"\\u00a0\\u200b"');
  });
  it('sorts by name, value, then type', () => {
    const sorted = sortMatchers(parseMatchers('b="1",a!="2",a="2",a="1"'));
    expect(matchersToString(sorted)).toBe('{a="1",a="2",a!="2",b="1"}');
  });
  it('compares strings in code-point order like Go', () => {
    expect(compareGoStrings('\uffff', '😀')).toBeLessThan(0); // JS `<` says the opposite
    expect(compareGoStrings('a', 'ab')).toBeLessThan(0);
    expect(compareGoStrings('b', 'a')).toBeGreaterThan(0);
  });
});
