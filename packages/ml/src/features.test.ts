import { promql } from '@vigil/core';
import { batches, gridWindow } from './features';

const at = 1_763_800_000_000;

describe('feature windows', () => {
  it('step-holds the latest sample at each grid instant, ending at `at`', () => {
    const samples = Array.from({ length: 41 }, (_, i) => ({ t: at - 600_000 + i * 15_000, v: i }));
    const w = gridWindow(samples, at, 600_000, 10);
    expect(w.times).toEqual(Array.from({ length: 10 }, (_, i) => at - 600_000 + (i + 1) * 60_000));
    expect(w.values).toEqual([4, 8, 12, 16, 20, 24, 28, 32, 36, 40]);
  });

  it('leaves out instants whose latest sample is stale or a staleness marker', () => {
    const samples = [
      { t: at - 3_600_000, v: 1 },
      { t: at - 600_000, v: 2 },
      { t: at - 120_000, v: promql.STALE_NAN },
    ];
    const w = gridWindow(samples, at, 3_600_000, 6);
    // Instants at -50m..-20m see the -60m sample (older than 5 minutes, stale); -10m sees 2; 0 sees the marker.
    expect(w.values).toEqual([2]);
    expect(w.times).toEqual([at - 600_000]);
  });

  it('batches windows by length, centred on their mean, times in seconds before `at`', () => {
    const items = [
      { id: 'a', window: { times: [at - 2000, at - 1000, at], values: [1e9, 1e9 + 1, 1e9 + 2] } },
      { id: 'b', window: { times: [at - 1000, at], values: [5, 7] } },
      { id: 'c', window: { times: [at - 2000, at - 1000, at], values: [3, 3, 3] } },
    ];
    const out = batches(items, at);
    expect(out.map((b) => [b.n, b.items.map((i) => i.id)])).toEqual([
      [2, ['b']],
      [3, ['a', 'c']],
    ]);
    const three = out[1]!;
    expect(three.offsets).toEqual([1e9 + 1, 3]);
    // Centred in float64 first, so the 1-unit steps of a 1e9 counter survive float32.
    expect(Array.from(three.values.data)).toEqual([-1, 0, 1, 0, 0, 0]);
    expect(Array.from(three.times.data)).toEqual([-2, -1, 0, -2, -1, 0]);
    expect(three.values.dims).toEqual([2, 3]);
  });
});
