import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addOnnxRuntime, listFiles, type LambdaArchitecture } from './onnx-runtime';

/**
 * ONNX Runtime in the predict function's package: the binary of the chosen architecture and no
 * other, the models, and a layout that loads on its own.
 */
const ROOT = join(__dirname, '..', '..', '..');
const MODELS = ['linear-trend.onnx', 'robust-z.onnx'];

describe('ONNX Runtime in the predict package', () => {
  const dirs: string[] = [];
  const fresh = () => {
    const d = mkdtempSync(join(tmpdir(), 'vigil-onnx-'));
    dirs.push(d);
    return d;
  };
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('carries the linux/arm64 binary only, onnxruntime-common and the models', () => {
    const dir = fresh();
    addOnnxRuntime(ROOT, dir, 'arm64');
    const files = listFiles(dir);
    const binaries = files.filter((f) => f.includes('/bin/'));
    expect(binaries.map((f) => f.replace(/napi-v\d+/, 'napi'))).toEqual([
      'node_modules/onnxruntime-node/bin/napi/linux/arm64/libonnxruntime.so.1',
      'node_modules/onnxruntime-node/bin/napi/linux/arm64/onnxruntime_binding.node',
    ]);
    // An ELF shared object for AArch64 (e_machine 183), not some other build under that name.
    const binding = readFileSync(join(dir, binaries[1]!));
    expect(binding.subarray(0, 4).toString('latin1')).toBe('\x7fELF');
    expect(binding.readUInt16LE(18)).toBe(183);
    expect(files).toEqual(expect.arrayContaining(['node_modules/onnxruntime-node/dist/index.js', 'node_modules/onnxruntime-common/package.json']));
    expect(files.filter((f) => f.startsWith('packages/'))).toEqual(MODELS.map((m) => `packages/ml/models/${m}`));
    for (const m of MODELS) expect(readFileSync(join(dir, 'packages', 'ml', 'models', m))).toEqual(readFileSync(join(ROOT, 'packages', 'ml', 'models', m)));
    const bytes = files.reduce((sum, f) => sum + statSync(join(dir, f)).size, 0);
    // Lambda's limit is 250 MB unzipped for a function and its layers together.
    expect(bytes).toBeLessThan(60 * 1024 * 1024);
  });

  it('loads ONNX Runtime by name and every model from the package alone, for the architecture of this machine', () => {
    const arch: LambdaArchitecture = process.arch === 'arm64' ? 'arm64' : 'x86_64';
    const dir = fresh();
    addOnnxRuntime(ROOT, dir, arch);
    // As the bundle does on Lambda from /var/task/index.js: the package by name, nothing from the repository.
    writeFileSync(
      join(dir, 'index.js'),
      `const ort = require('onnxruntime-node');
(async () => {
  const names = [];
  for (const m of ${JSON.stringify(MODELS)}) {
    const s = await ort.InferenceSession.create(__dirname + '/packages/ml/models/' + m);
    names.push(m + ':' + s.inputNames.length + '>' + s.outputNames.length);
  }
  process.stdout.write(JSON.stringify(names));
})().catch((e) => { console.error(e); process.exit(1); });`,
    );
    const run = spawnSync(process.execPath, [join(dir, 'index.js')], { cwd: dir, encoding: 'utf8', env: { PATH: process.env.PATH, NODE_PATH: '' } });
    expect(run.stderr).toBe('');
    const loaded = JSON.parse(run.stdout) as string[];
    expect(loaded.map((l) => l.split(':')[0])).toEqual(MODELS);
    for (const l of loaded) expect(l).toMatch(/:[1-9]\d*>[1-9]\d*$/);
  }, 60_000);
});
