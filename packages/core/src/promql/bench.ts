/**
 * Parse and evaluation figures for the PromQL engine (prints, asserts nothing):
 *   npx tsx packages/core/src/promql/bench.ts
 */
import { evaluateInstant } from './evaluator';
import { parsePromQL } from './parser';
import { MemorySource } from './test-source';
import type { SeriesData } from './source';

function time(label: string, runs: number, f: () => unknown): void {
  f();
  const start = process.hrtime.bigint();
  for (let i = 0; i < runs; i++) f();
  const ms = Number(process.hrtime.bigint() - start) / 1e6 / runs;
  console.log(`${label.padEnd(60)} ${ms.toFixed(3)} ms`);
}

async function timeAsync(label: string, runs: number, f: () => Promise<unknown>): Promise<number> {
  await f();
  const start = process.hrtime.bigint();
  for (let i = 0; i < runs; i++) await f();
  const ms = Number(process.hrtime.bigint() - start) / 1e6 / runs;
  console.log(`${label.padEnd(60)} ${ms.toFixed(3)} ms`);
  return ms;
}

async function main(): Promise<void> {
  const rule = 'sum by (job) (rate(http_requests_total{code=~"5.."}[5m])) / sum by (job) (rate(http_requests_total[5m])) > 0.05';
  time('parse: error-ratio rule', 2000, () => parsePromQL(rule));

  const SERIES = 1000;
  const STEP = 15_000;
  const series: SeriesData[] = [];
  for (let i = 0; i < SERIES; i++) {
    const samples = Array.from({ length: 40 }, (_, k) => ({ t: k * STEP, v: k * (i + 1) }));
    series.push({ labels: { __name__: 'http_requests_total', job: `j${i % 10}`, instance: `i${i}`, code: i % 5 === 0 ? '500' : '200' }, samples });
  }
  const src = new MemorySource(series);
  const at = 39 * STEP;
  const expr = parsePromQL(rule);
  const ms = await timeAsync(`evaluate: error-ratio rule over ${SERIES} series`, 50, () => evaluateInstant(expr, at, src));
  console.log(`${'  series evaluated per second'.padEnd(60)} ${Math.round((2 * SERIES) / (ms / 1000))}`);
  const hq = parsePromQL('histogram_quantile(0.99, sum by (le, job) (rate(http_requests_total[5m])))');
  await timeAsync(`evaluate: histogram_quantile over ${SERIES} series`, 50, () => evaluateInstant(hq, at, src));
  const sq = parsePromQL('max_over_time(rate(http_requests_total[1m])[10m:15s])');
  await timeAsync(`evaluate: subquery (40 steps) over ${SERIES} series`, 5, () => evaluateInstant(sq, at, src));
  const chain = Array.from({ length: 32_000 }, () => 'a').join('+');
  time('parse: 32,000-term flat chain (64 KiB)', 5, () => parsePromQL(chain));
}

void main();
