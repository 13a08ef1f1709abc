import type { MiddlewareHandler } from 'hono';
import { hasScope, TENANT_ID_RE, type Context, type Scope } from '@vigil/core';
import type { ApiEnv } from './env';
import { HttpError } from './errors';

/**
 * Every route but /healthz: `Authorization: Bearer <key>`. A key acts for its own tenant;
 * an admin key may act for another through `X-Scope-OrgID`, the Mimir convention.
 */
export function authenticate(ctx: Context): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    const header = c.req.header('authorization') ?? '';
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) {
      c.header('WWW-Authenticate', 'Bearer realm="vigil"');
      throw new HttpError(401, 'unauthorized', 'missing or malformed Authorization header: expected "Bearer <api key>"');
    }
    const record = await ctx.services.apiKeys.lookup(match[1]!);
    if (!record) {
      c.header('WWW-Authenticate', 'Bearer realm="vigil", error="invalid_token"');
      throw new HttpError(401, 'unauthorized', 'invalid API key');
    }
    let tenant = record.tenant;
    const orgId = c.req.header('x-scope-orgid');
    if (orgId !== undefined && orgId !== record.tenant) {
      if (!record.scopes.includes('admin:all')) throw new HttpError(403, 'forbidden', 'X-Scope-OrgID may name another tenant only with an admin key');
      if (!TENANT_ID_RE.test(orgId)) throw new HttpError(400, 'bad_data', 'X-Scope-OrgID: invalid tenant ID');
      tenant = orgId;
    }
    c.set('principal', { tenant, keyTenant: record.tenant, scopes: record.scopes, keyName: record.name });
    await next();
  };
}

export function requireScope(scope: Scope): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    if (!hasScope(c.get('principal'), scope)) throw new HttpError(403, 'forbidden', `this API key lacks the "${scope}" scope`);
    await next();
  };
}
