import { Hono } from 'hono';
import { jsonBatchSchema, LimitError, parseWith, samplesFromJsonBatch, type Context } from '@vigil/core';
import { ingestSamples } from '@vigil/fn-ingest';
import { requireScope } from '../auth';
import { readJson } from '../body';
import type { ApiEnv } from '../env';
import { success } from '../errors';

/** `POST /v1/metrics`: the plain JSON batch. The whole batch is validated before anything is stored. */
export function metricsRoutes(ctx: Context) {
  const app = new Hono<ApiEnv>();
  app.post('/v1/metrics', requireScope('metrics:write'), async (c) => {
    const batch = parseWith(jsonBatchSchema, await readJson(c));
    try {
      const result = await ingestSamples(c.get('principal').tenant, samplesFromJsonBatch(batch), ctx);
      return c.json(success(result));
    } catch (err) {
      // The error body comes from the app's handler; the hint tells a retrying client when the rate allows the batch.
      if (err instanceof LimitError && err.status === 429 && err.retryAfterMs !== undefined && Number.isFinite(err.retryAfterMs)) {
        c.header('Retry-After', String(Math.max(1, Math.ceil(err.retryAfterMs / 1000))));
      }
      throw err;
    }
  });
  return app;
}
