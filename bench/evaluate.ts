/**
 * Rule evaluation throughput: N series × M alerting rules (thresholds with `for`, rates and
 * aggregations), as series·rule evaluations per second on one core, for Vigil's rule engine
 * and for Prometheus 2.42 evaluating the same rule group on the same data on this machine.
 *
 *   npm run bench:evaluate                      # defaults: 2000 series, 30 rules
 *   BENCH_SERIES=10000 BENCH_RULES=60 npm run bench:evaluate
 *
 * Vigil runs in this process (one core; the median of 15 group evaluations; the rules share
 * selectors and `rate(...)`, which Vigil computes once per group evaluation while Prometheus
 * computes them per rule). Prometheus gets the data as a TSDB block written by
 * `promtool tsdb create-blocks-from openmetrics`, runs with GOMAXPROCS=1, and its timing is read
 * from its own metric prometheus_rule_group_duration_seconds (median).
 */
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, createWriteStream } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { MemorySeries, RuleGroupEngine, parseRuleGroupYaml } from '@vigil/core';
import { freePort, requireTool, waitFor } from '../test/helpers/tools';

const N = Number(process.env.BENCH_SERIES ?? 2000);
const M = Number(process.env.BENCH_RULES ?? 30);
const SCRAPE_MS = 15_000;
const POINTS = 41; // ten minutes of 15 s scrapes
const JOBS = 10;

function ruleGroupYaml(): string {
  const rules: string[] = [];
  for (let m = 0; m < M; m++) {
    switch (m % 3) {
      case 0:
        rules.push(`  - alert: GaugeHigh${m}\n    expr: bench_gauge > ${50 + (m % 50)}\n    for: 1m`);
        break;
      case 1:
        rules.push(`  - alert: RateHigh${m}\n    expr: rate(bench_requests_total[5m]) > ${1 + (m % 7)}`);
        break;
      default:
        rules.push(`  - alert: JobRateHigh${m}\n    expr: sum by (job) (rate(bench_requests_total[5m])) > ${100 + m}`);
    }
  }
  return `name: bench\ninterval: 2s\nrules:\n${rules.join('\n')}\n`;
}

/** Deterministic pseudo-random values, so both engines see identical data. */
function gauge(i: number, k: number): number {
  return ((i * 7919 + k * 104729) % 1000) / 10;
}
function counterStep(i: number): number {
  return 1 + (i % 13);
}

async function writeOpenMetrics(path: string, startMs: number): Promise<void> {
  const out = createWriteStream(path);
  const write = async (s: string) => {
    if (!out.write(s)) await once(out, 'drain');
  };
  await write('# TYPE bench_gauge gauge\n');
  for (let i = 0; i < N; i++) {
    for (let k = 0; k < POINTS; k++) await write(`bench_gauge{instance="i-${i}",job="j${i % JOBS}"} ${gauge(i, k)} ${(startMs + k * SCRAPE_MS) / 1000}\n`);
  }
  await write('# TYPE bench_requests counter\n');
  for (let i = 0; i < N; i++) {
    for (let k = 0; k < POINTS; k++) await write(`bench_requests_total{instance="i-${i}",job="j${i % JOBS}"} ${k * counterStep(i) * 15} ${(startMs + k * SCRAPE_MS) / 1000}\n`);
  }
  await write('# EOF\n');
  out.end();
  await once(out, 'finish');
}

async function benchVigil(startMs: number): Promise<number> {
  const store = new MemorySeries();
  for (let i = 0; i < N; i++) {
    const g = { __name__: 'bench_gauge', instance: `i-${i}`, job: `j${i % JOBS}` };
    const c = { __name__: 'bench_requests_total', instance: `i-${i}`, job: `j${i % JOBS}` };
    for (let k = 0; k < POINTS; k++) {
      store.append(g, startMs + k * SCRAPE_MS, gauge(i, k));
      store.append(c, startMs + k * SCRAPE_MS, k * counterStep(i) * 15);
    }
  }
  const engine = new RuleGroupEngine(parseRuleGroupYaml(ruleGroupYaml()), store, { appendAll: () => undefined });
  const end = startMs + (POINTS - 1) * SCRAPE_MS;
  await engine.evaluate(end); // warm-up: JIT, regex and parse caches
  // The median of single evaluations, as Prometheus' figure is (its summary's 0.5 quantile).
  const runs = 15;
  const times: number[] = [];
  for (let r = 1; r <= runs; r++) {
    const t0 = process.hrtime.bigint();
    await engine.evaluate(end + r * 1000);
    times.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(runs / 2)]!;
}

