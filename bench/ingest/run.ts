/**
 * `npm run bench:ingest`: samples/s and per-request latency of Vigil's ingest paths (JSON,
 * remote write, OTLP) into the embedded store, and of Prometheus 2.42's own remote-write
 * receiver taking the same remote-write payloads, in one run.
 *
 * Both servers run as their own processes on loopback, driven by the same sequential client
 * (one request in flight), so each figure is one server's single-request path. Both are pinned
 * to one CPU (`taskset -c 0`, where taskset exists): a Node process has helper threads (garbage
 * collection, libuv) as a Go process has, so GOMAXPROCS=1 alone would not bound either to a
 * core. Besides wall-clock rates, each row gives the server's own CPU time per sample (from
 * /proc/<pid>/stat), which other load on a shared machine does not inflate.
 *
 * Options (env): BENCH_SIZES=1000,10000  BENCH_REQUESTS=30  BENCH_ROUNDS=3  BENCH_PER_SERIES=1
 *   BENCH_NODE_FLAGS (default --max-semi-space-size=64, see docs/INGEST.md; "" for Node's defaults)
 *   BENCH_MALLOC=default runs Vigil with glibc's malloc defaults instead of npm start's (docs/INGEST.md)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, requireTool, waitFor } from '../../test/helpers/tools';
import { buildPayloads, type Payloads } from './payloads';

const ROOT = join(__dirname, '..', '..');
const KEY = 'bench-key';
const sizes = (process.env.BENCH_SIZES ?? '1000,10000').split(',').map(Number);
const requests = Number(process.env.BENCH_REQUESTS ?? 30);
/** Rows of remote write per server and batch size, alternating between the servers. */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const perSeries = Number(process.env.BENCH_PER_SERIES ?? 1);
const nodeFlags = (process.env.BENCH_NODE_FLAGS ?? '--max-semi-space-size=64').split(' ').filter(Boolean);
/** The malloc settings `npm start` runs Vigil with (package.json; why: docs/INGEST.md). */
const MALLOC_ENV = { MALLOC_MMAP_THRESHOLD_: '33554432', MALLOC_TRIM_THRESHOLD_: '268435456' };
const mallocEnv = process.env.BENCH_MALLOC === 'default' ? {} : MALLOC_ENV;
const WARMUP = 3;
/** Time between one request's samples and the next's. */
const ROUND_MS = 100;
const TASKSET = '/usr/bin/taskset';
const CLOCK_TICKS_PER_SEC = 100;

type Format = 'json' | 'remote write' | 'otlp';

interface Result {
  target: string;
  format: Format;
  size: number;
  samplesPerSec: number;
  /** Samples per second of the server's own CPU time (all its threads). */
  samplesPerCpuSec: number;
  p50: number;
  p99: number;
}

