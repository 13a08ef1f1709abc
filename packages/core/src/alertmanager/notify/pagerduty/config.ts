/** pagerduty_configs (Alertmanager 0.25 PagerdutyConfig), Events API v2. */
import * as z from 'zod';
import { httpUrlSchema } from '../../config/common';
import { httpConfigSchema } from '../../config/http-config';
import type { GlobalConfig } from '../../config/schema';

// Schemas are z.lazy: built at their first parse, not when a function's bundle loads (cold start).

/** Alertmanager's DefaultPagerdutyDetails, merged into `details` key by key. */
export const DEFAULT_PAGERDUTY_DETAILS: Record<string, string> = {
  firing: '{{ template "pagerduty.default.instances" .Alerts.Firing }}',
  resolved: '{{ template "pagerduty.default.instances" .Alerts.Resolved }}',
  num_firing: '{{ .Alerts.Firing | len }}',
  num_resolved: '{{ .Alerts.Resolved | len }}',
};

export const pagerdutyConfigSchema = z.lazy(() =>
  z
    .strictObject({
      send_resolved: z.boolean().default(true),
      http_config: httpConfigSchema.optional(),
      routing_key: z.string().optional(),
      service_key: z.string().optional(),
      url: httpUrlSchema.optional(),
      client: z.string().default('{{ template "pagerduty.default.client" . }}'),
      client_url: z.string().default('{{ template "pagerduty.default.clientURL" . }}'),
      description: z.string().default('{{ template "pagerduty.default.description" .}}'),
      details: z.record(z.string(), z.string()).optional(),
      images: z.array(z.strictObject({ src: z.string().optional(), alt: z.string().optional(), href: z.string().optional() })).optional(),
      links: z.array(z.strictObject({ href: z.string().optional(), text: z.string().optional() })).optional(),
      source: z.string().optional(),
      severity: z.string().default('error'),
      class: z.string().optional(),
      component: z.string().optional(),
      group: z.string().optional(),
    })
    .superRefine((c, ctx) => {
      // Events API v1 (service_key) is end-of-life at PagerDuty; only v2 is sent.
      if (c.routing_key === undefined && c.service_key !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['service_key'], message: 'service_key (Events API v1) is not supported, use routing_key (Events API v2)' });
      }
    }),
);

export type PagerdutyConfig = z.output<typeof pagerdutyConfigSchema> & { routing_key: string; url: string; details: Record<string, string> };

export function resolvePagerdutyConfig(raw: unknown, global: GlobalConfig): PagerdutyConfig {
  const c = pagerdutyConfigSchema.parse(raw);
  return {
    ...c,
    routing_key: c.routing_key ?? '',
    url: c.url ?? global.pagerduty_url,
    http_config: c.http_config ?? global.http_config,
    details: { ...DEFAULT_PAGERDUTY_DETAILS, ...c.details },
  };
}
