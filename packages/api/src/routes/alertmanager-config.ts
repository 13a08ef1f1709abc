import { Hono } from 'hono';
import * as z from 'zod';
import { alertmanager, parseUserYaml, parseWith, ValidationError, yamlLib, type Context } from '@vigil/core';
import { requireScope } from '../auth';
import type { ApiEnv } from '../env';
import { HttpError } from '../errors';

// Schemas are z.lazy: built at their first parse, not when a function's bundle loads (cold start).

/** Mimir's body for `POST /api/v1/alerts`: the Alertmanager YAML as a string, plus template files. */
const configBodySchema = z.lazy(() =>
  z.strictObject({
    alertmanager_config: z.string().min(1, 'alertmanager_config must not be empty'),
    template_files: z.record(z.string(), z.string()).default({}),
  }),
);

/**
 * A tenant's Alertmanager configuration through Mimir's API, so `mimirtool alertmanager`
 * works: the configuration is validated whole before it is stored, and secrets read back
 * as `<secret>`.
 */
export function alertmanagerConfigRoutes(ctx: Context) {
  const app = new Hono<ApiEnv>();
  const repo = ctx.services.alertmanagerConfigs;

  app.post('/api/v1/alerts', requireScope('config:write'), async (c) => {
    const body = parseWith(configBodySchema, parseUserYaml(await c.req.text()));
    try {
      alertmanager.parseAlertmanagerConfig(body.alertmanager_config);
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      throw new ValidationError(err.issues.map((i) => ({ path: i.path ? `alertmanager_config.${i.path}` : 'alertmanager_config', message: i.message })));
    }
    alertmanager.template.validateTemplateFiles(body.template_files);
    await repo.put(c.get('principal').tenant, { config: body.alertmanager_config, templateFiles: body.template_files, updatedAt: ctx.clock.now() });
    return c.body(null, 201);
  });

  app.get('/api/v1/alerts', requireScope('config:read'), async (c) => {
    const stored = await repo.get(c.get('principal').tenant);
    if (!stored) throw new HttpError(404, 'not_found', 'alertmanager storage object not found');
    const redacted = alertmanager.formatAlertmanagerConfig(alertmanager.parseAlertmanagerConfig(stored.config), { redact: true });
    return new Response(yamlLib().stringify({ template_files: stored.templateFiles, alertmanager_config: redacted }, { lineWidth: 0 }), {
      headers: { 'content-type': 'application/yaml' },
    });
  });

  app.delete('/api/v1/alerts', requireScope('config:write'), async (c) => {
    await repo.delete(c.get('principal').tenant);
    return c.body(null, 200);
  });

  return app;
}
