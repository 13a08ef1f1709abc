/** email_configs (Alertmanager 0.25 EmailConfig), with the global smtp_* settings merged in. */
import * as z from 'zod';
import { tlsConfigSchema } from '../../config/http-config';
import type { GlobalConfig } from '../../config/schema';

// Schemas are z.lazy: built at their first parse, not when a function's bundle loads (cold start).

/** Go's strings.Title on a header name, which is how Alertmanager normalises them. */
export function titleCaseHeader(name: string): string {
  return name.replace(/(^|[^A-Za-z0-9])([a-z])/g, (_m, sep: string, ch: string) => sep + ch.toUpperCase());
}

export const emailConfigSchema = z.lazy(() =>
  z
    .strictObject({
      send_resolved: z.boolean().default(false),
      to: z.string().optional(),
      from: z.string().optional(),
      hello: z.string().optional(),
      smarthost: z.string().optional(),
      auth_username: z.string().optional(),
      auth_password: z.string().optional(),
      auth_secret: z.string().optional(),
      auth_identity: z.string().optional(),
      headers: z.record(z.string(), z.string()).optional(),
      html: z.string().default('{{ template "email.default.html" . }}'),
      text: z.string().optional(),
      require_tls: z.boolean().optional(),
      tls_config: tlsConfigSchema.optional(),
    })
    .superRefine((c, ctx) => {
      const seen = new Set<string>();
      for (const k of Object.keys(c.headers ?? {})) {
        const n = titleCaseHeader(k);
        if (seen.has(n)) ctx.addIssue({ code: 'custom', path: ['headers', k], message: `duplicate header ${JSON.stringify(n)} in email config` });
        seen.add(n);
      }
      if (c.smarthost !== undefined && !/^(\[[^\]]+\]|[^:]+):\d{1,5}$/.test(c.smarthost)) {
        ctx.addIssue({ code: 'custom', path: ['smarthost'], message: `address ${c.smarthost}: missing port in address` });
      }
    }),
);

export type EmailConfig = Omit<z.output<typeof emailConfigSchema>, 'headers'> & {
  to: string;
  from: string;
  hello: string;
  smarthost: string;
  require_tls: boolean;
  /** Title-cased names; Subject, To and From always present. */
  headers: Record<string, string>;
};

export function resolveEmailConfig(raw: unknown, global: GlobalConfig): EmailConfig {
  const c = emailConfigSchema.parse(raw);
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(c.headers ?? {})) headers[titleCaseHeader(k)] = v;
  headers.Subject ??= '{{ template "email.default.subject" . }}';
  const from = c.from ?? global.smtp_from ?? '';
  headers.To ??= c.to ?? '';
  headers.From ??= from;
  return {
    ...c,
    to: c.to ?? '',
    from,
    hello: c.hello ?? global.smtp_hello,
    smarthost: c.smarthost ?? global.smtp_smarthost ?? '',
    auth_username: c.auth_username ?? global.smtp_auth_username,
    auth_password: c.auth_password ?? global.smtp_auth_password,
    auth_secret: c.auth_secret ?? global.smtp_auth_secret,
    auth_identity: c.auth_identity ?? global.smtp_auth_identity,
    require_tls: c.require_tls ?? global.smtp_require_tls,
    headers,
  };
}
