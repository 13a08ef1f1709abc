/** sns_configs (Alertmanager 0.25 SNSConfig). */
import * as z from 'zod';
import { httpUrlSchema } from '../../config/common';
import { httpConfigSchema } from '../../config/http-config';
import type { GlobalConfig } from '../../config/schema';

// Schemas are z.lazy: built at their first parse, not when a function's bundle loads (cold start).

export const sigv4Schema = z.lazy(() =>
  z.strictObject({
    region: z.string().optional(),
    access_key: z.string().optional(),
    secret_key: z.string().optional(),
    profile: z.string().optional(),
    role_arn: z.string().optional(),
  }),
);

export const snsConfigSchema = z.lazy(() =>
  z
    .strictObject({
      send_resolved: z.boolean().default(true),
      http_config: httpConfigSchema.optional(),
      api_url: httpUrlSchema.optional(),
      sigv4: sigv4Schema.optional(),
      topic_arn: z.string().optional(),
      phone_number: z.string().optional(),
      target_arn: z.string().optional(),
      subject: z.string().default('{{ template "sns.default.subject" . }}'),
      message: z.string().default('{{ template "sns.default.message" . }}'),
      attributes: z.record(z.string(), z.string()).optional(),
    })
    .superRefine((c, ctx) => {
      const s = c.sigv4;
      // A tenant must bring its own credentials: the server's ambient AWS identity (instance
      // role, profiles on disk) is not theirs to publish with.
      if (s?.profile !== undefined) ctx.addIssue({ code: 'custom', path: ['sigv4', 'profile'], message: 'sigv4.profile is not allowed in a tenant configuration (it reads the server\'s files)' });
      if (s?.role_arn !== undefined) ctx.addIssue({ code: 'custom', path: ['sigv4', 'role_arn'], message: 'sigv4.role_arn is not supported; give access_key and secret_key' });
      if (!s?.access_key || !s.secret_key) ctx.addIssue({ code: 'custom', path: ['sigv4'], message: 'sigv4.access_key and sigv4.secret_key are required' });
    }),
);

export type SNSConfig = z.output<typeof snsConfigSchema>;

export function resolveSNSConfig(raw: unknown, global: GlobalConfig): SNSConfig {
  const c = snsConfigSchema.parse(raw);
  return { ...c, http_config: c.http_config ?? global.http_config };
}
