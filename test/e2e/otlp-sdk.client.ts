/**
 * A small program instrumented with the OpenTelemetry JS SDK, exporting over OTLP/HTTP. The
 * OTLP test runs it as its own process (the exporters load their transport with a dynamic
 * import, which jest's module sandbox cannot run). Usage:
 *   node --import tsx otlp-sdk.client.ts '{"url":"…","key":"…","tenant":"…","encoding":"protobuf|json","delta":false,"instance":"pod-1"}'
 * Exits non-zero, printing why, when an export fails.
 */
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { OTLPMetricExporter as ProtoExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { AggregationTemporalityPreference, OTLPMetricExporter as JsonExporter } from '@opentelemetry/exporter-metrics-otlp-http';

interface Options {
  url: string;
  key: string;
  tenant: string;
  encoding: 'protobuf' | 'json';
  delta: boolean;
  instance: string;
}

async function main(options: Options): Promise<void> {
  const config = {
    url: `${options.url}/otlp/v1/metrics`,
    headers: { Authorization: `Bearer ${options.key}`, 'X-Scope-OrgID': options.tenant },
    temporalityPreference: options.delta ? AggregationTemporalityPreference.DELTA : AggregationTemporalityPreference.CUMULATIVE,
  };
  const exporter = options.encoding === 'protobuf' ? new ProtoExporter(config) : new JsonExporter(config);
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
  const provider = new MeterProvider({
    resource: resourceFromAttributes({ 'service.name': 'checkout', 'service.namespace': 'shop', 'service.instance.id': options.instance, 'deployment.environment': 'test' }),
    readers: [reader],
  });
  const meter = provider.getMeter('vigil-test', '1.0.0');

  if (options.delta) {
    const jobs = meter.createCounter('jobs.processed');
    jobs.add(3);
    await provider.forceFlush();
    // A delta point ends when it is collected; the next one must end later.
    await new Promise((r) => setTimeout(r, 5));
    jobs.add(4);
    await provider.forceFlush();
  } else {
    const requests = meter.createCounter('http.server.requests', { unit: '{request}' });
    const memory = meter.createGauge('process.memory.usage', { unit: 'By' });
    const duration = meter.createHistogram('http.server.duration', { unit: 'ms', advice: { explicitBucketBoundaries: [10, 100, 1000] } });
    requests.add(2, { 'http.method': 'GET' });
    requests.add(1, { 'http.method': 'GET' });
    requests.add(5, { 'http.method': 'POST' });
    memory.record(1_048_576);
    for (const ms of [5, 50, 60, 500, 5000]) duration.record(ms, { route: '/pay' });
    await provider.forceFlush();
  }
  await provider.shutdown();
}

main(JSON.parse(process.argv[2] ?? '{}') as Options).then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`export failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
