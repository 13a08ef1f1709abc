/**
 * Zod schemas for the shape of an Alertmanager 0.25 configuration file. Objects are strict, as
 * Alertmanager's UnmarshalStrict is; checks that span the whole file (receiver and time-interval
 * references, unique names, root-route rules) live in parse.ts.
 */
import * as z from 'zod';
import {
  durationSchema,
  httpUrlSchema,
  labelNameSchema,
  looseRecordSchema,
  matchMapSchema,
  matchReMapSchema,
  matcherListSchema,
} from './common';
import { httpConfigSchema, type HttpConfig } from './http-config';
import { namedTimeIntervalSchema } from './time-intervals';

// Schemas are z.lazy: built at their first parse, not when a function's bundle loads (cold start).

export const DEFAULT_RESOLVE_TIMEOUT_MS = 5 * 60_000;
export const DEFAULT_GROUP_WAIT_MS = 30_000;
export const DEFAULT_GROUP_INTERVAL_MS = 5 * 60_000;
export const DEFAULT_REPEAT_INTERVAL_MS = 4 * 3_600_000;

export const globalSchema = z.lazy(() =>
  z.strictObject({
    resolve_timeout: durationSchema.default(DEFAULT_RESOLVE_TIMEOUT_MS),
    http_config: httpConfigSchema.optional(),
    smtp_from: z.string().optional(),
    smtp_hello: z.string().default('localhost'),
    smtp_smarthost: z.string().optional(),
    smtp_auth_username: z.string().optional(),
    smtp_auth_password: z.string().optional(),
    smtp_auth_secret: z.string().optional(),
    smtp_auth_identity: z.string().optional(),
    smtp_require_tls: z.boolean().default(true),
    slack_api_url: httpUrlSchema.optional(),
    pagerduty_url: httpUrlSchema.default('https://events.pagerduty.com/v2/enqueue'),
    opsgenie_api_url: httpUrlSchema.default('https://api.opsgenie.com/'),
    opsgenie_api_key: z.string().optional(),
    wechat_api_url: httpUrlSchema.default('https://qyapi.weixin.qq.com/cgi-bin/'),
    wechat_api_secret: z.string().optional(),
    wechat_api_corp_id: z.string().optional(),
    victorops_api_url: httpUrlSchema.default('https://alert.victorops.com/integrations/generic/20131114/alert/'),
    victorops_api_key: z.string().optional(),
    telegram_api_url: httpUrlSchema.default('https://api.telegram.org'),
    webex_api_url: httpUrlSchema.default('https://webexapis.com/v1/messages'),
  }),
);

export type GlobalConfig = z.output<typeof globalSchema>;

/** A route as written. Durations are milliseconds; unset fields inherit from the parent. */
export interface RouteConfig {
  receiver?: string;
  /** As written, `'...'` included; see dispatch for how it is read. */
  group_by?: string[];
  continue: boolean;
  match?: Record<string, string>;
  match_re?: Record<string, string>;
  matchers?: string[];
  mute_time_intervals?: string[];
  active_time_intervals?: string[];
  group_wait?: number;
  group_interval?: number;
  repeat_interval?: number;
  routes?: RouteConfig[];
}

const groupBySchema = z.lazy(() =>
  z.array(z.string()).superRefine((list, ctx) => {
    let all = false;
    let named = false;
    list.forEach((l, i) => {
      if (l === '...') all = true;
      else {
        named = true;
        if (!labelNameSchema.safeParse(l).success) ctx.addIssue({ code: 'custom', path: [i], message: `invalid label name ${JSON.stringify(l)} in group_by list` });
      }
    });
    if (all && named) ctx.addIssue({ code: 'custom', message: 'cannot have wildcard group_by (`...`) and other other labels at the same time' });
  }),
);

const nonZeroDuration = (what: string) =>
  durationSchema.refine((ms) => ms !== 0, { message: `${what} cannot be zero` });

