import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Metafile } from 'esbuild';
import { bundle } from './bundle';
import { awsHandlerEntry, buildAwsFunction } from './lambda';

/**
 * The Lambda bundles as deployed (the CDK app builds them with buildAwsFunction, serverless.yml
 * with the same esbuild settings): they load without the AWS SDK, load it on the first call,
 * and behave as the source does — a malformed schedule input is refused with its field path.
 */
const ROOT = join(__dirname, '..', '..', '..');

/** Loads a bundle in a fresh process, calls its handler once, and reports what was loaded when. */
function loadAndCall(file: string, event: unknown) {
  const script = `
const sdk = () => Object.keys(require.cache).filter((k) => k.includes('/@aws-sdk/')).length;
const m = require(${JSON.stringify(file)});
const atInit = sdk();
Promise.resolve()
  .then(() => m.handler(${JSON.stringify(event)}, { getRemainingTimeInMillis: () => 30000 }))
  .then((result) => ({ result }), (err) => ({ error: String(err && err.message) }))
  .then((outcome) => process.stdout.write(JSON.stringify({ atInit, afterCall: sdk(), ...outcome })));`;
  const run = spawnSync(process.execPath, ['-e', script], {
    encoding: 'utf8',
    env: { ...process.env, AWS_REGION: 'us-east-1', VIGIL_TABLE: 't', VIGIL_LOG_LEVEL: 'error', VIGIL_API_KEY: '', NODE_OPTIONS: '' },
  });
  if (run.status !== 0) throw new Error(`the bundle failed: ${run.stderr}`);
  return JSON.parse(run.stdout) as { atInit: number; afterCall: number; result?: unknown; error?: string };
}

describe('AWS Lambda bundles', () => {
  let dir: string;
  beforeAll(() => {
    // Inside the repository, so the external SDK resolves from node_modules as from the runtime.
    mkdirSync(join(ROOT, 'dist'), { recursive: true });
    dir = mkdtempSync(join(ROOT, 'dist', 'lambda-test-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('loads the AWS SDK on the first call, not at init, and keeps the handler behaviour', async () => {
    const files = await buildAwsFunction(ROOT, 'schedule', join(dir, 'schedule'));
    expect(files.map((f) => f.slice(dir.length))).toEqual(['/schedule/index.js', '/schedule/index.js.map']);
    const refused = loadAndCall(files[0]!, { kind: 'nope' });
    expect(refused.atInit).toBe(0);
    expect(refused.error).toMatch(/event\.kind/);
    expect(refused.afterCall).toBeGreaterThan(0);
  }, 120_000);

  it('answers an empty SQS batch with no failures', async () => {
    const [file] = await buildAwsFunction(ROOT, 'ingest', join(dir, 'ingest'));
    expect(loadAndCall(file!, { Records: [] })).toMatchObject({ atInit: 0, result: { batchItemFailures: [] } });
  }, 120_000);

  it('loads the slow Node built-ins on first use, and what is deferred works in the bundle', async () => {
    // re2js, the PromQL grammar and yaml are required on first use (lazy); node:crypto and node:http
    // (a default import) through the shim.
    mkdirSync(join(dir, 'deferred'), { recursive: true });
    const entry = join(dir, 'deferred', 'entry.ts');
    writeFileSync(
      entry,
      `import { createHash } from 'node:crypto';
import http from 'node:http';
import { parseUserYaml, promql } from '@vigil/core';
export const handler = async () => ({
  expr: promql.parsePromQL('rate(http_requests_total{job=~"api|web"}[5m])').kind,
  regex: promql.compileRegex('a.*').matches('abc'),
  yaml: parseUserYaml('a: [1, 2]'),
  hash: createHash('sha256').update('x').digest('hex').slice(0, 8),
  http: typeof http.request,
});
`,
    );
    const out = join(dir, 'deferred', 'index.js');
    await bundle(entry, out, { external: ['@aws-sdk/*'] });
    // A script file, not `node -e`: Node loads node:crypto before it evaluates an -e script.
    const script = join(dir, 'deferred', 'run.js');
    writeFileSync(
      script,
      `const cryptoLoaded = () => process.moduleLoadList.includes('NativeModule crypto');
const m = require(${JSON.stringify(out)});
const atInit = cryptoLoaded();
m.handler().then((result) => process.stdout.write(JSON.stringify({ atInit, afterCall: cryptoLoaded(), result })));`,
    );
    const run = spawnSync(process.execPath, [script], { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual({
      atInit: false,
      afterCall: true,
      result: { expr: 'Call', regex: true, yaml: { a: [1, 2] }, hash: '2d711642', http: 'function' },
    });
  }, 120_000);

  it('bundles zod with its English messages only and leaves no locale behind', async () => {
    let metafile: Metafile | undefined;
    await bundle(awsHandlerEntry(ROOT, 'ingest'), join(dir, 'meta', 'index.js'), { external: ['@aws-sdk/*'], onMetafile: (m) => (metafile = m) });
    const inputs = Object.keys(Object.values(metafile!.outputs).find((o) => o.entryPoint)!.inputs);
    const locales = inputs.filter((p) => /^node_modules\/zod\/v4\/locales\/[^/]+\.js$/.test(p)).map((p) => p.split('/').at(-1));
    expect(locales).toEqual(['en.js']);
    // The SDK is reached through the lazy shim, never bundled.
    expect(inputs.filter((p) => p.includes('node_modules/@aws-sdk/'))).toEqual([]);
  }, 120_000);
});
