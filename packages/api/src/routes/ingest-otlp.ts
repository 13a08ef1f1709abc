import { Hono } from 'hono';
import { IngestProtocolError, LimitError, otlp, ValidationError, type Context } from '@vigil/core';
import { ingestOtlp } from '@vigil/fn-ingest';
import { requireScope } from '../auth';
import type { ApiEnv } from '../env';

/**
 * `POST /otlp/v1/metrics`: OTLP/HTTP metrics, protobuf or JSON, plain or gzip. 200 with an
 * ExportMetricsServiceResponse (partial_success when some points were rejected); errors carry
 * a google.rpc.Status in the request's encoding: 400 bad data (not retried by exporters),
 * 415 unsupported encoding, 429 rate limit (retried, with Retry-After), 5xx our faults.
 */
export function otlpRoutes(ctx: Context) {
  const app = new Hono<ApiEnv>();
  app.post('/otlp/v1/metrics', requireScope('metrics:write'), async (c) => {
    const tenant = c.get('principal').tenant;
    let format: otlp.OtlpFormat = 'json';
    try {
      format = otlp.otlpFormat(c.req.header('content-type'));
      const body = otlp.otlpBody(new Uint8Array(await c.req.arrayBuffer()), c.req.header('content-encoding'));
      const request = otlp.decodeOtlp(body, format);
      const result = await ingestOtlp(tenant, request, ctx);
      const response = otlp.encodeOtlpResponse(format, result.rejected, result.message);
      return c.body(response.body as string, 200, { 'Content-Type': response.contentType });
    } catch (err) {
      if (!(err instanceof ValidationError || err instanceof IngestProtocolError)) throw err;
      if (err instanceof LimitError && err.status === 429 && err.retryAfterMs !== undefined && Number.isFinite(err.retryAfterMs)) {
        c.header('Retry-After', String(Math.max(1, Math.ceil(err.retryAfterMs / 1000))));
      }
      const code = err.status === 429 ? otlp.RPC_CODES.resourceExhausted : otlp.RPC_CODES.invalidArgument;
      const status = otlp.encodeOtlpStatus(format, code, err.message);
      return c.body(status.body as string, err.status as 400, { 'Content-Type': status.contentType });
    }
  });
  return app;
}