export const routeSchema: z.ZodType<RouteConfig> = z.lazy(() =>
  z.strictObject({
    receiver: z.string().optional(),
    group_by: groupBySchema.optional(),
    continue: z.boolean().default(false),
    match: matchMapSchema.optional(),
    match_re: matchReMapSchema.optional(),
    matchers: matcherListSchema.optional(),
    mute_time_intervals: z.array(z.string()).optional(),
    active_time_intervals: z.array(z.string()).optional(),
    group_wait: durationSchema.optional(),
    group_interval: nonZeroDuration('group_interval').optional(),
    repeat_interval: nonZeroDuration('repeat_interval').optional(),
    routes: z.array(routeSchema).optional(),
  }),
) as unknown as z.ZodType<RouteConfig>;

export const webhookConfigSchema = z.lazy(() =>
  z
    .strictObject({
      send_resolved: z.boolean().default(true),
      http_config: httpConfigSchema.optional(),
      url: httpUrlSchema.optional(),
      max_alerts: z.number().int().nonnegative().default(0),
    })
    .superRefine((w, ctx) => {
      if (w.url === undefined) ctx.addIssue({ code: 'custom', path: ['url'], message: 'one of url or url_file must be configured' });
    }),
);

export interface WebhookConfig {
  send_resolved: boolean;
  http_config?: HttpConfig;
  url: string;
  /** 0 means no limit. */
  max_alerts: number;
}

/** Every receiver kind Alertmanager knows besides webhooks, kept loosely typed. */
export const OTHER_RECEIVER_KINDS = [
  'email_configs',
  'pagerduty_configs',
  'slack_configs',
  'opsgenie_configs',
  'wechat_configs',
  'pushover_configs',
  'victorops_configs',
  'sns_configs',
  'telegram_configs',
  'webex_configs',
  'discord_configs',
  'msteams_configs',
  'msteamsv2_configs',
  'jira_configs',
  'rocketchat_configs',
  'incidentio_configs',
] as const;

export type OtherReceiverKind = (typeof OTHER_RECEIVER_KINDS)[number];

const otherKinds = () =>
  Object.fromEntries(OTHER_RECEIVER_KINDS.map((k) => [k, z.array(looseRecordSchema).optional()])) as Record<
    OtherReceiverKind,
    z.ZodOptional<z.ZodArray<typeof looseRecordSchema>>
  >;

export const receiverSchema = z.lazy(() =>
  z.strictObject({
    name: z.string().min(1, 'missing name in receiver'),
    webhook_configs: z.array(webhookConfigSchema).optional(),
    ...otherKinds(),
  }),
);

export type ReceiverConfig = Omit<z.output<typeof receiverSchema>, 'webhook_configs'> & { webhook_configs?: WebhookConfig[] };

export const inhibitRuleSchema = z.lazy(() =>
  z.strictObject({
    source_match: matchMapSchema.optional(),
    source_match_re: matchReMapSchema.optional(),
    source_matchers: matcherListSchema.optional(),
    target_match: matchMapSchema.optional(),
    target_match_re: matchReMapSchema.optional(),
    target_matchers: matcherListSchema.optional(),
    equal: z.array(labelNameSchema).optional(),
  }),
);

export type InhibitRuleConfig = z.output<typeof inhibitRuleSchema>;

export const configSchema = z.lazy(() =>
  z.strictObject({
    global: globalSchema.optional(),
    route: routeSchema.optional(),
    receivers: z.array(receiverSchema).optional(),
    inhibit_rules: z.array(inhibitRuleSchema).optional(),
    templates: z.array(z.string()).optional(),
    time_intervals: z.array(namedTimeIntervalSchema).optional(),
    mute_time_intervals: z.array(namedTimeIntervalSchema).optional(),
  }),
);

export interface AlertmanagerConfig {
  global: GlobalConfig;
  route: RouteConfig & { receiver: string; group_wait: number; group_interval: number; repeat_interval: number };
  receivers: ReceiverConfig[];
  inhibit_rules: InhibitRuleConfig[];
  templates: string[];
  time_intervals: z.output<typeof namedTimeIntervalSchema>[];
  mute_time_intervals: z.output<typeof namedTimeIntervalSchema>[];
}
