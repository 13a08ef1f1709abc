import { driftStatistics, ks, ksCritical, psi, PSI_FLOOR, wasserstein } from './drift';
import { normal, seeded } from './testing';

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

describe('drift statistics', () => {
  it('PSI: equal samples are stable; a sample piled into half the reference bins is not (worked by hand)', () => {
    expect(psi(range(0, 100), range(0, 100))).toBeCloseTo(0, 12);
    // Reference 0..99: ten bins of 10% each. Current: 0..49 twice, so 20% in the lower five bins, none above.
    const expected = 5 * (0.2 - 0.1) * Math.log(0.2 / 0.1) + 5 * (PSI_FLOOR - 0.1) * Math.log(PSI_FLOOR / 0.1);
    expect(psi(range(0, 100), [...range(0, 50), ...range(0, 50)])).toBeCloseTo(expected, 10);
  });

  it('PSI: a reference full of ties merges its repeated bin edges', () => {
    const ref = [...Array(90).fill(0), ...range(1, 11)];
    expect(Number.isFinite(psi(ref, ref))).toBe(true);
    expect(psi(ref, ref)).toBeCloseTo(0, 12);
    expect(psi(ref, Array(100).fill(5))).toBeGreaterThan(1);
  });

  it('KS: the largest CDF gap, stepping past ties in both samples', () => {
    expect(ks(range(0, 100), range(0, 100))).toBe(0);
    expect(ks(range(0, 100), range(50, 150))).toBeCloseTo(0.5, 12);
    expect(ks(range(0, 10), range(100, 110))).toBe(1);
    expect(ks([1, 1, 1, 2], [1, 2, 2, 2])).toBeCloseTo(0.5, 12);
  });

  it('KS critical value at α = 0.01', () => {
    expect(ksCritical(100, 100)).toBeCloseTo(Math.sqrt(-Math.log(0.005) / 2) * Math.sqrt(0.02), 12);
    expect(ksCritical(100, 100)).toBeCloseTo(0.2302, 3);
  });

  it('Wasserstein: a shift by c costs c; unequal sizes integrate the CDF gap', () => {
    expect(wasserstein(range(0, 100), range(0, 100).map((x) => x + 5))).toBeCloseTo(5, 10);
    expect(wasserstein([0, 1], [0, 3])).toBeCloseTo(1, 12);
    expect(wasserstein([0, 0, 0, 4], [1])).toBeCloseTo(0.75 * 1 + 0.25 * 3, 12);
  });

  it('samples from one distribution score low, a shifted one high, on seeded data', () => {
    const g = normal(seeded(3));
    const a = Array.from({ length: 500 }, () => 50 + 5 * g());
    const b = Array.from({ length: 500 }, () => 50 + 5 * g());
    const shifted = Array.from({ length: 500 }, () => 60 + 5 * g());
    const same = driftStatistics(a, b);
    const moved = driftStatistics(a, shifted);
    expect(same.psi).toBeLessThan(0.1);
    expect(same.ks).toBeLessThan(ksCritical(500, 500));
    expect(same.wasserstein).toBeLessThan(1.5);
    expect(moved.psi).toBeGreaterThan(0.25);
    expect(moved.ks).toBeGreaterThan(ksCritical(500, 500));
    expect(moved.wasserstein).toBeGreaterThan(8);
  });

  it('empty or non-finite input gives NaN, not a false zero', () => {
    expect(psi([], [1])).toBeNaN();
    expect(ks([1], [])).toBeNaN();
    expect(wasserstein([NaN], [1])).toBeNaN();
  });
});
