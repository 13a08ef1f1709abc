/**
 * Store cost of Vigil's ingest and evaluation, counted at the StateStore port and priced as
 * DynamoDB would bill the AWS adapter (strongly consistent reads, on-demand capacity).
 *
 *   npm run bench:store            # 1M samples over 10k series; one evaluation of 10k series
 *   npm run bench:store -- --quick # 100k samples, for a fast look
 *
 * The real SeriesStore and evaluate code run on the embedded SQLite store wrapped in a
 * counting store; the naive baseline writes one item per sample and reads one query per series.
 * Ingest rows include the compaction of the written slices (head segments → per-series chunks),
 * which the scheduled sweep runs once per slice.
 */
import { createContext, DEFAULT_COMPACTION_GRACE_MS, ManualClock, SeriesStore, SLICE_MS, sliceOf, silentLogger, type Labels, type OutgoingMessage, type Queue, type QueueName, type Sample } from '@vigil/core';
import { SqliteStateStore } from '@vigil/adapter-local';
import * as evaluate from '@vigil/fn-evaluate';
import { CountingStateStore, dynamoItemBytes, emptyCounts, type Counts } from './counting-store';

const quick = process.argv.includes('--quick');
const SERIES = 10_000;
const TOTAL_SAMPLES = quick ? 100_000 : 1_000_000;
const SCRAPE_MS = 15_000;
/** Series per ingest batch (a remote-write request carries samples of many series). */
const SERIES_PER_BATCH = 1000;
const T0 = Date.UTC(2026, 0, 1);
/** On-demand list prices, us-east-1 (per million write / read request units). */
const PRICE_WRITE = 0.625;
const PRICE_READ = 0.125;

const labelsOf = (i: number): Labels => ({ __name__: 'cpu_usage', host: `host-${String(i).padStart(5, '0')}`, region: `r${i % 4}` });
/** A gauge that moves most scrapes and sits still sometimes, like CPU percentages. */
const valueOf = (series: number, step: number) => (step % 5 === 4 ? 20 + ((series * 7 + (step - 1) * 3) % 60) : 20 + ((series * 7 + step * 3) % 60)) + (series % 3) * 0.25;

class CountingQueue implements Queue {
  sent = 0;
  async send(_q: QueueName, _m: OutgoingMessage): Promise<void> {
    this.sent++;
  }
  async sendBatch(_q: QueueName, m: OutgoingMessage[]): Promise<void> {
    this.sent += m.length;
  }
}

interface Row {
  name: string;
  counts: Counts;
  samples: number;
  /** The part of `counts` spent by compaction. */
  compaction?: Counts;
}

/**
 * Figures of the previous layout (one chunk item per series per request, versioned batch puts),
 * measured by this bench before the head-segment layout (the run recorded in docs/adapters/AWS.md
 * history): WCU and RCU per 1M samples by samples per series per batch (warm instance), and RCU
 * of one first evaluation of 10k series.
 */
const PREVIOUS = {
  wcu: { 1: 1_020_000, 4: 270_000, 20: 70_000, 240: 25_000 } as Record<number, number>,
  rcu: { 1: 1_000_000, 4: 250_000, 20: 50_000, 240: 5_000 } as Record<number, number>,
  evaluationRcu: 10_411,
};

/** Ingests TOTAL_SAMPLES: each batch holds `perSeries` consecutive samples of SERIES_PER_BATCH series. */
async function ingest(perSeries: number, warm: boolean): Promise<Row> {
  const clock = new ManualClock(T0);
  const inner = new SqliteStateStore(':memory:', clock);
  const store = new CountingStateStore(inner);
  let series = new SeriesStore(store, { clock });
  const rounds = Math.ceil(TOTAL_SAMPLES / (SERIES * perSeries));
  let samples = 0;
  for (let r = 0; r < rounds && samples < TOTAL_SAMPLES; r++) {
    for (let block = 0; block < SERIES / SERIES_PER_BATCH && samples < TOTAL_SAMPLES; block++) {
      if (!warm) series = new SeriesStore(store, { clock }); // every batch on a cold instance
      const batch: Sample[] = [];
      for (let s = block * SERIES_PER_BATCH; s < (block + 1) * SERIES_PER_BATCH; s++) {
        for (let k = 0; k < perSeries; k++) {
          const step = r * perSeries + k;
          batch.push({ labels: labelsOf(s), t: T0 + step * SCRAPE_MS, v: valueOf(s, step) });
        }
      }
      clock.set(Math.max(clock.now(), batch[batch.length - 1]!.t));
      await series.write('default', batch);
      samples += batch.length;
    }
  }
  // The sweep compacts every slice once it is closed.
  const before = structuredClone(store.counts);
  clock.set((sliceOf(clock.now()) + 1) * SLICE_MS + DEFAULT_COMPACTION_GRACE_MS);
  await series.compact('default', clock.now());
  const compaction = minus(store.counts, before);
  inner.close();
  return { name: `Vigil, ${perSeries} sample(s)/series/batch${warm ? '' : ', cold instance'}`, counts: store.counts, samples, compaction };
}

