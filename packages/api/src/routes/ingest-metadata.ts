import { Hono } from 'hono';
import { ValidationError, type Context } from '@vigil/core';
import { ingestServices } from '@vigil/fn-ingest';
import { requireScope } from '../auth';
import type { ApiEnv } from '../env';
import { success } from '../errors';

/**
 * `GET /prometheus/api/v1/metadata[?metric=&limit=]`: the metric metadata remote write and OTLP
 * brought in, in Prometheus' shape (`{metric: [{type, help, unit}]}`; one entry per family,
 * the latest received).
 */
export function metadataRoutes(ctx: Context) {
  const app = new Hono<ApiEnv>();
  app.get('/prometheus/api/v1/metadata', requireScope('metrics:read'), async (c) => {
    const metric = c.req.query('metric') || undefined;
    const limitText = c.req.query('limit');
    const limit = limitText === undefined || limitText === '' ? undefined : Number(limitText);
    if (limit !== undefined && !Number.isInteger(limit)) throw ValidationError.single('limit', 'must be an integer');
    const entries = await ingestServices(ctx).metadata.list(c.get('principal').tenant, metric);
    const data: Record<string, { type: string; help: string; unit: string }[]> = {};
    for (const m of entries) {
      // Prometheus: a non-positive limit means no limit.
      if (limit !== undefined && limit > 0 && Object.keys(data).length >= limit) break;
      data[m.metric] = [{ type: m.type, help: m.help, unit: m.unit }];
    }
    return c.json(success(data));
  });
  return app;
}
