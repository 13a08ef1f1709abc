import {
  IngestLimiter,
  limitsFor,
  MetadataRepository,
  otlp,
  remoteWrite,
  samplesFromJsonBatch,
  fingerprint,
  ValidationError,
  type Context,
  type IngestLimiterOptions,
  type MetricMetadata,
  type Sample,
  type SeriesInput,
} from '@vigil/core';
import type { IngestMessage } from '@vigil/events';

export interface IngestResult {
  series: number;
  samples: number;
  newSeries: number;
}

/** What one warm instance keeps for ingest: the limiter (its token buckets live here), metadata and delta state access. */
export interface IngestServices {
  limiter: IngestLimiter;
  metadata: MetadataRepository;
  deltas: otlp.DeltaAccumulator;
}

const perContext = new WeakMap<Context, IngestServices>();

/** Sets the tenant limits (and rebuilds the instance's ingest services) for a context. */
export function configureIngest(ctx: Context, options: IngestLimiterOptions = {}): IngestServices {
  const services: IngestServices = {
    limiter: new IngestLimiter(ctx.store, ctx.clock, options),
    metadata: new MetadataRepository(ctx.store),
    deltas: new otlp.DeltaAccumulator(ctx.store, () => ctx.clock.now()),
  };
  perContext.set(ctx, services);
  return services;
}

export function ingestServices(ctx: Context): IngestServices {
  const limits = ctx.settings.limits;
  return perContext.get(ctx) ?? configureIngest(ctx, limits ? { limits: (tenant) => limitsFor(limits, tenant) } : {});
}

/**
 * The ingest queue handler: a JSON batch or a base64 remote-write body. Segment keys derive from
 * their content, so handling the same message twice stores it once; series are counted against
 * limits only when the index write created them, so a redelivery counts nothing twice.
 */
export async function handle(input: IngestMessage, ctx: Context): Promise<IngestResult> {
  try {
    if (input.kind === 'remote_write') return await ingestRemoteWrite(input.tenant, Buffer.from(input.payload, 'base64'), ctx);
    return await ingestSamples(input.tenant, samplesFromJsonBatch(input), ctx);
  } catch (err) {
    // Bad data stays bad: straight to the dead-letter queue. A rate refusal (429) passes with time: retried.
    if (err instanceof ValidationError && err.status !== 429) Object.assign(err, { retryable: false });
    throw err;
  }
}

/** The JSON batch (`POST /v1/metrics`, queue `samples` messages): samples grouped into series, problems located as `samples[i]`. */
export async function ingestSamples(tenant: string, samples: Sample[], ctx: Context): Promise<IngestResult> {
  const byId = new Map<string, { series: SeriesInput; first: number }>();
  samples.forEach((s, i) => {
    const id = fingerprint(s.labels);
    let entry = byId.get(id);
    if (!entry) byId.set(id, (entry = { series: { labels: s.labels, samples: [] }, first: i }));
    entry.series.samples.push({ t: s.t, v: s.v });
  });
  const entries = [...byId.values()];
  return ingestSeries(tenant, entries.map((e) => e.series), ctx, { pathOf: (i) => `samples[${entries[i]!.first}]` });
}

export interface RemoteWriteResult extends IngestResult {
  metadata: number;
  exemplarsIgnored: number;
  histogramsIgnored: number;
}

/** A remote-write 1.0 body (snappy protobuf). Throws ValidationError (400) / LimitError (400, 429). */
export async function ingestRemoteWrite(tenant: string, body: Uint8Array, ctx: Context): Promise<RemoteWriteResult> {
  const decoded = remoteWrite.decodeRemoteWrite(body);
  const result = await ingestSeries(tenant, decoded.series, ctx, { metadata: decoded.metadata });
  if (decoded.exemplarsIgnored > 0 || decoded.histogramsIgnored > 0) {
    ctx.logger.debug('remote write: not stored', { tenant, exemplars: decoded.exemplarsIgnored, nativeHistograms: decoded.histogramsIgnored });
  }
  return { ...result, metadata: decoded.metadata.length, exemplarsIgnored: decoded.exemplarsIgnored, histogramsIgnored: decoded.histogramsIgnored };
}

export interface OtlpResult extends IngestResult {
  /** Data points not stored (exponential histograms, points without value, ...): partial_success. */
  rejected: number;
  message: string;
  /** Delta points already applied by an earlier delivery of the same export. */
  duplicates: number;
}

/** An OTLP export request, translated as Prometheus' OTLP receiver does; delta points become cumulative. */
export async function ingestOtlp(tenant: string, request: otlp.ExportRequest, ctx: Context): Promise<OtlpResult> {
  const translated = otlp.translate(request);
  const svc = ingestServices(ctx);
  // Labels of delta series are checked before their running totals are read.
  svc.limiter.checkShape(tenant, translated.deltas.map((d) => ({ labels: d.kind === 'sum' ? d.labels : { ...d.labels, __name__: d.family }, samples: [{ t: d.t, v: 0 }] })));
  const accumulated = await svc.deltas.apply(tenant, translated.deltas);
  const series = [...translated.series, ...accumulated.series];
  const result = await ingestSeries(tenant, series, ctx, { metadata: translated.metadata, afterWrite: accumulated.commit });
  const message = translated.rejected > 0 ? `${translated.rejected} data points rejected: ${translated.reasons.join('; ')}` : '';
  return { ...result, rejected: translated.rejected, message, duplicates: accumulated.duplicates };
}

export interface IngestSeriesOptions {
  metadata?: MetricMetadata[];
  /** Locates series i in the user's request for error messages. */
  pathOf?: (i: number) => string;
  /** Runs after the samples are stored (e.g. delta totals, which must never get ahead of the samples). */
  afterWrite?: () => Promise<void>;
}

/**
 * The shared path of every ingest format once it is decoded to series: limits (400/429 with the
 * limit's name; nothing stored on refusal), the series store, the series counter, metadata,
 * then one message asking evaluate to look at the metrics touched.
 */
export async function ingestSeries(tenant: string, series: SeriesInput[], ctx: Context, options: IngestSeriesOptions = {}): Promise<IngestResult> {
  const svc = ingestServices(ctx);
  svc.limiter.checkShape(tenant, series, options.pathOf);
  let result = { series: 0, samples: 0, newSeries: 0, metrics: [] as string[] };
  if (series.length > 0) {
    await svc.limiter.admit(tenant, series);
    result = await ctx.services.series.writeSeries(tenant, series);
    await svc.limiter.commit(tenant, result.newSeries);
  }
  if (options.metadata && options.metadata.length > 0) await svc.metadata.write(tenant, options.metadata);
  if (options.afterWrite) await options.afterWrite();
  if (result.metrics.length > 0) {
    await ctx.queue.send('evaluate', { body: { kind: 'touched', tenant, metrics: result.metrics.sort(), at: ctx.clock.now() } });
  }
  ctx.logger.debug('ingested', { tenant, series: result.series, samples: result.samples, newSeries: result.newSeries });
  return { series: result.series, samples: result.samples, newSeries: result.newSeries };
}
