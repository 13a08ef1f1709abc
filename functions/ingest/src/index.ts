import { samplesFromJsonBatch, type Context, type Sample } from '@vigil/core';
import type { IngestMessage } from '@vigil/events';

export interface IngestResult {
  series: number;
  samples: number;
  newSeries: number;
}

/**
 * Stores a validated batch and asks evaluate to look at the metrics it touched.
 * Chunk keys derive from their content, so handling the same batch twice stores it once.
 */
export async function handle(input: IngestMessage, ctx: Context): Promise<IngestResult> {
  return ingestSamples(input.tenant, samplesFromJsonBatch(input), ctx);
}

/** The shared path of every ingest format once it is normalised to samples. */
export async function ingestSamples(tenant: string, samples: Sample[], ctx: Context): Promise<IngestResult> {
  const result = await ctx.services.series.write(tenant, samples);
  if (result.metrics.length > 0) {
    await ctx.queue.send('evaluate', { body: { kind: 'touched', tenant, metrics: result.metrics.sort(), at: ctx.clock.now() } });
  }
  ctx.logger.debug('ingested', { tenant, series: result.series, samples: result.samples, newSeries: result.newSeries });
  return { series: result.series, samples: result.samples, newSeries: result.newSeries };
}
