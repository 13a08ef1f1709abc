/**
 * `npm run bench:cold`: the size of each AWS function bundle (as deployed: minified CJS,
 * AWS SDK v3 left to the runtime) and its cold start in fresh Node processes, as medians:
 *
 * - init: the time to load the bundle and reach its handler (Lambda's Init phase);
 * - first call: init plus the first invocation with an event that needs no I/O (an empty SQS
 *   batch, an unauthenticated request, a malformed schedule input). What the handlers defer
 *   (SDK clients, the ONNX model) is loaded there, so this is the latency the first real
 *   message sees before its own I/O — deferring work cannot hide it from this column.
 *   predict's first call also loads ONNX Runtime from its package (built here for this
 *   machine's architecture) and opens a session on every model, as its first tick does.
 *
 * The bundle size counts the .js file only; its source map ships beside it and is not loaded.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Metafile } from 'esbuild';
import { bundle } from '../../packages/deploy/src/bundle';
import { addOnnxRuntime, type LambdaArchitecture } from '../../packages/deploy/src/onnx-runtime';

const ROOT = join(__dirname, '..', '..');
const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const GOAL_BYTES = 1024 * 1024;

const sqsEmpty = { Records: [] };
const malformedTick = { kind: 'not-a-kind' };
const unauthenticated = {
  version: '2.0',
  routeKey: '$default',
  rawPath: '/api/v1/alerts',
  rawQueryString: '',
  headers: {},
  requestContext: { http: { method: 'GET', path: '/api/v1/alerts', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'bench' }, requestId: 'bench', routeKey: '$default', stage: '$default', timeEpoch: 0 },
  isBase64Encoded: false,
};

interface Target {
  name: string;
  event: unknown;
  goalMs: number;
  /** Loads ONNX Runtime and the models in the first call. */
  onnx?: boolean;
}

const TARGETS: Target[] = [
  { name: 'api', event: unauthenticated, goalMs: 150 },
  { name: 'ingest', event: sqsEmpty, goalMs: 150 },
  { name: 'evaluate', event: sqsEmpty, goalMs: 150 },
  { name: 'notify', event: sqsEmpty, goalMs: 150 },
  { name: 'schedule', event: malformedTick, goalMs: 150 },
  // ONNX Runtime and the model load in predict's cold start: its own, larger goal.
  { name: 'predict', event: malformedTick, goalMs: 500, onnx: true },
  { name: 'drift-detect', event: malformedTick, goalMs: 150 },
  { name: 'heal', event: sqsEmpty, goalMs: 150 },
];

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');

/** One fresh process: times its own require() (not Node's boot, as Lambda's Init excludes the runtime's), then the first call. */
interface ColdStart {
  initMs: number;
  /** CPU time (user + system) of the init: what the wall time would be on an idle core. */
  initCpuMs: number;
  firstCallMs: number;
}

function coldStart(file: string, event: unknown, onnx = false): ColdStart {
  const script = `
const t0 = process.hrtime.bigint();
const c0 = process.cpuUsage();
const m = require(${JSON.stringify(file)});
if (typeof m.handler !== 'function') process.exit(3);
const t1 = process.hrtime.bigint();
const c1 = process.cpuUsage(c0);
const lambda = { awsRequestId: 'bench', functionName: 'bench', getRemainingTimeInMillis: () => 30000 };
const onnx = async (dir) => {
  if (!dir) return;
  const ort = require(require.resolve('onnxruntime-node', { paths: [dir] }));
  const models = dir + '/packages/ml/models';
  for (const f of require('fs').readdirSync(models)) await ort.InferenceSession.create(models + '/' + f);
};
Promise.resolve().then(() => m.handler(${JSON.stringify(event)}, lambda)).catch(() => undefined).then(() => onnx(${JSON.stringify(onnx ? dirname(file) : '')})).then(() => {
  const t2 = process.hrtime.bigint();
  process.stdout.write(JSON.stringify({ initMs: Number(t1 - t0) / 1e6, initCpuMs: (c1.user + c1.system) / 1e3, firstCallMs: Number(t2 - t0) / 1e6 }));
  process.exit(0);
});`;
  const run = spawnSync(process.execPath, ['-e', script], {
    encoding: 'utf8',
    // No VIGIL_API_KEY: its bootstrap would write to the table. Log level error: the malformed events are logged.
    env: {
      ...process.env,
      AWS_REGION: 'us-east-1',
      VIGIL_TABLE: 't',
      VIGIL_EVENT_BUS: 'b',
      VIGIL_LOG_LEVEL: 'error',
      NODE_OPTIONS: '',
    },
  });
  if (run.status !== 0) throw new Error(`loading ${file} failed: ${run.stderr.slice(-500)}`);
  return JSON.parse(run.stdout) as ColdStart;
}

