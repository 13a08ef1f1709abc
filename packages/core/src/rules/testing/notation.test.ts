import { isStaleMarker } from '../../promql';
import { NotationError, parseSeriesDescription, parseValues } from './notation';

const values = (text: string) => parseValues(text).map((v) => (v.omitted ? '_' : isStaleMarker(v.value) ? 'stale' : v.value));

describe('expanding notation (promtool 2.42)', () => {
  it('expands a+bxN and a-bxN into N+1 values', () => {
    expect(values('1+2x3')).toEqual([1, 3, 5, 7]);
    expect(values('10-3x2')).toEqual([10, 7, 4]);
    expect(values('-2x2')).toEqual([-2, -2, -2]);
    expect(values('5x0')).toEqual([5]);
  });
  it('adds the step in float64 one value at a time, as Go does', () => {
    expect(values('0+0.1x3')).toEqual([0, 0.1, 0.2, 0.30000000000000004]);
  });
  it('reads _ and _xN as N missing steps, and stale as a staleness marker', () => {
    expect(values('1 _ 2 _x3 stale 4')).toEqual([1, '_', 2, '_', '_', '_', 'stale', 4]);
    expect(values('stalex1')).toEqual(['stale', 'stale']);
  });
  it('reads 0x6 as 0 repeated, not as hexadecimal', () => {
    expect(values('0x6')).toEqual([0, 0, 0, 0, 0, 0, 0]);
  });
  it('reads Inf, NaN and exponents', () => {
    const v = values('Inf -Inf 1e3 .5');
    expect(v).toEqual([Infinity, -Infinity, 1000, 0.5]);
    expect(Number.isNaN(values('NaN')[0])).toBe(true);
  });
  it('refuses malformed items with their position', () => {
    expect(() => parseValues('1 2 3+')).toThrow(NotationError);
    expect(() => parseValues('1 2 abc')).toThrow(/unexpected "abc"/);
    try {
      parseValues('1 2 3+1');
    } catch (err) {
      expect((err as NotationError).position).toBe(4);
    }
  });
});

describe('series descriptions', () => {
  it('parses metric names and labels', () => {
    expect(parseSeriesDescription('up{job="api", instance="a:1"}')).toEqual({ __name__: 'up', job: 'api', instance: 'a:1' });
    expect(parseSeriesDescription('{__name__="up",job=\'x\'}')).toEqual({ __name__: 'up', job: 'x' });
    expect(parseSeriesDescription('{}')).toEqual({});
    expect(parseSeriesDescription('m{a="q\\"uote\\n"}')).toEqual({ __name__: 'm', a: 'q"uote\n' });
  });
  it('refuses matchers other than = and unterminated sets', () => {
    expect(() => parseSeriesDescription('up{job=~"a"}')).toThrow(/expected "="/);
    expect(() => parseSeriesDescription('up{job="a"')).toThrow(/unexpected end of input inside braces/);
    expect(() => parseSeriesDescription('up{job="a",job="b"}')).toThrow(/set twice/);
  });
});
