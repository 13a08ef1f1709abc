/**
 * Predict throughput: N series scored by the anomaly model and forecast by the trend model,
 * through onnxruntime-node on one thread.
 *
 *   npm run bench:predict                 # defaults: 1000 series, 60-point windows
 *   BENCH_SERIES=10000 npm run bench:predict
 *
 * Prints (1) model inferences per second (one inference = one series' window) for each model
 * at the batch size a tick uses, and (2) the latency of a whole predict tick over the local
 * SQLite store: reading the series, building windows, inference, writing the results.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createContext, http, ManualClock, noopEventBus, parseRuleGroupYaml, silentLogger, type Sample } from '@vigil/core';
import { SqliteQueue, SqliteStateStore } from '@vigil/adapter-local';
import { handle } from '@vigil/fn-predict';
import { OnnxModelRunner } from '@vigil/ml';

const N = Number(process.env.BENCH_SERIES ?? 1000);
const POINTS = 60;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 20);
const MIN = 60_000;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function main(): Promise<void> {
  const runner = new OnnxModelRunner();
  const values = new Float32Array(N * POINTS).map((_, i) => Math.sin(i / 7) + (i % 13) / 13);
  const times = new Float32Array(N * POINTS).map((_, i) => -((POINTS - 1 - (i % POINTS)) * 60));
  const horizon = new Float32Array(N).fill(14_400);
  const inputs = {
    'robust-z': { window: { data: values, dims: [N, POINTS] } },
    'linear-trend': { values: { data: values, dims: [N, POINTS] }, times: { data: times, dims: [N, POINTS] }, horizon: { data: horizon, dims: [N, 1] } },
  };
  console.log(`predict bench: ${N} series, ${POINTS}-point windows, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  for (const [model, feed] of Object.entries(inputs)) {
    await runner.run(model, feed); // loads the session
    const ms: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const started = performance.now();
      await runner.run(model, feed);
      ms.push(performance.now() - started);
    }
    const m = median(ms);
    console.log(`  ${model.padEnd(13)} batch of ${N}: median ${m.toFixed(2)} ms → ${Math.round((N / m) * 1000).toLocaleString('en')} inferences/s`);
  }

  const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-predict-'));
  const clock = new ManualClock(1_763_800_000_000);
  const store = new SqliteStateStore(join(dir, 'state.db'), clock);
  const queue = new SqliteQueue(join(dir, 'queue.db'), clock);
  try {
    const ctx = createContext({ store, queue, clock, events: noopEventBus, logger: silentLogger, http: http.createHttpClient({ policy: http.OutboundPolicy.fromEnv(undefined) }) });
    const at = clock.now();
    await ctx.services.ruleGroups.put(
      'bench',
      'ns',
      parseRuleGroupYaml('name: ml\nrules:\n- alert: A\n  expr: anomaly_score(bench_gauge) > 0.999\n- alert: F\n  expr: forecast_breach_probability(bench_gauge, "4h", 100) > 0.5\n'),
      at,
    );
    for (let from = 0; from < N; from += 500) {
      const samples: Sample[] = [];
      for (let s = from; s < Math.min(N, from + 500); s++) {
        for (let i = 0; i < POINTS; i++) samples.push({ labels: { __name__: 'bench_gauge', instance: `i${s}`, job: `j${s % 10}` }, t: at - (POINTS - 1 - i) * MIN, v: 50 + Math.sin((s + i) / 5) * 10 });
      }
      await ctx.services.series.write('bench', samples);
    }
    const ticks: number[] = [];
    for (let r = 0; r < 5; r++) {
      const started = performance.now();
      const result = await handle({ kind: 'tick', tenant: 'bench', at: at + r }, ctx, { runner, registry: runner.registry });
      ticks.push(performance.now() - started);
      if (r === 0) console.log(`  tick: ${N} series, ${result.series} model rows (anomaly + forecast), ${result.samples} samples written`);
    }
    console.log(`  whole tick (read, windows, 2 models, write ${N * 19} samples): median ${median(ticks).toFixed(0)} ms over 5 ticks`);
  } finally {
    await runner.close();
    queue.close();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(`  load average after: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
