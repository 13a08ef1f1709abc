import { Hono } from 'hono';
import { alertmanager, yamlLib, type Context } from '@vigil/core';
import { requireScope } from '../../auth';
import type { ApiEnv } from '../../env';

/**
 * A webhook URL with everything past the host hidden: paths and query strings often carry
 * tokens. It stays a valid URL because amtool loads this text with Alertmanager 0.25's own
 * loader, which (unlike later versions) reads webhook URLs as plain URLs.
 */
function redactUrl(u: string): string {
  try {
    const url = new URL(u);
    const hidden = url.username !== '' || url.password !== '' || url.search !== '' || url.pathname.length > 1;
    return `${url.protocol}//${url.host}/${hidden ? alertmanager.SECRET_PLACEHOLDER : ''}`;
  } catch {
    return alertmanager.SECRET_PLACEHOLDER;
  }
}

/** The tenant's configuration as `config.original`, secrets as `<secret>`. */
export function redactedOriginal(config: alertmanager.AlertmanagerConfig): string {
  const shown = alertmanager.toDisplayObject(config, { redact: true }) as { receivers?: { webhook_configs?: { url?: string }[] }[] };
  for (const r of shown.receivers ?? []) {
    for (const w of r.webhook_configs ?? []) if (w.url) w.url = redactUrl(w.url);
  }
  return yamlLib().stringify(shown, { lineWidth: 0 });
}

export function statusRoutes(ctx: Context, startedAt: number) {
  const app = new Hono<ApiEnv>();

  app.get('/status', requireScope('alerts:read'), async (c) => {
    const config = await ctx.services.alertmanagerConfigs.load(c.get('principal').tenant);
    return c.json({
      cluster: { status: 'disabled', peers: [] },
      config: { original: config ? redactedOriginal(config) : '' },
      uptime: new Date(startedAt).toISOString(),
      versionInfo: { branch: '', buildDate: '', buildUser: '', goVersion: '', revision: '', version: 'vigil' },
    });
  });

  app.get('/receivers', requireScope('alerts:read'), async (c) => {
    const config = await ctx.services.alertmanagerConfigs.load(c.get('principal').tenant);
    return c.json((config?.receivers ?? []).map((r) => ({ name: r.name })));
  });

  return app;
}
