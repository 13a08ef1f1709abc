/**
 * `node --import tsx bench/ingest/pipeline.ts`: the ingest path before the series store, in
 * process and stage by stage (decode, label and limit checks, rate admission, and the series
 * identity the store computes first). The HTTP benchmark (run.ts) measures all of it together with the
 * store; this one shows what the formats and limits cost on their own, per core.
 *
 * Options (env): BENCH_SIZES=1000,10000  BENCH_REQUESTS=50  BENCH_PER_SERIES=1
 *   BENCH_FORMATS=remote_write,otlp,json
 * Run it under `node --cpu-prof` to see where the time goes. Every request of a row decodes the
 * same bytes (nothing here stores them), so no garbage of building payloads is collected inside
 * the timed stages.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fingerprint, IngestLimiter, otlp, remoteWrite, samplesFromJsonBatch, jsonBatchSchema, ManualClock, type SeriesInput } from '@vigil/core';
import { SqliteStateStore } from '@vigil/adapter-local';
import { buildPayloads } from './payloads';

const sizes = (process.env.BENCH_SIZES ?? '1000,10000').split(',').map(Number);
const requests = Number(process.env.BENCH_REQUESTS ?? 50);
const perSeries = Number(process.env.BENCH_PER_SERIES ?? 1);
const formats = (process.env.BENCH_FORMATS ?? 'remote_write,otlp,json').split(',').map((f) => f.replace('_', ' ') as 'remote write' | 'otlp' | 'json');
const WARMUP = 5;

/** CPU time of this process (user + system) in ms: the figure per core, whatever else the machine runs. */
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

type Stage = 'decode' | 'checkShape' | 'admit' | 'identity';

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-pipeline-'));
  const clock = new ManualClock(Date.now());
  const store = new SqliteStateStore(join(dir, 'state.db'), clock);
  // A rate high enough never to refuse: the bucket's arithmetic is measured, not its refusals.
  const limiter = new IngestLimiter(store, clock, { limits: () => ({ ingestionRate: 1e12, ingestionBurstSize: 1e12 }) });
  try {
    console.log(`\ningest pipeline before the store: ${requests} requests per row after ${WARMUP} warm-up, ${perSeries} sample(s) per series, CPU time of this process`);
    console.log(`node flags: ${process.execArgv.filter((a) => a.startsWith('--') && a !== '--import').join(' ') || '(none)'}\n`);
    console.log(['format'.padEnd(12), 'batch'.padStart(6), 'decode'.padStart(9), 'checks'.padStart(9), 'admit'.padStart(9), 'identity'.padStart(9), 'samples/s per core'.padStart(20)].join(' '));
    for (const size of sizes) {
      const p = buildPayloads(size, perSeries, clock.now() - 3_600_000);
      for (const format of formats) {
        const spent: Record<Stage, number> = { decode: 0, checkShape: 0, admit: 0, identity: 0 };
        let samples = 0;
        for (let i = 0; i < WARMUP + requests; i++) {
          const measured = i >= WARMUP;
          let t = cpuMs();
          const lap = (stage: Stage) => {
            const now = cpuMs();
            if (measured) spent[stage] += now - t;
            t = now;
          };
          let series: SeriesInput[];
          if (format === 'remote write') series = remoteWrite.decodeRemoteWrite(p.remoteWrite).series;
          else if (format === 'otlp') series = otlp.translate(otlp.decodeOtlp(p.otlp, 'protobuf')).series;
          else series = groupJson(p.json);
          lap('decode');
          limiter.checkShape('bench', series);
          lap('checkShape');
          await limiter.admit('bench', series);
          lap('admit');
          // The store keys every series by its fingerprint (the remote-write decoder hands it over): the last cost before it writes.
          for (const s of series) if (s.id === undefined) fingerprint(s.labels);
          lap('identity');
          if (measured) samples += p.samples;
        }
        const total = spent.decode + spent.checkShape + spent.admit + spent.identity;
        const perRequest = (ms: number) => `${(ms / requests).toFixed(2)}ms`.padStart(9);
        console.log(
          [
            format.padEnd(12),
            String(size).padStart(6),
            perRequest(spent.decode),
            perRequest(spent.checkShape),
            perRequest(spent.admit),
            perRequest(spent.identity),
            Math.round(samples / (total / 1000)).toLocaleString('en-US').padStart(20),
          ].join(' '),
        );
      }
    }
    console.log('\n(ms are CPU time per request; load average', (await import('node:os')).loadavg().map((l) => l.toFixed(2)).join(' '), ')');
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The JSON batch as its route reads it: parse, schema, group into series. */
function groupJson(text: string): SeriesInput[] {
  const batch = jsonBatchSchema.parse(JSON.parse(text));
  const byId = new Map<string, SeriesInput>();
  for (const s of samplesFromJsonBatch(batch)) {
    const id = fingerprint(s.labels);
    let entry = byId.get(id);
    if (!entry) byId.set(id, (entry = { labels: s.labels, samples: [] }));
    entry.samples.push({ t: s.t, v: s.v });
  }
  return [...byId.values()];
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
