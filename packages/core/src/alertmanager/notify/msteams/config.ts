/**
 * msteams_configs, in the shape Alertmanager 0.26+ reads (0.25 has no Teams receiver); sent as
 * an Adaptive Card to a Teams workflow ("Post to a channel when a webhook request is received")
 * URL, which is also what msteamsv2_configs does in Alertmanager 0.28.
 */
import * as z from 'zod';
import { httpUrlSchema } from '../../config/common';
import { httpConfigSchema } from '../../config/http-config';
import type { GlobalConfig } from '../../config/schema';

// Schemas are z.lazy: built at their first parse, not when a function's bundle loads (cold start).

export const msteamsConfigSchema = z.lazy(() =>
  z
    .strictObject({
      send_resolved: z.boolean().default(true),
      http_config: httpConfigSchema.optional(),
      webhook_url: httpUrlSchema.optional(),
      title: z.string().default('{{ template "msteams.default.title" . }}'),
      summary: z.string().default('{{ template "msteams.default.summary" . }}'),
      text: z.string().default('{{ template "msteams.default.text" . }}'),
    })
    .superRefine((c, ctx) => {
      if (c.webhook_url === undefined) ctx.addIssue({ code: 'custom', path: ['webhook_url'], message: 'one of webhook_url or webhook_url_file must be configured' });
    }),
);

export type MSTeamsConfig = z.output<typeof msteamsConfigSchema> & { webhook_url: string };

export function resolveMSTeamsConfig(raw: unknown, global: GlobalConfig): MSTeamsConfig {
  const c = msteamsConfigSchema.parse(raw);
  return { ...c, webhook_url: c.webhook_url!, http_config: c.http_config ?? global.http_config };
}
