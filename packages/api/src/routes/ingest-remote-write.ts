import { Hono, type Context as HonoContext } from 'hono';
import { IngestProtocolError, LimitError, remoteWrite, ValidationError, type Context } from '@vigil/core';
import { ingestRemoteWrite } from '@vigil/fn-ingest';
import { requireScope } from '../auth';
import type { ApiEnv } from '../env';

/**
 * `POST /api/v1/push`: Prometheus remote write 1.0 (the path Mimir and Cortex use). Answers for
 * a retrying sender: 204 stored; 400 permanently bad data (Prometheus drops it); 415 wrong
 * content type or encoding; 429 rate limit (retried); 5xx only for our own faults (retried).
 * Errors are plain text, as Prometheus' own receiver writes them.
 */
export function remoteWriteRoutes(ctx: Context) {
  const app = new Hono<ApiEnv>();
  app.post('/api/v1/push', requireScope('metrics:write'), async (c) => {
    const tenant = c.get('principal').tenant;
    try {
      remoteWrite.checkRemoteWriteHeaders(c.req.raw.headers);
      const body = new Uint8Array(await c.req.arrayBuffer());
      if (body.length === 0) throw ValidationError.single('', 'request body is empty');
      await ingestRemoteWrite(tenant, body, ctx);
      return c.body(null, 204);
    } catch (err) {
      return ingestErrorText(c, err);
    }
  });
  return app;
}

/** Client errors as `text/plain` with the reason (and Retry-After for the rate limit); other errors go to the app's handler (500). */
export function ingestErrorText(c: HonoContext, err: unknown): Response {
  if (err instanceof LimitError && err.status === 429 && err.retryAfterMs !== undefined && Number.isFinite(err.retryAfterMs)) {
    c.header('Retry-After', String(Math.max(1, Math.ceil(err.retryAfterMs / 1000))));
  }
  if (err instanceof ValidationError || err instanceof IngestProtocolError) {
    if (err.status === 413) c.header('Connection', 'close');
    return c.text(`${err.message}\n`, err.status as 400);
  }
  throw err;
}