function naiveIngest(samples: number): Row {
  const counts = emptyCounts();
  const bytes = dynamoItemBytes(`s#default#0123456789abcdef`, String(T0).padStart(16, '0'), { v: 42.25 });
  counts.calls.put = samples;
  counts.requests = Math.ceil(samples / 25);
  counts.itemsWritten = samples;
  counts.wcu = samples * Math.max(1, Math.ceil(bytes / 1024));
  return { name: 'naive: one item per sample (BatchWriteItem)', counts, samples };
}

/** One evaluation of `cpu_usage > 90` over SERIES series with 10 minutes of 15 s samples; `firing` of them above 90. */
async function evaluation(firing: number): Promise<{ first: Counts; steady: Counts; cold: Counts; transitions: number }> {
  const clock = new ManualClock(T0);
  const inner = new SqliteStateStore(':memory:', clock);
  const store = new CountingStateStore(inner);
  const ctx = createContext({ store, queue: new CountingQueue(), events: { publish: async () => {} }, clock, logger: silentLogger, http: undefined as never });
  const steps = 40;
  // As remote write delivers it: every 15 s one request per 1000 series, one sample each.
  for (let step = 0; step < steps; step++) {
    clock.set(T0 + step * SCRAPE_MS);
    for (let block = 0; block < SERIES / SERIES_PER_BATCH; block++) {
      const batch: Sample[] = [];
      for (let s = block * SERIES_PER_BATCH; s < (block + 1) * SERIES_PER_BATCH; s++) batch.push({ labels: labelsOf(s), t: T0 + step * SCRAPE_MS, v: s < firing ? 95 : valueOf(s, step) });
      await ctx.services.series.write('default', batch);
    }
  }
  const group = { name: 'node', interval: '15s', rules: [{ alert: 'HighCPU', expr: 'cpu_usage > 90' }] };
  await ctx.services.ruleGroups.put('default', 'infra', group as never, T0);
  const stored = (await ctx.services.ruleGroups.get('default', 'infra', 'node'))!;
  const at = T0 + (steps - 1) * SCRAPE_MS;
  clock.set(at);
  store.reset();
  const transitions = await evaluate.evaluateGroup('default', stored, at, true, ctx);
  const first = store.reset();
  clock.advance(SCRAPE_MS);
  await evaluate.evaluateGroup('default', stored, at + SCRAPE_MS, true, ctx);
  const steady = store.reset();
  // A cold instance reads the series index once as well.
  const coldCtx = createContext({ ...ctx, store });
  clock.advance(SCRAPE_MS);
  await evaluate.evaluateGroup('default', stored, at + 2 * SCRAPE_MS, true, coldCtx);
  const cold = store.reset();
  inner.close();
  return { first, steady, cold, transitions };
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const money = (c: Counts) => `$${((c.wcu * PRICE_WRITE + c.rcu * PRICE_READ) / 1e6).toFixed(4)}`;

async function main(): Promise<void> {
  const perMillion = 1_000_000 / TOTAL_SAMPLES;
  console.log(`Store cost per 1M ingested samples (${SERIES.toLocaleString('en-US')} series, ${SCRAPE_MS / 1000} s scrapes, ${SERIES_PER_BATCH} series per batch${quick ? `; measured on ${TOTAL_SAMPLES.toLocaleString('en-US')} and scaled` : ''})`);
  const rows: Row[] = [];
  for (const perSeries of [1, 4, 20, 240]) rows.push(await ingest(perSeries, true));
  rows.push(await ingest(1, false));
  const naive = naiveIngest(TOTAL_SAMPLES);
  rows.push(naive);
  const header = ['scenario', 'store calls', 'DynamoDB requests', 'items written', 'WCU', 'RCU', 'of which compaction WCU/RCU', 'WCU vs naive', 'WCU/RCU vs previous', 'on-demand cost'];
  const table = rows.map((r) => {
    const c = r.counts;
    const calls = Object.values(c.calls).reduce((a, b) => a + b, 0);
    const scaled: Counts = { ...c, wcu: c.wcu * perMillion, rcu: c.rcu * perMillion };
    const perSeries = Number(/(\d+) sample/.exec(r.name)?.[1]);
    const previous = r.name.startsWith('Vigil') && !r.name.includes('cold') && PREVIOUS.wcu[perSeries] !== undefined
      ? `${((scaled.wcu / PREVIOUS.wcu[perSeries]!) * 100).toFixed(1)}% / ${((scaled.rcu / PREVIOUS.rcu[perSeries]!) * 100).toFixed(1)}%`
      : '—';
    const compaction = r.compaction ? `${fmt(r.compaction.wcu * perMillion)} / ${fmt(r.compaction.rcu * perMillion)}` : '—';
    return [r.name, fmt(calls * perMillion), fmt(c.requests * perMillion), fmt(c.itemsWritten * perMillion), fmt(scaled.wcu), fmt(scaled.rcu), compaction, `${((c.wcu / naive.counts.wcu) * 100).toFixed(1)}%`, previous, money(scaled)];
  });
  print(header, table);

  const firing = 50;
  const { first, steady, cold, transitions } = await evaluation(firing);
  console.log(`\nStore cost of one evaluation of 10,000 series (rule cpu_usage > 90, 5 min lookback, 10 min of data written as 15 s remote-write requests)`);
  const naiveEval = emptyCounts();
  // Naive layout: the same series index, then one Query per series over its 5-minute window (20 items of ~90 bytes).
  naiveEval.calls.query = first.calls.query;
  naiveEval.requests = first.requests;
  naiveEval.itemsRead = SERIES * 21;
  naiveEval.rcu = indexRcu(first) + SERIES * Math.max(1, Math.ceil((21 * 90) / 4096));
  print(
    ['evaluation', 'store calls', 'items read', 'items written', 'RCU', 'WCU', 'cost'],
    [
      [`Vigil, first (${transitions} transitions)`, fmt(sum(first)), fmt(first.itemsRead), fmt(first.itemsWritten), fmt(first.rcu), fmt(first.wcu), money(first)],
      ['Vigil, steady (no transition)', fmt(sum(steady)), fmt(steady.itemsRead), fmt(steady.itemsWritten), fmt(steady.rcu), fmt(steady.wcu), money(steady)],
      ['Vigil, steady on a cold instance', fmt(sum(cold)), fmt(cold.itemsRead), fmt(cold.itemsWritten), fmt(cold.rcu), fmt(cold.wcu), money(cold)],
      [`previous layout, first (recorded)`, '—', '—', '—', fmt(PREVIOUS.evaluationRcu), '—', '—'],
      ['naive: one item per sample', fmt(sum(first)), fmt(naiveEval.itemsRead), '—', fmt(naiveEval.rcu), '—', money(naiveEval)],
    ],
  );
  console.log(`\nWCU: 1 per KB per item written (2 in a transaction); RCU: strongly consistent, 1 per 4 KB per request (Query pages summed).`);
  console.log(`Batch puts include the AWS adapter's version pre-read (consistent BatchGetItem). Prices: on-demand us-east-1, $${PRICE_WRITE}/M writes, $${PRICE_READ}/M reads.`);
}

/** RCU the series-index pages cost (the part naive and Vigil share). */
function indexRcu(c: Counts): number {
  // Index items are ~150 bytes: 10k of them are about 1.5 MB, read in pages of ≤ 1000 items.
  return Math.ceil((SERIES * 150) / 4096) + c.calls.get;
}

function minus(a: Counts, b: Counts): Counts {
  const calls = { ...a.calls };
  for (const k of Object.keys(calls) as (keyof Counts['calls'])[]) calls[k] -= b.calls[k];
  return { calls, requests: a.requests - b.requests, itemsWritten: a.itemsWritten - b.itemsWritten, itemsRead: a.itemsRead - b.itemsRead, wcu: a.wcu - b.wcu, rcu: a.rcu - b.rcu };
}

function sum(c: Counts): number {
  return Object.values(c.calls).reduce((a, b) => a + b, 0);
}

function print(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(line(r));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
