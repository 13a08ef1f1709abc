import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { ValidationError, type Context } from '@vigil/core';
import { authenticate } from './auth';
import type { ApiEnv } from './env';
import { errorBody, handleError, HttpError } from './errors';
import { metricsRoutes } from './routes/metrics';
import { remoteWriteRoutes } from './routes/ingest-remote-write';
import { otlpRoutes } from './routes/ingest-otlp';
import { metadataRoutes } from './routes/ingest-metadata';
import { rulerRoutes } from './routes/ruler';
import { ruleConditionRoutes } from './routes/rule-conditions';
import { prometheusRoutes } from './routes/prometheus';
import { alertmanagerConfigRoutes } from './routes/alertmanager-config';
import { runbookRoutes } from './routes/runbooks';
import { ALERTMANAGER_API_BASE, alertmanagerApiRoutes } from './routes/alertmanager';

export const DEFAULT_MAX_BODY_BYTES = 5 * 1024 * 1024;

export interface ApiOptions {
  maxBodyBytes?: number;
  /** Called when a tenant's rule groups change (the local scheduler re-reads them). */
  onRulesChanged?: (tenant: string) => void;
}

/**
 * The whole HTTP API as one web-standard app: `app.fetch(Request) → Response`. Each
 * adapter (local server, API Gateway, Cloud Functions, Azure HTTP) only translates to it.
 */
export function createApi(ctx: Context, options: ApiOptions = {}) {
  const app = new Hono<ApiEnv>();
  const maxSize = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;

  app.onError((err, c) => handleError(err, c, ctx.logger));
  app.notFound((c) => c.json(errorBody('not_found', `no route for ${c.req.method} ${c.req.path}`), 404));

  app.get('/healthz', (c) => c.text('ok'));

  app.use('*', authenticate(ctx));
  const tooLarge = (): never => {
    throw new ValidationError([{ path: '', message: `request body exceeds ${maxSize} bytes` }], 413);
  };
  const streamLimit = bodyLimit({ maxSize, onError: tooLarge });
  app.use('*', async (c, next) => {
    // A body framed by Content-Length cannot be longer than it says (the HTTP parser stops
    // there), so the header alone decides. Only other bodies (chunked) are counted as they are
    // read, by hono's bodyLimit, which turns the request into a stream-backed web Request: on
    // Node that costs more than the direct read the ingest routes otherwise get.
    if (c.req.method === 'GET' || c.req.method === 'HEAD') return next();
    const length = c.req.header('content-length');
    if (length !== undefined && c.req.header('transfer-encoding') === undefined && /^\d+$/.test(length)) {
      if (Number(length) > maxSize) tooLarge();
      return next();
    }
    return streamLimit(c, next);
  });

  app.route('/', metricsRoutes(ctx));
  app.route('/', remoteWriteRoutes(ctx));
  app.route('/', otlpRoutes(ctx));
  app.route('/', metadataRoutes(ctx));
  app.route('/', rulerRoutes(ctx, options.onRulesChanged ?? (() => {})));
  app.route('/', ruleConditionRoutes(ctx, options.onRulesChanged ?? (() => {})));
  app.route('/', prometheusRoutes(ctx));
  app.route('/', alertmanagerConfigRoutes(ctx));
  app.route('/', runbookRoutes(ctx));
  app.route(ALERTMANAGER_API_BASE, alertmanagerApiRoutes(ctx));
  return app;
}

export { HttpError };
