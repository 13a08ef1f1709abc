import { decodeChunk, encodeChunk } from './chunk';

describe('chunk codec', () => {
  it('round-trips regular, irregular and special values', () => {
    const samples = [
      { t: 1_763_800_000_000, v: 1 },
      { t: 1_763_800_015_000, v: 1 },
      { t: 1_763_800_030_000, v: 93.5 },
      { t: 1_763_800_031_234, v: -0 },
      { t: 1_763_800_100_000, v: Number.NaN },
      { t: 1_763_800_200_000, v: Number.POSITIVE_INFINITY },
      { t: 1_763_800_200_001, v: 1e-300 },
    ];
    const decoded = decodeChunk(encodeChunk(samples));
    expect(decoded).toHaveLength(samples.length);
    decoded.forEach((d, i) => {
      expect(d.t).toBe(samples[i]!.t);
      expect(Object.is(d.v, samples[i]!.v)).toBe(true);
    });
  });
  it('keeps the exact NaN bit pattern of stale markers', () => {
    const view = new DataView(new ArrayBuffer(8));
    view.setBigUint64(0, 0x7ff0000000000002n);
    const stale = view.getFloat64(0);
    const [d] = decodeChunk(encodeChunk([{ t: 5, v: stale }]));
    view.setFloat64(0, d!.v);
    expect(view.getBigUint64(0)).toBe(0x7ff0000000000002n);
  });
  it('is compact for regular scrapes of a steady gauge', () => {
    const samples = Array.from({ length: 240 }, (_, i) => ({ t: 1_763_800_000_000 + i * 15_000, v: 42 }));
    const bytes = Buffer.from(encodeChunk(samples), 'base64').length;
    expect(bytes).toBeLessThan(240 * 3);
    expect(decodeChunk(encodeChunk(samples))).toEqual(samples);
  });
  it('rejects truncated data', () => {
    const enc = Buffer.from(encodeChunk([{ t: 1, v: 2 }, { t: 3, v: 4 }]), 'base64');
    expect(() => decodeChunk(enc.subarray(0, enc.length - 3).toString('base64'))).toThrow(/truncated/);
  });
});
