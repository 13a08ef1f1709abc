import { fingerprint } from './fingerprint';

// Reference: BigInt FNV-1a 64 written straight from the definition.
function reference(labels: Record<string, string>): string {
  let h = 0xcbf29ce484222325n;
  const feed = (b: number) => {
    h ^= BigInt(b);
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  };
  for (const [k, v] of Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1))) {
    for (const b of Buffer.from(k)) feed(b);
    feed(0xff);
    for (const b of Buffer.from(v)) feed(b);
    feed(0xff);
  }
  return h.toString(16).padStart(16, '0');
}

describe('fingerprint', () => {
  it('matches FNV-1a 64 over sorted labels', () => {
    const cases: Record<string, string>[] = [
      {},
      { alertname: 'HighCPU' },
      { alertname: 'HighCPU', host: 'a', severity: 'page' },
      { z: 'ü€', a: '' },
    ];
    for (const c of cases) expect(fingerprint(c)).toBe(reference(c));
  });
  it('matches the reference on generated label sets: non-ASCII, surrogates, integer-like and similar names', () => {
    // A fixed-seed generator: the same cases on every run.
    let seed = 42;
    const next = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    const alphabet = ['a', 'b', 'Z', '_', '0', '9', ':', 'é', 'ß', '€', '日', '\u{1F600}', '\uD800', '\uDFFF', '\u0000', '\u007f', '\u0080', '\u07ff', '\u0800', '\uffff'];
    const text = () => Array.from({ length: next(12) }, () => alphabet[next(alphabet.length)]).join('');
    for (let i = 0; i < 500; i++) {
      const labels: Record<string, string> = {};
      const count = next(8);
      for (let k = 0; k < count; k++) labels[next(4) === 0 ? String(next(20)) : text()] = text();
      expect(fingerprint(labels)).toBe(reference(labels));
    }
  });
  it('does not depend on insertion order', () => {
    expect(fingerprint({ a: '1', b: '2' })).toBe(fingerprint({ b: '2', a: '1' }));
    expect(fingerprint({ a: '1', b: '2' })).not.toBe(fingerprint({ a: '2', b: '1' }));
  });
  it('is the empty-set offset basis for no labels', () => {
    expect(fingerprint({})).toBe('cbf29ce484222325');
  });
});
