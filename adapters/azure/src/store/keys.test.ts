import { randomInt } from 'node:crypto';
import { decodeKey, encodeKey, encodeKeyBytes, prefixSuccessor } from './keys';

/** Characters Table Storage refuses in PartitionKey and RowKey. */
const FORBIDDEN = /[/\\#?\u0000-\u001f\u007f-\u009f]/;

const byteOrder = (a: string, b: string) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));

/** Random keys drawn from the characters that matter: escapes, neighbours of escapes, multi-byte. */
function randomKey(): string {
  const alphabet = ['a', 'Z', '0', '#', '/', '\\', '?', '"', '$', '%', '.', '>', '[', ']', '~', '!', ' ', '\u0000', '\u0001', '\u007f', '\u0085', 'é', '✓', '😀', '\uffff', "'", '-', '_', ':', '}'];
  const n = randomInt(0, 8);
  let out = '';
  for (let i = 0; i < n; i++) out += alphabet[randomInt(0, alphabet.length)];
  return out;
}

describe('table key encoding', () => {
  it('round-trips every key and never emits a character Table Storage refuses', () => {
    const bad: string[] = [];
    for (let i = 0; i < 5000; i++) {
      const key = randomKey();
      const encoded = encodeKey(key);
      if (FORBIDDEN.test(encoded) || !/^[\x21-\x7e]*$/.test(encoded) || decodeKey(encoded) !== key) bad.push(key);
    }
    expect(bad).toEqual([]);
  });

  it('keeps readable keys readable', () => {
    expect(encodeKey('al#tenant-a#infra/node')).toBe('al"1tenant-a"1infra.1node');
    expect(encodeKey('cpu_usage:rate5m')).toBe('cpu_usage:rate5m');
    expect(encodeKey('é')).toBe('~c3~a9');
  });

  it('orders encodings exactly as the keys in UTF-8 byte order', () => {
    const misordered: [string, string][] = [];
    for (let i = 0; i < 20_000; i++) {
      const a = randomKey();
      const b = randomKey();
      const ea = encodeKey(a);
      const eb = encodeKey(b);
      if ((ea < eb ? -1 : ea > eb ? 1 : 0) !== Math.sign(byteOrder(a, b))) misordered.push([a, b]);
    }
    expect(misordered).toEqual([]);
  });

  it('encodes a prefix as a prefix, and the prefix successor bounds every extension', () => {
    const bad: string[] = [];
    for (let i = 0; i < 2000; i++) {
      const prefix = randomKey() || 'p';
      const key = prefix + randomKey();
      const end = prefixSuccessor(prefix);
      if (!encodeKey(key).startsWith(encodeKey(prefix)) || (end && !(encodeKey(key) < encodeKeyBytes(end)))) bad.push(key);
    }
    expect(bad).toEqual([]);
    expect(prefixSuccessor('a')).toEqual(Buffer.from('b'));
    expect(prefixSuccessor('a\u00ff')).toEqual(Buffer.from([0x61, 0xc3, 0xc0]));
  });

  it('refuses malformed encodings', () => {
    expect(() => decodeKey('!zz')).toThrow(/malformed/);
    expect(() => decodeKey('"9')).toThrow(/malformed/);
    expect(() => decodeKey('~4')).toThrow(/malformed/);
  });
});
