/** slack_configs (Alertmanager 0.25 SlackConfig), with its defaults and the global api URL. */
import * as z from 'zod';
import { httpUrlSchema } from '../../config/common';
import { httpConfigSchema } from '../../config/http-config';
import type { GlobalConfig } from '../../config/schema';

// Schemas are z.lazy: built at their first parse, not when a function's bundle loads (cold start).

const confirmSchema = z.lazy(() => z.strictObject({ title: z.string().optional(), text: z.string(), ok_text: z.string().optional(), dismiss_text: z.string().optional() }));

export const slackActionSchema = z.lazy(() =>
  z
    .strictObject({
      type: z.string(),
      text: z.string(),
      url: z.string().optional(),
      style: z.string().optional(),
      name: z.string().optional(),
      value: z.string().optional(),
      confirm: confirmSchema.optional(),
    })
    .refine((a) => a.url !== undefined || a.name !== undefined, { message: 'missing name or url in Slack action' }),
);

export const slackFieldSchema = z.lazy(() => z.strictObject({ title: z.string().min(1, 'missing title in Slack field configuration'), value: z.string().min(1, 'missing value in Slack field configuration'), short: z.boolean().optional() }));

export const slackConfigSchema = z.lazy(() =>
  z.strictObject({
    send_resolved: z.boolean().default(false),
    http_config: httpConfigSchema.optional(),
    api_url: httpUrlSchema.optional(),
    channel: z.string().optional(),
    username: z.string().default('{{ template "slack.default.username" . }}'),
    color: z.string().default('{{ if eq .Status "firing" }}danger{{ else }}good{{ end }}'),
    title: z.string().default('{{ template "slack.default.title" . }}'),
    title_link: z.string().default('{{ template "slack.default.titlelink" . }}'),
    pretext: z.string().default('{{ template "slack.default.pretext" . }}'),
    text: z.string().default('{{ template "slack.default.text" . }}'),
    fields: z.array(slackFieldSchema).optional(),
    short_fields: z.boolean().default(false),
    footer: z.string().default('{{ template "slack.default.footer" . }}'),
    fallback: z.string().default('{{ template "slack.default.fallback" . }}'),
    callback_id: z.string().default('{{ template "slack.default.callbackid" . }}'),
    icon_emoji: z.string().default('{{ template "slack.default.iconemoji" . }}'),
    icon_url: z.string().default('{{ template "slack.default.iconurl" . }}'),
    image_url: z.string().optional(),
    thumb_url: z.string().optional(),
    link_names: z.boolean().default(false),
    mrkdwn_in: z.array(z.string()).default(['fallback', 'pretext', 'text']),
    actions: z.array(slackActionSchema).optional(),
  }),
);

export type SlackConfig = z.output<typeof slackConfigSchema> & { api_url: string };

/** The config as Alertmanager resolves it at load: api_url and http_config from global when unset. */
export function resolveSlackConfig(raw: unknown, global: GlobalConfig): SlackConfig {
  const c = slackConfigSchema.parse(raw);
  return { ...c, api_url: c.api_url ?? global.slack_api_url ?? '', http_config: c.http_config ?? global.http_config };
}
