import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { silentLogger } from '@vigil/core';
import { startLocal, type LocalRuntime } from '@vigil/adapter-local';
import { ADMIN_KEY, client, tempDir } from '../helpers/local';

/**
 * The OpenTelemetry JS SDK (MeterProvider, PeriodicExportingMetricReader, the OTLP/HTTP protobuf
 * and JSON exporters) in its own process, exporting to Vigil: counters, gauges and histograms
 * land as the series docs/INGEST.md describes and answer PromQL queries.
 */
const run = promisify(execFile);
const CLIENT = join(__dirname, 'otlp-sdk.client.ts');

describe('OpenTelemetry SDK → OTLP/HTTP → Vigil', () => {
  const { dir, remove } = tempDir('vigil-otlp-');
  let vigil: LocalRuntime;

  beforeAll(async () => {
    vigil = await startLocal({ dataDir: dir, port: 0, apiKey: ADMIN_KEY, logger: silentLogger, background: false });
  });
  afterAll(async () => {
    await vigil.stop();
    remove();
  });

  const exportWithSdk = async (options: { tenant: string; encoding: 'protobuf' | 'json'; delta: boolean; instance: string }) => {
    try {
      await run(process.execPath, ['--import', 'tsx', CLIENT, JSON.stringify({ url: vigil.url, key: ADMIN_KEY, ...options })], { cwd: join(__dirname, '..', '..'), timeout: 60_000 });
    } catch (err) {
      throw new Error(`the SDK process failed: ${(err as { stderr?: string }).stderr ?? (err as Error).message}`);
    }
  };

  const query = async (tenant: string, q: string) => {
    const res = await client(vigil.url, ADMIN_KEY, { 'x-scope-orgid': tenant }).get(`/prometheus/api/v1/query?query=${encodeURIComponent(q)}`);
    expect(res.status).toBe(200);
    return (res.json.data.result as { metric: Record<string, string>; value: [number, string] }[]).map((r) => ({ labels: r.metric, value: Number(r.value[1]) }));
  };

  it.each(['protobuf', 'json'] as const)('%s: counters, gauges and histograms become Prometheus series', async (encoding) => {
    const tenant = `otel-${encoding}`;
    await exportWithSdk({ tenant, encoding, delta: false, instance: 'pod-1' });

    const id = { job: 'shop/checkout', instance: 'pod-1' };
    expect(await query(tenant, 'http_server_requests_total')).toEqual([
      { labels: { __name__: 'http_server_requests_total', http_method: 'GET', ...id }, value: 3 },
      { labels: { __name__: 'http_server_requests_total', http_method: 'POST', ...id }, value: 5 },
    ]);
    expect(await query(tenant, 'process_memory_usage_bytes')).toEqual([{ labels: { __name__: 'process_memory_usage_bytes', ...id }, value: 1_048_576 }]);
    const buckets = await query(tenant, 'http_server_duration_milliseconds_bucket');
    expect(Object.fromEntries(buckets.map((b) => [b.labels.le, b.value]))).toEqual({ '10': 1, '100': 3, '1000': 4, '+Inf': 5 });
    expect(buckets[0]!.labels).toMatchObject({ route: '/pay', ...id });
    expect(await query(tenant, 'http_server_duration_milliseconds_count')).toEqual([{ labels: { __name__: 'http_server_duration_milliseconds_count', route: '/pay', ...id }, value: 5 }]);
    expect((await query(tenant, 'http_server_duration_milliseconds_sum'))[0]!.value).toBe(5615);
    const [info] = await query(tenant, 'target_info');
    expect(info?.labels).toEqual({ __name__: 'target_info', deployment_environment: 'test', ...id });
  }, 90_000);

  it('delta temporality: two exports add up to one cumulative counter', async () => {
    await exportWithSdk({ tenant: 'otel-delta', encoding: 'json', delta: true, instance: 'pod-2' });
    expect(await query('otel-delta', 'jobs_processed_total')).toEqual([{ labels: { __name__: 'jobs_processed_total', job: 'shop/checkout', instance: 'pod-2' }, value: 7 }]);
  }, 90_000);
});
