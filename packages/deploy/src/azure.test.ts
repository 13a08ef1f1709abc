import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { deploy } from './deploy';

/**
 * `vigil deploy --cloud azure --dry-run`: the Functions app package is really built, then
 * loaded in a fresh Node process. Without a Functions host the v4 library runs in test mode
 * and reports each `app.*` registration it skips, which is how the registrations are observed.
 */
const ROOT = join(__dirname, '..', '..', '..');

describe('vigil deploy --cloud azure --dry-run', () => {
  let lines: string[] = [];
  let artifacts: string[] = [];
  beforeAll(async () => {
    await deploy({ cloud: 'azure', stage: 'citest', region: 'westeurope', dryRun: true, root: ROOT }, (l) => lines.push(l));
    artifacts = lines.filter((l) => l.startsWith('artifact: ')).map((l) => l.slice(10));
  }, 180_000);

  it('builds the app package: bundle, host.json, package.json and a zip', () => {
    for (const suffix of ['dist/index.js', 'host.json', 'package.json', 'vigil-functions.zip']) {
      const a = artifacts.find((x) => x.endsWith(suffix));
      expect(a).toBeDefined();
      expect(existsSync(a!)).toBe(true);
    }
    const pkg = JSON.parse(readFileSync(artifacts.find((a) => a.endsWith('package.json'))!, 'utf8'));
    expect(pkg.main).toBe('dist/index.js');
    expect(JSON.parse(readFileSync(artifacts.find((a) => a.endsWith('host.json'))!, 'utf8')).version).toBe('2.0');
  });

  it('registers every function when the bundle is loaded', () => {
    const bundlePath = artifacts.find((a) => a.endsWith('dist/index.js'))!;
    const run = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(bundlePath)})`], { cwd: dirname(bundlePath), encoding: 'utf8' });
    expect(run.status).toBe(0);
    const out = run.stdout + run.stderr;
    const registered = [...out.matchAll(/register function "([^"]+)"/g)].map((m) => m[1]);
    expect(registered.sort()).toEqual(['api', 'drift-detect', 'evaluate', 'evaluate-schedule', 'heal', 'ingest', 'notify', 'predict', 'store-sweep']);
  });

  it('ships ONNX Runtime with the linux/x64 binary only and the models, inside the zip too', () => {
    const app = dirname(artifacts.find((a) => a.endsWith('host.json'))!);
    const zip = artifacts.find((a) => a.endsWith('vigil-functions.zip'))!;
    const entries = spawnSync('unzip', ['-Z1', zip], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }).stdout.split('\n');
    const binaries = entries.filter((e) => /onnxruntime-node\/bin\/.+\.(node|so[.\d]*)$/.test(e));
    expect(binaries.map((e) => e.replace(/napi-v\d+/, 'napi')).sort()).toEqual([
      'node_modules/onnxruntime-node/bin/napi/linux/x64/libonnxruntime.so.1',
      'node_modules/onnxruntime-node/bin/napi/linux/x64/onnxruntime_binding.node',
    ]);
    expect(entries).toEqual(expect.arrayContaining(['models/linear-trend.onnx', 'models/robust-z.onnx', 'node_modules/onnxruntime-common/package.json']));
    expect(existsSync(join(app, 'models', 'robust-z.onnx'))).toBe(true);
  });

  it('prints every command, and the publish falls back to zip deploy without func', () => {
    const text = lines.join('\n');
    expect(text).toContain('az group create --name vigil-citest --location westeurope');
    expect(text).toContain('az functionapp create --name vigil-citest');
    expect(text).toContain('--runtime-version 22 --functions-version 4');
    expect(text).toMatch(/func azure functionapp publish vigil-citest .* az functionapp deployment source config-zip/);
    for (const q of ['ingest', 'evaluate', 'notify', 'heal']) expect(text).toContain(`--name vigil-${q}`);
    expect(lines.at(-1)).toMatch(/dry run: nothing was sent to azure/);
  });
});

describe('vigil deploy prerequisites', () => {
  it('refuses bad arguments with one clear line', async () => {
    const { main } = await import('./main');
    const errors: string[] = [];
    const spy = jest.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => {
      errors.push(String(s));
      return true;
    });
    try {
      expect(await main(['--cloud', 'openstack'])).toBe(2);
      expect(await main(['--cloud', 'aws', '--stage', 'Bad Stage'])).toBe(2);
    } finally {
      spy.mockRestore();
    }
    expect(errors[0]).toMatch(/--cloud must be aws, gcp or azure/);
    expect(errors[1]).toMatch(/--stage must be lowercase/);
  });

  it('says what to install when a CLI is missing (without touching a cloud)', async () => {
    const lines: string[] = [];
    const path = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      await expect(deploy({ cloud: 'azure', stage: 'x', dryRun: false, root: ROOT }, (l) => lines.push(l))).rejects.toThrow(/az not found: install the Azure CLI/);
    } finally {
      process.env.PATH = path;
    }
  });
});
