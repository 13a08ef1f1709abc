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
  it('does not depend on insertion order', () => {
    expect(fingerprint({ a: '1', b: '2' })).toBe(fingerprint({ b: '2', a: '1' }));
    expect(fingerprint({ a: '1', b: '2' })).not.toBe(fingerprint({ a: '2', b: '1' }));
  });
  it('is the empty-set offset basis for no labels', () => {
    expect(fingerprint({})).toBe('cbf29ce484222325');
  });
});
