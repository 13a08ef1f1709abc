/**
 * prometheus/common's HTTPClientConfig as Alertmanager reads it under `http_config`.
 * `*_file` fields are refused before this schema runs (see files.ts).
 */
import * as z from 'zod';
import { httpUrlSchema } from './common';

// Schemas are z.lazy: built at their first parse, not when a function's bundle loads (cold start).

export const tlsConfigSchema = z.lazy(() =>
  z.strictObject({
    ca: z.string().optional(),
    cert: z.string().optional(),
    key: z.string().optional(),
    server_name: z.string().optional(),
    insecure_skip_verify: z.boolean().optional(),
    min_version: z.string().optional(),
    max_version: z.string().optional(),
  }),
);

/** Fields shared by oauth2 and the client config; a function, so they are built with the schema using them. */
const proxyFields = () => ({
  proxy_url: httpUrlSchema.optional(),
  no_proxy: z.string().optional(),
  proxy_from_environment: z.boolean().optional(),
  proxy_connect_header: z.record(z.string(), z.array(z.string())).optional(),
});

export const oauth2Schema = z.lazy(() =>
  z.strictObject({
    client_id: z.string(),
    client_secret: z.string().optional(),
    scopes: z.array(z.string()).optional(),
    token_url: httpUrlSchema,
    endpoint_params: z.record(z.string(), z.string()).optional(),
    tls_config: tlsConfigSchema.optional(),
    ...proxyFields(),
  }),
);

export const httpConfigSchema = z.lazy(() =>
  z
    .strictObject({
      basic_auth: z.strictObject({ username: z.string().optional(), password: z.string().optional() }).optional(),
      authorization: z
        .strictObject({ type: z.string().optional(), credentials: z.string().optional() })
        .transform((a) => ({ ...a, type: a.type?.trim() ? a.type.trim() : 'Bearer' }))
        .optional(),
      oauth2: oauth2Schema.optional(),
      bearer_token: z.string().optional(),
      tls_config: tlsConfigSchema.optional(),
      follow_redirects: z.boolean().default(true),
      enable_http2: z.boolean().default(true),
      ...proxyFields(),
    })
    .superRefine((c, ctx) => {
      // prometheus/common allows one way to authenticate.
      const ways = [c.basic_auth, c.authorization, c.oauth2, c.bearer_token].filter((x) => x !== undefined).length;
      if (ways > 1) {
        ctx.addIssue({ code: 'custom', message: 'at most one of basic_auth, oauth2, bearer_token & authorization must be configured' });
      }
      if (c.authorization && c.authorization.type.toLowerCase() === 'basic') {
        ctx.addIssue({ code: 'custom', path: ['authorization', 'type'], message: 'authorization type cannot be set to "basic", use "basic_auth" instead' });
      }
    }),
);

export type HttpConfig = z.output<typeof httpConfigSchema>;