async function benchPrometheus(dir: string, startMs: number): Promise<number> {
  const om = join(dir, 'data.om');
  const tsdb = join(dir, 'tsdb');
  await writeOpenMetrics(om, startMs);
  execFileSync('promtool', ['tsdb', 'create-blocks-from', 'openmetrics', om, tsdb], { stdio: 'ignore' });
  rmSync(om);
  const rulesFile = join(dir, 'rules.yml');
  writeFileSync(rulesFile, `groups:\n- ${ruleGroupYaml().replace(/\n/g, '\n  ').trimEnd()}\n`);
  writeFileSync(join(dir, 'prometheus.yml'), `global:\n  evaluation_interval: 2s\nrule_files: [${JSON.stringify(rulesFile)}]\n`);
  const port = await freePort();
  const proc = spawn(
    'prometheus',
    [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${tsdb}`, `--web.listen-address=127.0.0.1:${port}`, '--storage.tsdb.retention.time=1d'],
    { env: { ...process.env, GOMAXPROCS: '1' }, stdio: 'ignore', detached: true },
  );
  try {
    const metric = async (name: string): Promise<number | undefined> => {
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      const line = text.split('\n').find((l) => l.startsWith(name));
      return line ? Number(line.split(' ').pop()) : undefined;
    };
    await waitFor('Prometheus to evaluate the group 8 times', async () => {
      const n = await metric('prometheus_rule_group_iterations_total{');
      return n !== undefined && n >= 8 ? n : undefined;
    }, 180_000, 500);
    const median = await metric('prometheus_rule_group_duration_seconds{quantile="0.5"}');
    if (median === undefined || !(median > 0)) throw new Error('Prometheus reported no rule group duration');
    return median;
  } finally {
    if (proc.pid) process.kill(-proc.pid, 'SIGTERM');
  }
}

async function main(): Promise<void> {
  requireTool('prometheus', 'install the Debian package "prometheus" (test/setup/ensure-tools.sh)');
  requireTool('promtool', 'install the Debian package "prometheus" (test/setup/ensure-tools.sh)');
  const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-'));
  // Data ends just before now, so Prometheus' wall-clock evaluations see all of it.
  const startMs = Math.floor((Date.now() - (POINTS - 1) * SCRAPE_MS - 5_000) / 1000) * 1000;
  try {
    const evals = N * M;
    // Both engines run on one core of a shared machine: the load says how much to trust the figures.
    const loadBefore = loadavg()[0]!;
    const vigil = await benchVigil(startMs);
    const prom = await benchPrometheus(dir, startMs);
    const vigilRate = evals / vigil;
    const promRate = evals / prom;
    console.log(`rule evaluation: ${N} series x ${M} rules (thresholds with for, rates, aggregations), one core`);
    console.log(`vigil          ${(vigil * 1000).toFixed(1).padStart(8)} ms per group evaluation  ${Math.round(vigilRate).toLocaleString('en-US').padStart(12)} series·rule evaluations/s (median)`);
    console.log(`prometheus 2.42 ${(prom * 1000).toFixed(1).padStart(7)} ms per group evaluation  ${Math.round(promRate).toLocaleString('en-US').padStart(12)} series·rule evaluations/s (GOMAXPROCS=1, median)`);
    console.log(`ratio vigil/prometheus: ${(vigilRate / promRate).toFixed(2)}x`);
    console.log(`load average (1 min): ${loadBefore.toFixed(2)} before, ${loadavg()[0]!.toFixed(2)} after`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
