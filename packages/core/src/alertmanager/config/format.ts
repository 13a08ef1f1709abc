/**
 * Renders a parsed configuration back to YAML for display (status API, CLI): durations in
 * Prometheus form, secrets as `<secret>` unless the caller holds them legitimately.
 */
import { yamlLib } from '../../yaml';
import { formatDuration } from './duration';
import { redactSecrets } from './secrets';
import type { AlertmanagerConfig, RouteConfig } from './schema';

const ROUTE_DURATIONS = ['group_wait', 'group_interval', 'repeat_interval'] as const;

function displayRoute(route: RouteConfig): Record<string, unknown> {
  const out: Record<string, unknown> = { ...route };
  for (const k of ROUTE_DURATIONS) {
    const v = route[k];
    if (v !== undefined) out[k] = formatDuration(v);
  }
  if (route.routes) out.routes = route.routes.map(displayRoute);
  return out;
}

/** The configuration as a plain object in YAML's own shape (durations as strings). */
export function toDisplayObject(config: AlertmanagerConfig, options: { redact?: boolean } = {}): Record<string, unknown> {
  const { redact = true } = options;
  const source = redact ? redactSecrets(config) : config;
  return {
    ...source,
    global: { ...source.global, resolve_timeout: formatDuration(source.global.resolve_timeout) },
    route: displayRoute(source.route),
  };
}

export function formatAlertmanagerConfig(config: AlertmanagerConfig, options: { redact?: boolean } = {}): string {
  return yamlLib().stringify(toDisplayObject(config, options));
}
