import { formatDuration, parseDuration } from './duration';

describe('parseDuration', () => {
  it.each([
    ['0', 0],
    ['0s', 0],
    ['10s', 10_000],
    ['5m', 300_000],
    ['1h30m', 5_400_000],
    ['1d', 86_400_000],
    ['1w', 604_800_000],
    ['1y', 31_536_000_000],
    ['250ms', 250],
    ['1m500ms', 60_500],
    ['2h0m', 7_200_000],
    ['1y2w3d4h5m6s7ms', 31_536_000_000 + 2 * 604_800_000 + 3 * 86_400_000 + 4 * 3_600_000 + 5 * 60_000 + 6_000 + 7],
  ])('%s is %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', '30', '1.5h', '5M', 'm', '1m1h', '1s1s', '-1s', ' 5m', '5m ', '1hh', '10ms5s', '1 h'])('refuses %j', (text) => {
    expect(() => parseDuration(text)).toThrow();
  });

  it('uses Prometheus wording', () => {
    expect(() => parseDuration('')).toThrow('empty duration string');
    expect(() => parseDuration('30')).toThrow('not a valid duration string: "30"');
    expect(() => parseDuration('999999999999y')).toThrow('duration out of range');
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [250, '250ms'],
    [10_000, '10s'],
    [5_400_000, '1h30m'],
    [86_400_000, '1d'],
    [604_800_000, '1w'],
    [90 * 86_400_000, '90d'], // not 12w6d
    [31_536_000_000, '1y'],
    [61_001, '1m1s1ms'],
  ])('%d ms is %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it('round-trips', () => {
    for (const t of ['1h30m', '4h', '30s', '1w', '2y', '13d', '1d2h3m4s5ms']) expect(formatDuration(parseDuration(t))).toBe(t);
  });
});
