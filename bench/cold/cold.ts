/**
 * `npm run bench:cold`: the size of each AWS function bundle (as deployed: minified CJS,
 * AWS SDK v3 left to the runtime) and its cold-init time — the time a fresh Node process
 * takes to load the bundle and reach its handler — as the median of several runs.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundle } from '../../packages/deploy/src/bundle';

const ROOT = join(__dirname, '..', '..');
const FUNCTIONS = ['api', 'ingest', 'evaluate', 'notify', 'schedule'];
const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const GOAL_BYTES = 1024 * 1024;
const GOAL_MS = 150;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function coldInitMs(file: string): number {
  // The child times its own require() so process start-up is not counted, as Lambda's Init
  // phase counts module loading, not the runtime's own boot.
  const script = `const t=process.hrtime.bigint();const m=require(${JSON.stringify(file)});if(typeof m.handler!=='function')process.exit(3);process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6));`;
  const run = spawnSync(process.execPath, ['-e', script], {
    encoding: 'utf8',
    env: { ...process.env, AWS_REGION: 'us-east-1', VIGIL_TABLE: 't', VIGIL_EVENT_BUS: 'b', NODE_OPTIONS: '' },
  });
  if (run.status !== 0) throw new Error(`loading ${file} failed: ${run.stderr.slice(-500)}`);
  return Number(run.stdout);
}

async function main() {
  // Inside the repository, so the external AWS SDK resolves from node_modules as it does from the runtime.
  mkdirSync(join(ROOT, 'dist'), { recursive: true });
  const dir = mkdtempSync(join(ROOT, 'dist', 'bench-cold-'));
  try {
    console.log(`cold init: median of ${RUNS} fresh Node ${process.version} processes; bundles minified CJS, @aws-sdk/* external`);
    console.log('function   bundle(bytes)  gzip(bytes)  init p50(ms)  goal (<1 MiB, <150 ms)');
    for (const fn of FUNCTIONS) {
      const out = join(dir, fn, 'index.js');
      await bundle(join(ROOT, 'adapters', 'aws', 'src', 'handlers', `${fn}.ts`), out, { external: ['@aws-sdk/*'] });
      const size = statSync(out).size;
      const gz = gzipSync(readFileSync(out)).length;
      const times = Array.from({ length: RUNS }, () => coldInitMs(out));
      const p50 = median(times);
      const ok = size < GOAL_BYTES && p50 < GOAL_MS ? 'met' : 'missed';
      console.log(`${fn.padEnd(10)} ${String(size).padStart(13)} ${String(gz).padStart(12)} ${p50.toFixed(1).padStart(13)}  ${ok}`);
    }
    console.log('predict (ONNX Runtime) is not built yet: no figure.');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();
