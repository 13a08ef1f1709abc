import { Hono } from 'hono';
import { alertmanager, parseWith, type Context } from '@vigil/core';
import { requireScope } from '../../auth';
import type { ApiEnv } from '../../env';
import { readJson } from '../../body';
import { HttpError } from '../../errors';
import { parseFilter } from './schemas';

/** Silences through Alertmanager's v2 API: `silences` (list, create/update) and `silence/{id}` (read, expire). */
export function silenceRoutes(ctx: Context) {
  const app = new Hono<ApiEnv>();
  const repo = new alertmanager.SilenceRepository(ctx.store);

  const notFound = (id: string) => new HttpError(404, 'not_found', `silence ${id} not found`);

  app.get('/silences', requireScope('alerts:read'), async (c) => {
    const filter = parseFilter(c.req.queries('filter'));
    const now = ctx.clock.now();
    const list = await repo.query(c.get('principal').tenant, { filter }, now);
    return c.json(list.map((s) => alertmanager.toGettableSilence(s, now)));
  });

  app.post('/silences', requireScope('silences:write'), async (c) => {
    const body = parseWith(alertmanager.postableSilenceSchema, await readJson(c));
    try {
      const silenceID = await repo.set(
        c.get('principal').tenant,
        { ...body, id: body.id || undefined, matchers: body.matchers.map(alertmanager.toMatcher) },
        ctx.clock.now(),
      );
      return c.json({ silenceID });
    } catch (err) {
      if (err instanceof alertmanager.SilenceNotFoundError) throw notFound(err.id);
      throw err;
    }
  });

  app.get('/silence/:id', requireScope('alerts:read'), async (c) => {
    const id = c.req.param('id');
    const s = await repo.get(c.get('principal').tenant, id);
    if (!s) throw notFound(id);
    return c.json(alertmanager.toGettableSilence(s, ctx.clock.now()));
  });

  app.delete('/silence/:id', requireScope('silences:write'), async (c) => {
    const id = c.req.param('id');
    try {
      await repo.expire(c.get('principal').tenant, id, ctx.clock.now());
    } catch (err) {
      if (err instanceof alertmanager.SilenceNotFoundError) throw notFound(id);
      throw err;
    }
    return c.body(null, 200);
  });

  return app;
}
