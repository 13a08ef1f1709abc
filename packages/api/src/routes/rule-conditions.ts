import { Hono } from 'hono';
import {
  conditionsGroup,
  DEFAULT_CONDITIONS_GROUP,
  DEFAULT_CONDITIONS_NAMESPACE,
  parseConditionsRequest,
  ruleGroupYaml,
  ValidationError,
  type Context,
} from '@vigil/core';
import { requireScope } from '../auth';
import { readJson } from '../body';
import type { ApiEnv } from '../env';

/**
 * `POST /v1/rules/conditions`: the seeds' JSON conditions (threshold, anomaly, forecast)
 * converted to alerting rules and stored in one of the tenant's rule groups (default
 * `conditions/conditions`; `namespace` and `group` in the body or the query choose another),
 * replacing rules of the same alert names. Answers with the group as YAML.
 */
export function ruleConditionRoutes(ctx: Context, onChange: (tenant: string) => void) {
  const app = new Hono<ApiEnv>();
  app.post('/v1/rules/conditions', requireScope('rules:write'), async (c) => {
    const request = parseConditionsRequest(await readJson(c));
    const tenant = c.get('principal').tenant;
    const wrongTenant = request.conditions.findIndex((cond) => cond.tenant_id !== undefined && cond.tenant_id !== tenant);
    if (wrongTenant >= 0) {
      throw ValidationError.single(request.pathOf(wrongTenant, 'tenant_id'), `tenant_id "${request.conditions[wrongTenant]!.tenant_id}" is not this API key's tenant`);
    }
    const namespace = request.namespace ?? c.req.query('namespace') ?? DEFAULT_CONDITIONS_NAMESPACE;
    const name = request.group ?? c.req.query('group') ?? DEFAULT_CONDITIONS_GROUP;
    if (namespace.trim() === '') throw ValidationError.single('namespace', 'namespace must not be empty');
    if (name.trim() === '') throw ValidationError.single('group', 'group must not be empty');
    const existing = await ctx.services.ruleGroups.get(tenant, namespace, name);
    const group = conditionsGroup(request.conditions, name, existing?.group);
    await ctx.services.ruleGroups.put(tenant, namespace, group, ctx.clock.now());
    onChange(tenant);
    return new Response(ruleGroupYaml(group), { status: 200, headers: { 'content-type': 'application/yaml' } });
  });
  return app;
}
