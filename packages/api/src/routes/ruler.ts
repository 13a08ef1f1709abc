import { Hono } from 'hono';
import { parseRuleGroupYaml, ValidationError, yamlLib, type Context, type RuleGroup, type StoredRuleGroup } from '@vigil/core';
import { groupId } from '@vigil/fn-evaluate';
import { requireScope } from '../auth';
import type { ApiEnv } from '../env';
import { HttpError } from '../errors';

const yamlResponse = (body: unknown, status: 200 = 200) =>
  new Response(yamlLib().stringify(body, { lineWidth: 0 }), { status, headers: { 'content-type': 'application/yaml' } });
const accepted = () => Response.json({ status: 'success', data: null, errorType: '', error: '' }, { status: 202 });

function byNamespace(groups: StoredRuleGroup[]): Record<string, RuleGroup[]> {
  const out: Record<string, RuleGroup[]> = {};
  for (const g of groups) (out[g.namespace] ??= []).push(g.group);
  return out;
}

/**
 * The Mimir/Cortex ruler configuration API, so `mimirtool rules` and `cortextool rules`
 * work unchanged: YAML in, YAML out, 202 on writes, 404 when nothing matches.
 */
export function rulerRoutes(ctx: Context, onChange: (tenant: string) => void) {
  const app = new Hono<ApiEnv>();
  const repo = ctx.services.ruleGroups;
  const base = '/prometheus/config/v1/rules';

  app.get(base, requireScope('rules:read'), async (c) => {
    const groups = await repo.list(c.get('principal').tenant);
    if (groups.length === 0) throw new HttpError(404, 'not_found', 'no rule groups found');
    return yamlResponse(byNamespace(groups));
  });

  app.get(`${base}/:namespace`, requireScope('rules:read'), async (c) => {
    const groups = await repo.list(c.get('principal').tenant, c.req.param('namespace'));
    if (groups.length === 0) throw new HttpError(404, 'not_found', 'no rule groups found');
    return yamlResponse(byNamespace(groups));
  });

  app.get(`${base}/:namespace/:group`, requireScope('rules:read'), async (c) => {
    const g = await repo.get(c.get('principal').tenant, c.req.param('namespace'), c.req.param('group'));
    if (!g) throw new HttpError(404, 'not_found', 'group does not exist');
    return yamlResponse(g.group);
  });

  app.post(`${base}/:namespace`, requireScope('rules:write'), async (c) => {
    const namespace = c.req.param('namespace');
    if (namespace.trim() === '') throw ValidationError.single('namespace', 'namespace must not be empty');
    const group = parseRuleGroupYaml(await c.req.text());
    const tenant = c.get('principal').tenant;
    await repo.put(tenant, namespace, group, ctx.clock.now());
    onChange(tenant);
    return accepted();
  });

  app.delete(`${base}/:namespace/:group`, requireScope('rules:delete'), async (c) => {
    const tenant = c.get('principal').tenant;
    const namespace = c.req.param('namespace');
    const group = c.req.param('group');
    if (!(await repo.delete(tenant, namespace, group))) throw new HttpError(404, 'not_found', 'group does not exist');
    await ctx.services.alertStates.clear(tenant, groupId(namespace, group));
    onChange(tenant);
    return accepted();
  });

  app.delete(`${base}/:namespace`, requireScope('rules:delete'), async (c) => {
    const tenant = c.get('principal').tenant;
    const namespace = c.req.param('namespace');
    const groups = await repo.list(tenant, namespace);
    if (groups.length === 0) throw new HttpError(404, 'not_found', 'no rule groups found');
    await repo.deleteNamespace(tenant, namespace);
    for (const g of groups) await ctx.services.alertStates.clear(tenant, groupId(namespace, g.group.name));
    onChange(tenant);
    return accepted();
  });

  return app;
}
