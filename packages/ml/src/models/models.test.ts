/** @jest-environment ./packages/ml/jest/onnx-environment.js */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { OnnxModelRunner } from '../runner';
import { defaultModelsDir } from '../registry';
import { normal, seeded } from '../testing';
import { BUILT_MODELS, erf, linearTrendReference, robustZReference } from '.';

/**
 * The shipped ONNX models run through onnxruntime-node and agree with the plain TypeScript
 * implementation of the same math, on seeded random windows of several shapes.
 */
describe('default ONNX models', () => {
  const runner = new OnnxModelRunner();
  afterAll(() => runner.close());

  it('ship exactly what the generator script builds', () => {
    for (const m of BUILT_MODELS) expect(Buffer.from(readFileSync(join(defaultModelsDir(), m.file))).equals(Buffer.from(m.build()))).toBe(true);
  });

  it('the erf reference matches known values', () => {
    expect(erf(0)).toBe(0);
    expect(erf(1)).toBeCloseTo(0.8427007929497149, 12);
    expect(erf(3 * Math.SQRT1_2)).toBeCloseTo(0.9973002039367398, 12);
    expect(erf(-0.5)).toBeCloseTo(-0.5204998778130465, 12);
    expect(erf(4)).toBeCloseTo(0.9999999845827421, 12);
  });

  it('robust-z: score and z agree with the reference for a batch of windows', async () => {
    const rand = seeded(7);
    const gauss = normal(rand);
    for (const n of [5, 12, 60]) {
      const rows = 40;
      const windows = Array.from({ length: rows }, (_, r) => {
        const w = Array.from({ length: n }, () => 10 + 2 * gauss());
        // Some rows end on a spike, some on an ordinary point.
        if (r % 3 === 0) w[n - 1] = 10 + (r % 7) * 3;
        return w;
      });
      const out = await runner.run('robust-z', { window: { data: Float32Array.from(windows.flat()), dims: [rows, n] } });
      expect(out.score!.dims).toEqual([rows, 1]);
      windows.forEach((w, r) => {
        const ref = robustZReference(Array.from(Float32Array.from(w)));
        expect(out.z!.data[r]).toBeCloseTo(ref.z, 3);
        expect(out.score!.data[r]).toBeCloseTo(ref.score, 5);
      });
    }
  });

  it('robust-z: a spike scores near 1, an ordinary point does not, a past spike does not mask a new one', async () => {
    const base = [10, 11, 9, 10, 12, 10, 9, 11, 10, 10];
    const cases = [
      [...base, 10.5],
      [...base, 30],
      [...base.slice(0, 5), 50, ...base.slice(6), 30],
    ];
    const out = await runner.run('robust-z', { window: { data: Float32Array.from(cases.flat()), dims: [3, 11] } });
    expect(out.score!.data[0]).toBeLessThan(0.5);
    expect(out.score!.data[1]).toBeGreaterThan(0.999);
    expect(out.score!.data[2]).toBeGreaterThan(0.999);
  });

  it('linear-trend: quantiles and slope agree with the reference', async () => {
    const rand = seeded(11);
    const gauss = normal(rand);
    for (const n of [3, 17, 60]) {
      const rows = 25;
      const vs: number[][] = [];
      const ts: number[][] = [];
      const hs: number[] = [];
      for (let r = 0; r < rows; r++) {
        const slope = (rand() - 0.5) * 0.2;
        const t = Array.from({ length: n }, (_, i) => -(n - 1 - i) * 60 - Math.floor(rand() * 10));
        vs.push(t.map((x) => slope * x + 3 * gauss()));
        ts.push(t);
        hs.push([900, 3600, 14_400][r % 3]!);
      }
      const out = await runner.run('linear-trend', {
        values: { data: Float32Array.from(vs.flat()), dims: [rows, n] },
        times: { data: Float32Array.from(ts.flat()), dims: [rows, n] },
        horizon: { data: Float32Array.from(hs), dims: [rows, 1] },
      });
      expect(out.max_quantiles!.dims).toEqual([rows, 9]);
      for (let r = 0; r < rows; r++) {
        const ref = linearTrendReference(Array.from(Float32Array.from(vs[r]!)), ts[r]!, hs[r]!);
        const scale = Math.max(1, ...ref.max.map(Math.abs));
        for (let q = 0; q < 9; q++) {
          expect(Math.abs(out.max_quantiles!.data[r * 9 + q]! - ref.max[q]!) / scale).toBeLessThan(1e-4);
          expect(Math.abs(out.min_quantiles!.data[r * 9 + q]! - ref.min[q]!) / scale).toBeLessThan(1e-4);
        }
        expect(out.slope!.data[r]).toBeCloseTo(ref.slope, 4);
      }
    }
  });

  it('linear-trend: a rising line forecasts its end point as the maximum and its start as the minimum', async () => {
    const t = [-300, -240, -180, -120, -60, 0];
    const v = t.map((x) => 100 + x / 60);
    v[2]! += 0.5;
    const out = await runner.run('linear-trend', {
      values: { data: Float32Array.from(v), dims: [1, 6] },
      times: { data: Float32Array.from(t), dims: [1, 6] },
      horizon: { data: Float32Array.from([3600]), dims: [1, 1] },
    });
    // Median of the max ≈ the line an hour ahead (+60), of the min ≈ the line now; the one bent
    // point tilts the fit a little, which an hour of extrapolation magnifies.
    expect(Math.abs(out.max_quantiles!.data[4]! - 160)).toBeLessThan(2);
    expect(Math.abs(out.min_quantiles!.data[4]! - 100)).toBeLessThan(1);
    const maxQ = Array.from(out.max_quantiles!.data);
    expect([...maxQ].sort((a, b) => a - b)).toEqual(maxQ);
  });
});
