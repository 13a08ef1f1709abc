/** @jest-environment ./packages/ml/jest/onnx-environment.js */
import { join } from 'node:path';
import { ModelContractError } from '@vigil/core';
import { DEFAULT_MODELS, defaultModelsDir, ModelRegistry } from './registry';
import { OnnxModelRunner } from './runner';

describe('OnnxModelRunner', () => {
  it('checks inputs against the contract before loading the runtime', async () => {
    let loads = 0;
    const runner = new OnnxModelRunner({
      loadRuntime: async () => {
        loads++;
        throw new Error('not expected');
      },
    });
    const bad = [
      [{}, /missing input "window"/],
      [{ window: { data: new Float32Array(6), dims: [6] } }, /has 1 dimensions/],
      [{ window: { data: new Float32Array(5), dims: [2, 3] } }, /has 5 values/],
      [{ window: { data: new Float32Array(0), dims: [0, 3] } }, /dimension 0 is 0/],
    ] as const;
    for (const [inputs, message] of bad) await expect(runner.run('robust-z', inputs as never)).rejects.toThrow(message);
    await expect(runner.run('no-such-model', {})).rejects.toThrow(ModelContractError);
    const forecast = { values: { data: new Float32Array(6), dims: [2, 3] }, times: { data: new Float32Array(8), dims: [2, 4] }, horizon: { data: new Float32Array(2), dims: [2, 1] } };
    await expect(runner.run('linear-trend', forecast)).rejects.toThrow(/\(n\) is 4, another input has 3/);
    expect(loads).toBe(0);
  });

  it('reports a runtime that cannot be loaded, and tries again on the next call', async () => {
    let loads = 0;
    const runner = new OnnxModelRunner({
      loadRuntime: async () => {
        loads++;
        throw new Error('no binary for this platform');
      },
    });
    const inputs = { window: { data: new Float32Array(3), dims: [1, 3] } };
    await expect(runner.run('robust-z', inputs)).rejects.toThrow(/onnxruntime-node could not be loaded.*no binary/);
    await expect(runner.run('robust-z', inputs)).rejects.toThrow(/could not be loaded/);
    expect(loads).toBe(2);
  });

  it('a registered model must keep its kind’s contract and name an existing file', () => {
    const registry = new ModelRegistry();
    expect(() => registry.register({ ...DEFAULT_MODELS[0]!, name: 'mine', inputs: [{ name: 'x', dims: ['batch', 'n'] }] })).toThrow(/needs the input tensor "window"/);
    expect(() => registry.register({ ...DEFAULT_MODELS[0]!, name: 'Bad Name' })).toThrow(/model name/);
    registry.register({ ...DEFAULT_MODELS[0]!, name: 'elsewhere', file: '/nonexistent/model.onnx' });
    expect(() => registry.path(registry.get('elsewhere'))).toThrow(/does not exist/);
  });

  it('runs a model brought by the user (a registered file) through onnxruntime-node', async () => {
    const registry = new ModelRegistry();
    registry.register({ ...DEFAULT_MODELS[0]!, name: 'my-anomaly', file: join(defaultModelsDir(), 'robust-z.onnx'), outputs: [{ name: 'score', dims: ['batch', 1] }] });
    const runner = new OnnxModelRunner({ registry });
    const out = await runner.run('my-anomaly', { window: { data: Float32Array.from([1, 1, 2, 1, 9]), dims: [1, 5] } });
    expect(Object.keys(out)).toEqual(['score']);
    expect(out.score!.data[0]).toBeGreaterThan(0.99);
    await runner.close();
  });
});
