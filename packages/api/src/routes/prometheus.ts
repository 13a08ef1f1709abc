import { Hono } from 'hono';
import { alertmanager, groupIntervalMs, promql, ValidationError, type Context, type AlertRecord, formatGoFloat, sortedEntries } from '@vigil/core';
import { groupId, readGroupStatus } from '@vigil/fn-evaluate';
import { requireScope } from '../auth';
import type { ApiEnv } from '../env';
import { success } from '../errors';

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

/** Label sets print sorted by name, as Prometheus does. */
const sorted = (labels: Record<string, string>) => Object.fromEntries(sortedEntries(labels));

function apiAlert(a: AlertRecord) {
  return {
    labels: sorted(a.labels),
    annotations: sorted(a.annotations),
    state: a.state,
    activeAt: iso(a.activeAt),
    ...(a.keepFiringSince !== undefined ? { keepFiringSince: iso(a.keepFiringSince) } : {}),
    value: formatGoFloat(a.value),
  };
}

/** Parses Prometheus API time parameters: RFC 3339 or (fractional) Unix seconds. */
function parseTime(value: string | undefined, fallback: number, field: string): number {
  if (value === undefined || value === '') return fallback;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.round(seconds * 1000);
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw ValidationError.single(field, `cannot parse "${value}" to a valid timestamp`);
  return ms;
}

/** The read side of the Prometheus HTTP API under `/prometheus/api/v1`: rules, alerts, instant queries. */
export function prometheusRoutes(ctx: Context) {
  const app = new Hono<ApiEnv>();
  const base = '/prometheus/api/v1';

  app.get(`${base}/rules`, requireScope('rules:read'), async (c) => {
    const tenant = c.get('principal').tenant;
    const type = c.req.query('type');
    if (type !== undefined && type !== 'alert' && type !== 'record') throw ValidationError.single('type', 'must be "alert" or "record"');
    const groups = [];
    for (const stored of await ctx.services.ruleGroups.list(tenant)) {
      const id = groupId(stored.namespace, stored.group.name);
      const [states, status] = await Promise.all([ctx.services.alertStates.load(tenant, id), readGroupStatus(ctx.store, tenant, id)]);
      const rules = stored.group.rules
        .filter((r) => (type === 'alert' ? r.alert !== undefined : type === 'record' ? r.record !== undefined : true))
        .map((r) => {
          const name = r.alert ?? r.record!;
          const health = status?.rules.find((s) => s.name === name);
          const common = {
            name,
            query: r.expr,
            labels: r.labels ?? {},
            health: health?.health ?? 'unknown',
            lastError: health?.lastError ?? '',
            evaluationTime: (health?.evaluationMs ?? 0) / 1000,
            lastEvaluation: iso(status?.lastEvaluation) ?? '0001-01-01T00:00:00Z',
          };
          if (r.record !== undefined) return { ...common, type: 'recording' };
          const alerts = states.map((s) => s.record).filter((a) => a.rule === r.alert && a.state !== 'inactive');
          const state = alerts.some((a) => a.state === 'firing') ? 'firing' : alerts.length > 0 ? 'pending' : 'inactive';
          return {
            ...common,
            state,
            duration: r.for ? alertmanager.parseDuration(r.for) / 1000 : 0,
            keepFiringFor: r.keep_firing_for ? alertmanager.parseDuration(r.keep_firing_for) / 1000 : 0,
            annotations: r.annotations ?? {},
            alerts: alerts.map(apiAlert),
            type: 'alerting',
          };
        });
      groups.push({
        name: stored.group.name,
        file: stored.namespace,
        rules,
        interval: groupIntervalMs(stored.group) / 1000,
        limit: stored.group.limit ?? 0,
        evaluationTime: (status?.evaluationMs ?? 0) / 1000,
        lastEvaluation: iso(status?.lastEvaluation) ?? '0001-01-01T00:00:00Z',
      });
    }
    return c.json(success({ groups }));
  });

  app.get(`${base}/alerts`, requireScope('alerts:read'), async (c) => {
    const tenant = c.get('principal').tenant;
    const alerts = [];
    for (const stored of await ctx.services.ruleGroups.list(tenant)) {
      const states = await ctx.services.alertStates.load(tenant, groupId(stored.namespace, stored.group.name));
      for (const s of states) if (s.record.state !== 'inactive') alerts.push(apiAlert(s.record));
    }
    return c.json(success({ alerts }));
  });

  const query = async (c: import('hono').Context<ApiEnv>) => {
    const params = c.req.method === 'POST' ? Object.fromEntries(new URLSearchParams(await c.req.text())) : c.req.query();
    const text = params.query;
    if (!text) throw ValidationError.single('query', 'parameter "query" is required');
    const at = parseTime(params.time, ctx.clock.now(), 'time');
    let expr: promql.Expr;
    try {
      expr = promql.parsePromQL(text);
    } catch (err) {
      if (err instanceof promql.PromQLError) throw ValidationError.single('query', err.message);
      throw err;
    }
    const result = await promql.evaluateInstant(expr, at, ctx.services.series.source(c.get('principal').tenant));
    const ts = at / 1000;
    if (result.type === 'vector') {
      return c.json(success({ resultType: 'vector', result: result.samples.map((s) => ({ metric: s.labels, value: [ts, formatGoFloat(s.value)] })) }));
    }
    return c.json(success({ resultType: result.type, result: [ts, result.type === 'scalar' ? formatGoFloat(result.value) : result.value] }));
  };
  app.get(`${base}/query`, requireScope('metrics:read'), query);
  app.post(`${base}/query`, requireScope('metrics:read'), query);

  return app;
}