/** CPU time (user + system, all threads) a process has used, in seconds. */
function cpuSeconds(pid: number): number {
  // Fields after the command name (which may hold spaces, hence the last ')'): utime is the 12th, stime the 13th.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SEC;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** Prometheus' receiver listens on /api/v1/write; Vigil on /api/v1/push (Mimir's path). */
function request(base: string, format: Format, p: Payloads, writePath: string): { url: string; init: RequestInit } {
  if (format === 'json') return { url: `${base}/v1/metrics`, init: { method: 'POST', headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' }, body: p.json } };
  if (format === 'otlp') return { url: `${base}/otlp/v1/metrics`, init: { method: 'POST', headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/x-protobuf' }, body: p.otlp } };
  return {
    url: `${base}${writePath}`,
    init: {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy', 'x-prometheus-remote-write-version': '0.1.0' },
      body: p.remoteWrite,
    },
  };
}

/**
 * The series one server is sent across its remote-write rows, as one Prometheus's remote write
 * sends the same series scrape after scrape: the first row's first request creates them, later
 * rows append to them. Timestamps run on from row to row, ROUND_MS apart per request.
 */
interface Stream {
  row: string;
  firstT: number;
  /** Requests sent so far. */
  sent: number;
}

function newStream(row: number, rows: number): Stream {
  return { row: String(row), firstT: Date.now() - rows * (WARMUP + requests) * ROUND_MS, sent: 0 };
}

/**
 * Sends WARMUP + requests payloads and times the measured ones. Every row writes series of its
 * own (label `row`) unless it continues a stream, and its samples carry current timestamps,
 * ROUND_MS apart per request, as a Prometheus remote-writing its scrapes does: data minutes or
 * hours old takes Vigil's backfill path (late-segment markers, docs/ARCHITECTURE.md), which is
 * not what a live sender costs.
 */
async function measure(target: string, pid: number, base: string, format: Format, size: number, row: number, stream?: Stream): Promise<Measurement> {
  const count = WARMUP + requests;
  const s = stream ?? newStream(row, 1);
  const start = s.firstT + s.sent * ROUND_MS;
  const fresh = s.sent === 0;
  s.sent += count;
  const rounds = Array.from({ length: count }, (_, i) => buildPayloads(size, perSeries, start + i * ROUND_MS, ROUND_MS, s.row));
  const latencies: number[] = [];
  let samples = 0;
  let total = 0;
  let cpu = 0;
  let firstMs: number | undefined;
  for (let i = 0; i < rounds.length; i++) {
    if (i === WARMUP) cpu = cpuSeconds(pid);
    const { url, init } = request(base, format, rounds[i]!, target === 'vigil' ? '/api/v1/push' : '/api/v1/write');
    let began = process.hrtime.bigint();
    const res = await fetch(url, init).catch(async (first: Error) => {
      // An idle keep-alive connection the server closed while payloads were being built is
      // reused once by fetch and fails; send again on a new connection and time that attempt.
      began = process.hrtime.bigint();
      return fetch(url, init).catch((err: Error) => {
        throw new Error(`${target} ${format} batch ${size}: ${err.message} (${String((err as { cause?: unknown }).cause ?? first.message)})`);
      });
    });
    const text = await res.text();
    const ms = Number(process.hrtime.bigint() - began) / 1e6;
    if (!res.ok) throw new Error(`${target} ${format}: HTTP ${res.status}: ${text.slice(0, 300)}`);
    if (i === 0 && fresh) firstMs = ms;
    if (i < WARMUP) continue;
    latencies.push(ms);
    total += ms;
    samples += rounds[i]!.samples;
  }
  cpu = cpuSeconds(pid) - cpu;
  return { target, format, size, samples, ms: total, cpu, latencies, firstMs };
}

/** What one row measured, before it is summed into a Result. */
interface Measurement {
  target: string;
  format: Format;
  size: number;
  samples: number;
  ms: number;
  cpu: number;
  latencies: number[];
  /** Latency of the first request, which created the row's series (a warm-up request, not in the rates). */
  firstMs?: number;
}

/** Rows of one target, format and size summed: rates over the total time, percentiles over every request. */
function summed(parts: Measurement[]): Result {
  const { target, format, size } = parts[0]!;
  const samples = parts.reduce((n, p) => n + p.samples, 0);
  const ms = parts.reduce((n, p) => n + p.ms, 0);
  const cpu = parts.reduce((n, p) => n + p.cpu, 0);
  const latencies = parts.flatMap((p) => p.latencies).sort((a, b) => a - b);
  return { target, format, size, samplesPerSec: samples / (ms / 1000), samplesPerCpuSec: samples / cpu, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

let logs = '';

/** Starts a server on CPU 0 where taskset exists (taskset execs the command: the pid stays the server's). */
function startProcess(command: string, args: string[], env: NodeJS.ProcessEnv): ChildProcess {
  const pinned = existsSync(TASKSET);
  const child = spawn(pinned ? TASKSET : command, pinned ? ['-c', '0', command, ...args] : args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  child.stderr?.on('data', (d: Buffer) => (logs = (logs + d.toString()).slice(-2000)));
  child.on('exit', (code, signal) => {
    if (code !== 0 && signal !== 'SIGTERM') logs += `\n${command} exited with ${code ?? signal}`;
  });
  return child;
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || !child.pid) return;
  const exited = new Promise((r) => child.once('exit', r));
  process.kill(-child.pid, 'SIGTERM');
  await exited;
}

async function main(): Promise<void> {
  const prometheusBin = requireTool('prometheus', 'apt-get install prometheus (2.42)');
  const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-'));
  const children: ChildProcess[] = [];
  try {
    const vigilPort = await freePort();
    const vigil = startProcess(process.execPath, [...nodeFlags, '--import', 'tsx', join(ROOT, 'adapters', 'local', 'src', 'main.ts')], {
      PORT: String(vigilPort),
      VIGIL_DATA_DIR: join(dir, 'vigil'),
      VIGIL_API_KEY: KEY,
      VIGIL_LOG_LEVEL: 'error',
      ...mallocEnv,
    });
    children.push(vigil);
    const promPort = await freePort();
    writeFileSync(join(dir, 'prometheus.yml'), 'global:\n  scrape_interval: 1m\nscrape_configs: []\n');
    const prometheus = startProcess(
      prometheusBin,
      [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'tsdb')}`, `--web.listen-address=127.0.0.1:${promPort}`, '--web.enable-remote-write-receiver'],
      { GOMAXPROCS: '1' },
    );
    children.push(prometheus);
    const vigilUrl = `http://127.0.0.1:${vigilPort}`;
    const promUrl = `http://127.0.0.1:${promPort}`;
    await waitFor('Vigil', async () => ((await fetch(`${vigilUrl}/healthz`)).ok ? true : undefined), 60_000);
    await waitFor('Prometheus', async () => ((await fetch(`${promUrl}/-/ready`)).ok ? true : undefined), 60_000);

    const results: Result[] = [];
    const creations: { size: number; vigil: number; prometheus: number }[] = [];
    let row = 0;
    const next = () => ++row;
    for (const size of sizes) {
      for (const format of ['json', 'otlp'] as const) results.push(summed([await measure('vigil', vigil.pid!, vigilUrl, format, size, next())]));
      // The comparison alternates the two servers, ROUNDS rows each, so a change in the shared
      // machine's load between rows weighs on both alike.
      // Each server's rows continue one stream of series (see Stream).
      const ours: Measurement[] = [];
      const theirs: Measurement[] = [];
      const ourStream = newStream(next(), ROUNDS);
      const theirStream = newStream(next(), ROUNDS);
      for (let round = 0; round < ROUNDS; round++) {
        ours.push(await measure('vigil', vigil.pid!, vigilUrl, 'remote write', size, 0, ourStream));
        theirs.push(await measure('prometheus 2.42', prometheus.pid!, promUrl, 'remote write', size, 0, theirStream));
      }
      results.push(summed(ours), summed(theirs));
      creations.push({ size, vigil: ours[0]!.firstMs!, prometheus: theirs[0]!.firstMs! });
    }

    const rate = (n: number) => Math.round(n).toLocaleString('en-US');
    const rows = results.map((r) => [r.target, r.format, String(r.size), rate(r.samplesPerSec), rate(r.samplesPerCpuSec), r.p50.toFixed(1), r.p99.toFixed(1)]);
    const header = ['target', 'format', 'batch', 'samples/s (1 core)', 'samples per CPU-s', 'p50 ms', 'p99 ms'];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
    console.log(`\ningest benchmark: ${requests} requests per row after ${WARMUP} warm-up (remote write: ${ROUNDS} rows per server, alternating), ${perSeries} sample(s) per series, sequential client`);
    console.log(`servers ${existsSync(TASKSET) ? 'pinned to CPU 0' : 'not pinned (no taskset)'}; Vigil node flags: ${nodeFlags.join(' ') || '(none)'}, malloc: ${Object.entries(mallocEnv).map(([k, v]) => `${k}=${v}`).join(' ') || 'glibc defaults'}; load average ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}\n`);
    console.log(line(header));
    console.log(widths.map((w) => '-'.repeat(w)).join('  '));
    for (const r of rows) console.log(line(r));
    console.log('');
    for (const size of sizes) {
      const ours = results.find((r) => r.target === 'vigil' && r.format === 'remote write' && r.size === size)!;
      const theirs = results.find((r) => r.target !== 'vigil' && r.size === size)!;
      console.log(
        `remote write, batch ${size}: Vigil/Prometheus = ${(ours.samplesPerSec / theirs.samplesPerSec).toFixed(2)}× samples/s, ${(ours.samplesPerCpuSec / theirs.samplesPerCpuSec).toFixed(2)}× samples per CPU-second`,
      );
    }
    for (const c of creations) {
      console.log(`first request of a stream (${c.size} new series, warm-up): Vigil ${c.vigil.toFixed(0)} ms, Prometheus ${c.prometheus.toFixed(0)} ms`);
    }
  } finally {
    for (const child of children) await stopProcess(child);
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  if (logs) console.error(`server output:\n${logs}`);
  process.exit(1);
});
