/**
 * Alertmanager prints secrets as `<secret>` whenever it shows a configuration. `redactSecrets`
 * returns a copy safe to show, log or return from the status API. Over-redacting is harmless;
 * leaking is not, so any key that names a credential is redacted wherever it sits, including in
 * the loosely typed receiver kinds.
 */
import type { AlertmanagerConfig } from './schema';

export const SECRET_PLACEHOLDER = '<secret>';

/** Keys whose values are secret wherever they appear. */
const SECRET_KEYS = new Set([
  'password', // http_config.basic_auth
  'credentials', // http_config.authorization
  'bearer_token',
  'client_secret', // oauth2
  'smtp_auth_password',
  'smtp_auth_secret',
  'slack_api_url',
  'opsgenie_api_key',
  'wechat_api_secret',
  'victorops_api_key',
  'auth_password', // email
  'auth_secret',
  'routing_key', // pagerduty
  'service_key',
  'api_key', // opsgenie, victorops
  'user_key', // pushover
  'token',
  'api_secret', // wechat
  'secret_key', // sns sigv4
  'bot_token', // telegram
  'webhook_url', // discord, msteams
]);

/** Keys that are secret only under a given parent (the nearest named object or list). */
const SECRET_UNDER: Record<string, Set<string>> = {
  tls_config: new Set(['key']),
  slack_configs: new Set(['api_url']),
  // Header values can carry credentials.
  proxy_connect_header: new Set(['*']),
  headers: new Set(['*']),
};

function redact(value: unknown, parentKey: string): unknown {
  if (Array.isArray(value)) return value.map((v) => redact(v, parentKey));
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  const under = SECRET_UNDER[parentKey];
  for (const [k, v] of Object.entries(value)) {
    const secret = SECRET_KEYS.has(k) || (under !== undefined && (under.has(k) || under.has('*')));
    if (secret && v !== undefined && v !== null && v !== '') {
      out[k] = Array.isArray(v) ? v.map(() => SECRET_PLACEHOLDER) : SECRET_PLACEHOLDER;
    } else {
      out[k] = redact(v, k);
    }
  }
  return out;
}

/** A deep copy of the config with every secret replaced by `<secret>`. */
export function redactSecrets<T extends object = AlertmanagerConfig>(config: T): T {
  return redact(config, '') as T;
}
