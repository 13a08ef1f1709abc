import { Hono } from 'hono';
import { ValidationError, type Context } from '@vigil/core';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { ApiEnv } from '../../env';
import { HttpError } from '../../errors';
import { alertRoutes } from './alerts';
import { silenceRoutes } from './silences';
import { statusRoutes } from './status';

export const ALERTMANAGER_API_BASE = '/alertmanager/api/v2';

/**
 * Alertmanager's v2 API for one tenant (tenant and scopes from the API key, as everywhere):
 * alerts, alert groups, silences, status and receivers, so `amtool` works against Vigil.
 * Errors are a JSON string, as Alertmanager answers them and as amtool prints them.
 */
export function alertmanagerApiRoutes(ctx: Context) {
  const app = new Hono<ApiEnv>();
  const startedAt = ctx.clock.now();
  app.onError((err, c) => {
    if (err instanceof ValidationError) return c.json(err.message, err.status as ContentfulStatusCode);
    if (err instanceof HttpError) return c.json(err.message, err.status);
    ctx.logger.error('request failed', { method: c.req.method, path: c.req.path, error: err instanceof Error ? err.message : String(err) });
    return c.json('internal error', 500);
  });
  app.route('/', alertRoutes(ctx));
  app.route('/', silenceRoutes(ctx));
  app.route('/', statusRoutes(ctx, startedAt));
  return app;
}