/** The three packages (or workspace folders) that weigh most in a bundle. */
function heaviest(metafile: Metafile): string {
  const output = Object.values(metafile.outputs).find((o) => o.entryPoint !== undefined)!;
  const by = new Map<string, number>();
  for (const [path, { bytesInOutput }] of Object.entries(output.inputs)) {
    const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path)?.[1] ?? path.split('/').slice(0, 3).join('/');
    by.set(pkg, (by.get(pkg) ?? 0) + bytesInOutput);
  }
  return [...by].sort((a, b) => b[1] - a[1]).slice(0, 3).map(([k, v]) => `${k} ${Math.round(v / 1024)}k`).join(', ');
}

async function main() {
  // Inside the repository, so the external AWS SDK resolves from node_modules as it does from the runtime.
  mkdirSync(join(ROOT, 'dist'), { recursive: true });
  const dir = mkdtempSync(join(ROOT, 'dist', 'bench-cold-'));
  try {
    console.log(`cold start: median of ${RUNS} fresh Node ${process.version} processes; bundles minified CJS, @aws-sdk/* external`);
    console.log(`load average at start: ${load()}`);
    console.log('function      bundle(bytes)  gzip(bytes)  init p50(ms)  init cpu p50(ms)  first call p50(ms)  goal (<1 MiB, init <goal)  heaviest');
    for (const t of TARGETS) {
      const entry = join(ROOT, 'adapters', 'aws', 'src', 'handlers', `${t.name}.ts`);
      if (!existsSync(entry)) {
        console.log(`${t.name.padEnd(12)}  no handler at ${entry}: no figure`);
        continue;
      }
      const out = join(dir, t.name, 'index.js');
      let metafile: Metafile | undefined;
      await bundle(entry, out, { external: ['@aws-sdk/*'], onMetafile: (m) => (metafile = m) });
      const size = statSync(out).size;
      const gz = gzipSync(readFileSync(out)).length;
      // As deployed, beside the bundle; for this machine's architecture, so that it loads here.
      if (t.onnx) addOnnxRuntime(ROOT, dirname(out), (process.arch === 'arm64' ? 'arm64' : 'x86_64') as LambdaArchitecture);
      const runs = Array.from({ length: RUNS }, () => coldStart(out, t.event, t.onnx));
      const init = median(runs.map((r) => r.initMs));
      const initCpu = median(runs.map((r) => r.initCpuMs));
      const first = median(runs.map((r) => r.firstCallMs));
      const ok = size < GOAL_BYTES && init < t.goalMs ? 'met' : 'missed';
      console.log(
        `${t.name.padEnd(12)} ${String(size).padStart(14)} ${String(gz).padStart(12)} ${init.toFixed(1).padStart(13)} ${initCpu.toFixed(1).padStart(17)} ${first.toFixed(1).padStart(19)}  ${`${ok} (<${t.goalMs} ms)`.padEnd(25)}  ${metafile ? heaviest(metafile) : ''}`,
      );
    }
    console.log(`load average at end: ${load()}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();
