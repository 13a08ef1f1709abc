import { expandTemplate } from './functions';
import { bucketQuantile } from './histogram';
import { labelsKey } from './labelset';
import { civilTime, formatFloatF, formatFloatG, frexp, GoHeap, goLog2, kahanSumInc, parseGoFloat, quantile } from './numeric';

describe('Go numeric behaviour', () => {
  it('frexp splits into a fraction in [0.5, 1) and an exponent', () => {
    expect(frexp(8)).toEqual([0.5, 4]);
    expect(frexp(-3)).toEqual([-0.75, 2]);
    expect(frexp(5e-324)).toEqual([0.5, -1073]);
    expect(goLog2(1024)).toBe(10);
  });

  it('formats floats as strconv.FormatFloat(v, "f", -1, 64)', () => {
    expect([1e21, 1e-7, 0.1, -0, 123.456, Infinity, -Infinity, NaN, 5e-324].map(formatFloatF)).toEqual([
      '1000000000000000000000',
      '0.0000001',
      '0.1',
      '-0',
      '123.456',
      '+Inf',
      '-Inf',
      'NaN',
      '0.' + '0'.repeat(323) + '5',
    ]);
  });

  it('formats floats as the %v verb of Go does', () => {
    expect([1e30, 1234567, 123456, 0.0001, 0.00001, -1e19, 1.5, NaN, Infinity].map(formatFloatG)).toEqual([
      '1e+30', '1.234567e+06', '123456', '0.0001', '1e-05', '-1e+19', '1.5', 'NaN', '+Inf',
    ]);
  });

  it('parses bucket bounds as strconv.ParseFloat', () => {
    expect(['+Inf', 'inf', '-Infinity', '1e3', '.5', '5.', 'NaN'].map(parseGoFloat)).toEqual([Infinity, Infinity, -Infinity, 1000, 0.5, 5, NaN]);
    expect(['', 'abc', '1_000', ' 1', '0x10', '1e'].map(parseGoFloat)).toEqual([null, null, null, null, null, null]);
  });

  it('sums with Neumaier compensation', () => {
    let [s, c] = [0, 0];
    for (const v of [1e100, 1, -1e100]) [s, c] = kahanSumInc(v, s, c);
    expect(s + c).toBe(1);
  });

  it('gives calendar fields as Go does, including for NaN and out-of-range values', () => {
    expect(civilTime(951782400)).toMatchObject({ year: 2000, month: 2, day: 29, dayOfYear: 60, daysInMonth: 29, dayOfWeek: 2 });
    expect(civilTime(-1.5)).toMatchObject({ year: 1969, month: 12, day: 31, hour: 23, minute: 59 });
    expect(civilTime(NaN).year).toBe(292277026596);
  });

  it('pops the smallest element from the heap', () => {
    const h = new GoHeap<number>((a, b) => a < b);
    for (const v of [5, 1, 4, 2, 3]) h.push(v);
    expect([h.pop(), h.pop(), h.pop()]).toEqual([1, 2, 3]);
  });

  it('interpolates quantiles between ranks', () => {
    expect(quantile(0.5, [1, 2, 3, 4])).toBe(2.5);
    expect(quantile(0, [])).toBeNaN();
    expect(quantile(NaN, [1])).toBeNaN();
  });
});

describe('bucketQuantile', () => {
  const b = (...pairs: [number, number][]) => pairs.map(([upperBound, count]) => ({ upperBound, count }));
  it('interpolates within the bucket holding the rank', () => {
    expect(bucketQuantile(0.5, b([1, 2], [2, 4], [Infinity, 4]))).toBe(1);
    expect(bucketQuantile(0.75, b([1, 2], [2, 4], [Infinity, 4]))).toBe(1.5);
  });
  it('returns the highest finite bound when the rank falls in +Inf', () => {
    expect(bucketQuantile(0.99, b([1, 1], [2, 2], [Infinity, 10]))).toBe(2);
  });
  it('needs a +Inf bucket, two buckets and observations', () => {
    expect(bucketQuantile(0.5, b([1, 2], [2, 4]))).toBeNaN();
    expect(bucketQuantile(0.5, b([Infinity, 4]))).toBeNaN();
    expect(bucketQuantile(0.5, b([1, 0], [Infinity, 0]))).toBeNaN();
  });
  it('raises decreasing counts to keep the histogram monotonic, and merges equal bounds', () => {
    expect(bucketQuantile(0.5, b([1, 5], [2, 3], [Infinity, 8]))).toBe(bucketQuantile(0.5, b([1, 5], [2, 5], [Infinity, 8])));
    expect(bucketQuantile(0.5, b([1, 1], [1, 1], [Infinity, 4]))).toBe(1);
  });
  it('returns the first bound when the rank falls in a first bucket bounded at or below zero', () => {
    expect(bucketQuantile(0.1, b([-1, 1], [0, 2], [Infinity, 4]))).toBe(-1);
  });
  it('maps q outside [0, 1] to infinities and NaN to NaN', () => {
    expect([bucketQuantile(-1, b([Infinity, 1])), bucketQuantile(2, b([Infinity, 1])), bucketQuantile(NaN, b([Infinity, 1]))]).toEqual([-Infinity, Infinity, NaN]);
  });
});

describe('label_replace templates (Go Regexp.Expand)', () => {
  const groups: Record<string | number, string> = { 0: 'ab', 1: 'a', 2: 'b', name: 'N' };
  const g = (ref: number | string) => groups[ref] ?? '';
  it.each([
    ['$1', 'a'],
    ['${1}x', 'ax'],
    ['$1x', ''],
    ['$$1', '$1'],
    ['$name-$2', 'N-b'],
    ['${name}', 'N'],
    ['$', '$'],
    ['${1', '${1'],
    ['$01', ''],
    ['a$-b', 'a$-b'],
  ])('%s', (template, expected) => {
    expect(expandTemplate(template, g)).toBe(expected);
  });
});

describe('labelsKey', () => {
  it('ignores empty values and label order', () => {
    expect(labelsKey({ b: '2', a: '1', c: '' })).toBe(labelsKey({ a: '1', b: '2' }));
  });
  it('cannot be fooled by separators inside names or values', () => {
    const sets: Record<string, string>[] = [{ a: 'x\u0000b\u00011' }, { a: 'x', b: '1' }, { 'a\u0000x': '1' }, { a: '\u0002' }];
    const keys = sets.map((s) => labelsKey(s));
    expect(new Set(keys).size).toBe(keys.length);
  });
});
