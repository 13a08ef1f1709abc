import { Hono } from 'hono';
import { alertmanager, parseWith, queryAll, ValidationError, type Context, type Issue } from '@vigil/core';
import type { PostableAlert } from '@vigil/events';
import { compileConfig, Muter } from '@vigil/fn-notify';
import { requireScope } from '../../auth';
import type { ApiEnv } from '../../env';
import { readJson } from '../../body';
import { flag, parseFilter, parseReceiverFilter, postableAlertsSchema } from './schemas';

type NotifyAlert = alertmanager.NotifyAlert;

/** Alerts per notify message: keeps each queue message well under SQS's 256 KB. */
const ALERTS_PER_MESSAGE = 100;
const iso = (ms: number) => new Date(ms).toISOString();

/** One alert as Alertmanager's gettableAlert. */
function gettableAlert(a: NotifyAlert, receivers: string[], status: { inhibitedBy: string[]; silencedBy: string[] }) {
  const suppressed = status.inhibitedBy.length > 0 || status.silencedBy.length > 0;
  return {
    annotations: a.annotations,
    endsAt: iso(a.endsAt),
    fingerprint: a.fingerprint,
    receivers: receivers.map((name) => ({ name })),
    startsAt: iso(a.startsAt),
    status: { inhibitedBy: status.inhibitedBy, silencedBy: status.silencedBy, state: suppressed ? 'suppressed' : 'active' },
    updatedAt: iso(a.updatedAt),
    generatorURL: a.generatorURL,
    labels: a.labels,
  };
}

/**
 * Validates a batch as Alertmanager's postAlertsHandler does and fills in its defaults: no
 * start means now (or the end, when only an end is given), no end means now plus
 * resolve_timeout; empty label values are dropped. Unlike Alertmanager, which stores the valid
 * alerts of a partly invalid batch, the whole batch is refused so nothing is half-written.
 */
export function toPostableAlerts(body: unknown, now: number, resolveTimeoutMs: number): PostableAlert[] {
  const input = parseWith(postableAlertsSchema, body);
  const issues: Issue[] = [];
  const out = input.map((a, i): PostableAlert => {
    const labels = Object.fromEntries(Object.entries(a.labels).filter(([, v]) => v !== ''));
    if (Object.keys(labels).length === 0) issues.push({ path: `[${i}].labels`, message: 'at least one label pair required' });
    const startsAt = a.startsAt ?? a.endsAt ?? now;
    const endsAt = a.endsAt ?? now + resolveTimeoutMs;
    if (endsAt < startsAt) issues.push({ path: `[${i}].endsAt`, message: 'start time must be before end time' });
    return { labels, annotations: a.annotations ?? {}, startsAt, endsAt, generatorURL: a.generatorURL ?? '' };
  });
  if (issues.length > 0) throw new ValidationError(issues);
  return out;
}

export function alertRoutes(ctx: Context) {
  const app = new Hono<ApiEnv>();

  /** Everything the read endpoints need at one moment. */
  async function snapshot(tenant: string) {
    const now = ctx.clock.now();
    const config = await ctx.services.alertmanagerConfigs.load(tenant);
    const compiled = config ? compileConfig(config) : undefined;
    const alerts = (await queryAll<NotifyAlert>(ctx.store, alertmanager.notifyKeys.alerts(tenant))).map((i) => i.value);
    const muter = await Muter.load(ctx, tenant, compiled, now, { alerts });
    const receiversOf = (a: NotifyAlert) => (compiled ? alertmanager.matchRoutes(compiled.tree, a.labels).map((m) => m.receiver) : []);
    return { now, compiled, alerts, muter, receiversOf };
  }

  function alertFilter(q: (k: string) => string | undefined, qs: (k: string) => string[] | undefined) {
    const active = flag(q('active'), 'active');
    const silenced = flag(q('silenced'), 'silenced');
    const inhibited = flag(q('inhibited'), 'inhibited');
    flag(q('unprocessed'), 'unprocessed'); // every stored alert has been processed
    const matchers = parseFilter(qs('filter'));
    return (status: { inhibitedBy: string[]; silencedBy: string[] }, labels: Record<string, string>) => {
      const suppressed = status.inhibitedBy.length > 0 || status.silencedBy.length > 0;
      if (!active && !suppressed) return false;
      if (!silenced && status.silencedBy.length > 0) return false;
      if (!inhibited && status.inhibitedBy.length > 0) return false;
      return alertmanager.matchesFilter(labels, matchers);
    };
  }

  app.get('/alerts', requireScope('alerts:read'), async (c) => {
    const accept = alertFilter((k) => c.req.query(k), (k) => c.req.queries(k));
    const receiverFilter = parseReceiverFilter(c.req.query('receiver'));
    const s = await snapshot(c.get('principal').tenant);
    const out = [];
    for (const a of s.alerts.sort((x, y) => (x.fingerprint < y.fingerprint ? -1 : x.fingerprint > y.fingerprint ? 1 : 0))) {
      if (a.endsAt <= s.now) continue; // resolved alerts are not listed
      const receivers = s.receiversOf(a);
      if (receiverFilter && !receivers.some(receiverFilter)) continue;
      const status = s.muter.status(a.labels);
      if (!accept(status, a.labels)) continue;
      out.push(gettableAlert(a, receivers, status));
    }
    return c.json(out);
  });

  app.post('/alerts', requireScope('alerts:write'), async (c) => {
    const tenant = c.get('principal').tenant;
    const body = await readJson(c);
    const config = await ctx.services.alertmanagerConfigs.load(tenant);
    const resolveTimeout = config?.global.resolve_timeout ?? alertmanager.DEFAULT_RESOLVE_TIMEOUT_MS;
    const alerts = toPostableAlerts(body, ctx.clock.now(), resolveTimeout);
    const messages = [];
    for (let i = 0; i < alerts.length; i += ALERTS_PER_MESSAGE) {
      messages.push({ body: { kind: 'alerts', tenant, alerts: alerts.slice(i, i + ALERTS_PER_MESSAGE) } });
    }
    if (messages.length > 0) await ctx.queue.sendBatch('notify', messages);
    return c.body(null, 200);
  });

  app.get('/alerts/groups', requireScope('alerts:read'), async (c) => {
    const accept = alertFilter((k) => c.req.query(k), (k) => c.req.queries(k));
    const receiverFilter = parseReceiverFilter(c.req.query('receiver'));
    const tenant = c.get('principal').tenant;
    const s = await snapshot(tenant);
    const byFp = new Map(s.alerts.map((a) => [a.fingerprint, a]));
    const groups = (await queryAll<alertmanager.AggregationGroup>(ctx.store, alertmanager.notifyKeys.groups(tenant))).map((i) => i.value);
    const out = [];
    for (const g of groups) {
      if (receiverFilter && !receiverFilter(g.receiver)) continue;
      const alerts = [];
      for (const fp of g.fingerprints) {
        const a = byFp.get(fp);
        if (!a || a.endsAt <= s.now) continue;
        const status = s.muter.status(a.labels);
        if (!accept(status, a.labels)) continue;
        alerts.push(gettableAlert(a, s.receiversOf(a), status));
      }
      if (alerts.length > 0) out.push({ labels: g.groupLabels, receiver: { name: g.receiver }, alerts });
    }
    return c.json(out);
  });

  return app;
}
