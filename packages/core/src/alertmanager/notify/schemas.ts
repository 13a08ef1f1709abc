/**
 * The strict schema of every receiver kind Vigil sends to, for checking a configuration at
 * upload with a field path per problem (the configuration keeps the records as written).
 */
import type { z } from 'zod';
import { formatPath, type Issue } from '../../errors';
import { checkTemplateText } from '../template';
import { emailConfigSchema } from './email/config';
import { msteamsConfigSchema } from './msteams/config';
import { opsgenieConfigSchema } from './opsgenie/config';
import { pagerdutyConfigSchema } from './pagerduty/config';
import { slackConfigSchema } from './slack/config';
import { snsConfigSchema } from './sns/config';

export const RECEIVER_SCHEMAS = {
  slack_configs: slackConfigSchema,
  msteams_configs: msteamsConfigSchema,
  msteamsv2_configs: msteamsConfigSchema,
  pagerduty_configs: pagerdutyConfigSchema,
  opsgenie_configs: opsgenieConfigSchema,
  email_configs: emailConfigSchema,
  sns_configs: snsConfigSchema,
} as const satisfies Record<string, z.ZodType>;

export type ReceiverKind = keyof typeof RECEIVER_SCHEMAS;

/** Fields that are not templates (URLs, keys, flags), skipped by the template syntax check. */
const NOT_TEMPLATES = new Set(['api_url', 'webhook_url', 'url', 'smarthost', 'routing_key', 'service_key', 'api_key', 'auth_password', 'auth_secret', 'auth_username', 'auth_identity', 'hello', 'type']);

function checkTemplates(value: unknown, path: PropertyKey[], out: Issue[]): void {
  if (typeof value === 'string') {
    const key = path.at(-1);
    if (typeof key === 'string' && NOT_TEMPLATES.has(key)) return;
    if (!value.includes('{{')) return;
    const problem = checkTemplateText(value);
    if (problem) out.push({ path: formatPath(path), message: `template: ${problem}` });
  } else if (Array.isArray(value)) value.forEach((v, i) => checkTemplates(v, [...path, i], out));
  else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) if (k !== 'http_config' && k !== 'tls_config' && k !== 'sigv4') checkTemplates(v, [...path, k], out);
  }
}

/** Problems in one receiver's configs of the kinds above, with paths under `receivers[ri]`. */
export function checkReceiverConfigs(receiver: Record<string, unknown>, ri: number): Issue[] {
  const issues: Issue[] = [];
  for (const [kind, schema] of Object.entries(RECEIVER_SCHEMAS)) {
    const list = receiver[kind];
    if (!Array.isArray(list)) continue;
    list.forEach((cfg, ci) => {
      const base = ['receivers', ri, kind, ci];
      const parsed = (schema as z.ZodType).safeParse(cfg);
      if (!parsed.success) {
        for (const i of parsed.error.issues) {
          if (i.path[0] === 'http_config') continue; // checked with the other receiver kinds' http_config
          if (i.code === 'unrecognized_keys') for (const k of i.keys) issues.push({ path: formatPath([...base, ...i.path, k]), message: `field ${k} not found` });
          else issues.push({ path: formatPath([...base, ...i.path]), message: i.message });
        }
      }
      checkTemplates(cfg, base, issues);
    });
  }
  return issues;
}
