/** opsgenie_configs (Alertmanager 0.25 OpsGenieConfig), with the global api URL and key. */
import * as z from 'zod';
import { httpUrlSchema } from '../../config/common';
import { httpConfigSchema } from '../../config/http-config';
import type { GlobalConfig } from '../../config/schema';

// Schemas are z.lazy: built at their first parse, not when a function's bundle loads (cold start).

const RESPONDER_TYPE = /^(team|teams|user|escalation|schedule)$/;

export const opsgenieResponderSchema = z.lazy(() =>
  z
    .strictObject({ id: z.string().optional(), name: z.string().optional(), username: z.string().optional(), type: z.string() })
    .superRefine((r, ctx) => {
      if (!r.id && !r.name && !r.username) ctx.addIssue({ code: 'custom', message: 'opsGenieConfig responder must have at least an id, a name or an username defined' });
      // A templated type is checked when it is rendered.
      if (!r.type.includes('{{') && !RESPONDER_TYPE.test(r.type.toLowerCase())) ctx.addIssue({ code: 'custom', path: ['type'], message: `opsGenieConfig responder ${JSON.stringify(r.type)} type does not match valid options team,teams,user,escalation,schedule` });
    }),
);

export const opsgenieConfigSchema = z.lazy(() =>
  z.strictObject({
    send_resolved: z.boolean().default(true),
    http_config: httpConfigSchema.optional(),
    api_key: z.string().optional(),
    api_url: httpUrlSchema.optional(),
    message: z.string().default('{{ template "opsgenie.default.message" . }}'),
    description: z.string().default('{{ template "opsgenie.default.description" . }}'),
    source: z.string().default('{{ template "opsgenie.default.source" . }}'),
    details: z.record(z.string(), z.string()).optional(),
    entity: z.string().optional(),
    responders: z.array(opsgenieResponderSchema).optional(),
    actions: z.string().optional(),
    tags: z.string().optional(),
    note: z.string().optional(),
    priority: z.string().optional(),
    update_alerts: z.boolean().default(false),
  }),
);

export type OpsgenieConfig = z.output<typeof opsgenieConfigSchema> & { api_key: string; api_url: string };

export function resolveOpsgenieConfig(raw: unknown, global: GlobalConfig): OpsgenieConfig {
  const c = opsgenieConfigSchema.parse(raw);
  return { ...c, api_key: c.api_key ?? global.opsgenie_api_key ?? '', api_url: c.api_url ?? global.opsgenie_api_url, http_config: c.http_config ?? global.http_config };
}
