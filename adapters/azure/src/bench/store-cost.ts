/**
 * Table Storage requests spent by ingest and by one evaluation read, against azurite.
 *
 *   npx tsx adapters/azure/src/bench/store-cost.ts            (SERIES=500 PUSHES=5 by default)
 *   SERIES=10000 PUSHES=5 npx tsx adapters/azure/src/bench/store-cost.ts
 *
 * Figures are request counts (what Table Storage bills and throttles by); wall time is printed
 * for orientation only: azurite is an in-memory emulator, not the service.
 */
import { randomUUID } from 'node:crypto';
import { TableClient, type TableServiceClientOptions } from '@azure/data-tables';
import { ManualClock, SeriesStore, type Sample } from '@vigil/core';
import { startAzurite } from '../../../../test/helpers/emulators/azure';
import { TableStateStore } from '../store';

const SERIES = Number(process.env.SERIES ?? 500);
const PUSHES = Number(process.env.PUSHES ?? 5);
const STEP_MS = 15_000;
const START = Date.UTC(2026, 0, 1);

type PipelinePolicy = NonNullable<TableServiceClientOptions['additionalPolicies']>[number]['policy'];

interface Counter {
  requests: number;
  byKind: Map<string, number>;
}

function countingPolicy(counter: Counter): PipelinePolicy {
  return {
    name: 'count-requests',
    async sendRequest(request: Parameters<PipelinePolicy['sendRequest']>[0], next: Parameters<PipelinePolicy['sendRequest']>[1]) {
      counter.requests++;
      const url = new URL(request.url);
      const kind = url.pathname.endsWith('$batch')
        ? 'entity group transaction'
        : request.method === 'POST'
          ? 'insert'
          : request.method === 'GET'
            ? url.pathname.includes('(PartitionKey=') ? 'point read' : 'query'
            : request.method === 'DELETE' ? 'delete' : 'update';
      counter.byKind.set(kind, (counter.byKind.get(kind) ?? 0) + 1);
      return next(request);
    },
  };
}

function pushOf(push: number, samplesPerSeries: number): Sample[] {
  const out: Sample[] = [];
  for (let s = 0; s < SERIES; s++) {
    for (let k = 0; k < samplesPerSeries; k++) {
      const t = START + (push * samplesPerSeries + k) * STEP_MS;
      out.push({ labels: { __name__: 'cpu_usage', host: `h${s}`, region: `r${s % 8}` }, t, v: 50 + ((s * 7 + k) % 40) } as Sample);
    }
  }
  return out;
}

async function main(): Promise<void> {
  const azurite = await startAzurite();
  try {
    const counter: Counter = { requests: 0, byKind: new Map() };
    const client = TableClient.fromConnectionString(azurite.connectionString, `bench${randomUUID().replace(/-/g, '').slice(0, 10)}`, {
      allowInsecureConnection: true,
      additionalPolicies: [{ policy: countingPolicy(counter), position: 'perCall' }],
    });
    await client.createTable();
    const clock = new ManualClock(START);
    const store = new TableStateStore(client, clock);
    const reset = () => {
      counter.requests = 0;
      counter.byKind.clear();
    };
    const kinds = () => [...counter.byKind.entries()].map(([k, n]) => `${k}: ${n}`).join(', ');

    console.log(`Table Storage cost on azurite: ${SERIES} series, ${PUSHES} pushes per scenario`);
    for (const [name, perSeries, tenant] of [
      ['one sample per series per push (15 s scrape forwarded as it comes)', 1, 'one'],
      ['10 samples per series per push (remote-write batching, 150 s)', 10, 'ten'],
    ] as const) {
      const series = new SeriesStore(store, { clock });
      let samples = 0;
      reset();
      const started = Date.now();
      let firstPush = { requests: 0, samples: 0 };
      for (let p = 0; p < PUSHES; p++) {
        const batch = pushOf(p, perSeries);
        samples += batch.length;
        await series.write(tenant, batch);
        if (p === 0) firstPush = { requests: counter.requests, samples: batch.length };
      }
      const ms = Date.now() - started;
      const perMillion = Math.round((counter.requests / samples) * 1_000_000);
      const steady = Math.round(((counter.requests - firstPush.requests) / Math.max(1, samples - firstPush.samples)) * 1_000_000);
      console.log(`\ningest, ${name}`);
      console.log(`  samples: ${samples}, requests: ${counter.requests} (${kinds()}); first push (new series indexed): ${firstPush.requests}`);
      console.log(`  requests per 1M samples once series are indexed: ${steady.toLocaleString('en-US')}`);
      console.log(`  requests per 1M samples: ${perMillion.toLocaleString('en-US')}  (one entity per sample, read + conditional write: ${(2_000_000).toLocaleString('en-US')}; blind insert: ${(1_000_000).toLocaleString('en-US')})`);
      console.log(`  wall time: ${ms} ms (${Math.round((samples / ms) * 1000)} samples/s on azurite)`);
    }

    // One evaluation of `cpu_usage > 90` reads every series of the metric over the 5-minute lookback.
    const series = new SeriesStore(store, { clock });
    reset();
    clock.set(START + PUSHES * 10 * STEP_MS);
    const started = Date.now();
    const end = START + PUSHES * 10 * STEP_MS;
    const data = await series.source('ten').select([{ name: '__name__', type: '=', value: 'cpu_usage' }] as never, end - 300_000, end);
    const ms = Date.now() - started;
    console.log(`\nevaluation read of ${data.length} series over a 5-minute window`);
    console.log(`  requests: ${counter.requests} (${kinds()})`);
    console.log(`  requests per evaluation of 10k series: ${Math.round((counter.requests / data.length) * 10_000).toLocaleString('en-US')}`);
    console.log(`  wall time: ${ms} ms`);
  } finally {
    await azurite.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
