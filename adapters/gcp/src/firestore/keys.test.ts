import { compareKeys, documentId, prefixUpperBound } from './keys';

describe('documentId', () => {
  it('never yields a reserved or path-breaking ID, and stays distinct per key', () => {
    const keys = ['.', '..', '__name__', '__x__', 'a/b', 'a%2Fb', '%', '/', 'plain', 'ünï 😀', 'al#tenant#group'];
    const ids = keys.map(documentId);
    for (const id of ids) {
      expect(id).not.toContain('/');
      expect(id).not.toMatch(/^__.*__$/);
      expect(['.', '..']).not.toContain(id);
      expect(Buffer.byteLength(id)).toBeLessThanOrEqual(1500);
    }
    expect(new Set(ids).size).toBe(keys.length);
    expect(documentId('a/b')).toBe('~a%2Fb');
    expect(documentId('a%2Fb')).toBe('~a%252Fb');
  });

  it('names a key too long for an ID by its hash', () => {
    const long = 'k'.repeat(1600);
    expect(documentId(long)).toMatch(/^#[0-9a-f]{64}$/);
    expect(documentId(long)).not.toBe(documentId(`${long}x`));
    expect(documentId('k'.repeat(1499))).toBe(`~${'k'.repeat(1499)}`);
  });
});

describe('prefixUpperBound', () => {
  const startsWith = (prefix: string, s: string) => {
    const end = prefixUpperBound(prefix);
    return compareKeys(s, prefix) >= 0 && (end === undefined || compareKeys(s, end) < 0);
  };

  it('bounds exactly the strings that start with the prefix, in UTF-8 byte order', () => {
    const samples = ['b', 'b#', 'b#1', 'b$', 'b\u{10FFFF}', 'c', 'a', 'é', 'é1', 'ê', '\uD7FF', '\uE000', '😀', '😀x', '😁'];
    for (const prefix of ['b', 'b#', 'é', '\uD7FF', '😀']) {
      for (const s of samples) expect([prefix, s, startsWith(prefix, s)]).toEqual([prefix, s, s.startsWith(prefix)]);
    }
  });

  it('skips the surrogate range and gives up only on all-U+10FFFF prefixes', () => {
    expect(prefixUpperBound('\uD7FF')).toBe('\uE000');
    expect(prefixUpperBound('a\u{10FFFF}')).toBe('b');
    expect(prefixUpperBound('\u{10FFFF}\u{10FFFF}')).toBeUndefined();
  });
});
