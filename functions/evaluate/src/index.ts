import {
  alertEndsAt,
  alertRuleKeys,
  alertStateSeriesSamples,
  AlertRuleError,
  ConditionFailedError,
  groupIntervalMs,
  listTenants,
  notifiable,
  OverlaySource,
  promql,
  ruleSpecExtensions,
  ruleStepOptions,
  step,
  type AlertRecord,
  type AlertingRuleSpec,
  type Context,
  type PendingEvent,
  type PendingEventInput,
  type Rule,
  type Sample,
  type StoredRuleGroup,
} from '@vigil/core';
import { heal, parseDuration } from '@vigil/core';
import type { EvaluateMessage, PostableAlert } from '@vigil/events';
import { groupId, writeGroupStatus, type RuleStatus } from './status';

export { groupId, readGroupStatus, type GroupStatus, type RuleStatus } from './status';

const parseCache = new Map<string, promql.Expr>();
function parse(expr: string): promql.Expr {
  let parsed = parseCache.get(expr);
  if (!parsed) {
    parsed = promql.parsePromQL(expr);
    if (parseCache.size > 10_000) parseCache.clear();
    parseCache.set(expr, parsed);
  }
  return parsed;
}

export interface EvaluateResult {
  groups: number;
  transitions: number;
}

/**
 * Evaluates rule groups: on their schedule (`group`), when ingest touched metrics they
 * read (`touched`), or all of them (`sweep`, for clouds whose schedules fire per minute).
 */
export async function handle(input: EvaluateMessage, ctx: Context): Promise<EvaluateResult> {
  const at = input.at ?? ctx.clock.now();
  let targets: { tenant: string; group: StoredRuleGroup }[] = [];
  if (input.kind === 'group') {
    const group = await ctx.services.ruleGroups.get(input.tenant, input.namespace, input.group);
    if (group) targets.push({ tenant: input.tenant, group });
  } else if (input.kind === 'touched') {
    const touched = new Set(input.metrics);
    const groups = await ctx.services.ruleGroups.list(input.tenant);
    targets = groups.filter((g) => readsAny(g, touched)).map((group) => ({ tenant: input.tenant, group }));
  } else {
    const tenants = input.tenant ? [input.tenant] : await listTenants(ctx.store);
    for (const tenant of tenants) for (const group of await ctx.services.ruleGroups.list(tenant)) targets.push({ tenant, group });
    // The sweep also compacts closed sample slices; compaction is idempotent, so overlapping sweeps are harmless.
    for (const tenant of tenants) await ctx.services.series.compact(tenant, ctx.clock.now());
  }
  let transitions = 0;
  for (const t of targets) transitions += await evaluateGroup(t.tenant, t.group, at, input.kind !== 'touched', ctx);
  return { groups: targets.length, transitions };
}

/** Whether a group has a rule whose selectors could match one of the metric names. */
function readsAny(group: StoredRuleGroup, metrics: Set<string>): boolean {
  // keep_firing_while reads series too: fresh data there can resolve a held alert.
  const exprs = group.group.rules.flatMap((rule) => (rule.keep_firing_while ? [rule.expr, rule.keep_firing_while] : [rule.expr]));
  return exprs.some((expr) =>
    promql.collectSelectors(parse(expr)).some((sel) => {
      const nameMatchers = sel.matchers.filter((m) => m.name === '__name__');
      if (nameMatchers.length === 0) return true;
      return [...metrics].some((name) => promql.matchesAll({ __name__: name }, nameMatchers));
    }),
  );
}

function ruleSpec(rule: Rule & { alert: string }, key: string, ctx: Context): AlertingRuleSpec {
  return {
    key,
    name: rule.alert,
    forMs: rule.for ? parseDuration(rule.for) : 0,
    keepFiringForMs: rule.keep_firing_for ? parseDuration(rule.keep_firing_for) : 0,
    labels: rule.labels ?? {},
    annotations: rule.annotations ?? {},
    externalLabels: ctx.settings.externalLabels,
    ...ruleSpecExtensions(rule),
  };
}

const MAX_COMMIT_ATTEMPTS = 5;

/**
 * Evaluates every rule of one group at `at` and commits the alert transitions with one
 * conditional write. A concurrent evaluation of the same group makes the commit fail;
 * we then re-read and re-evaluate, so each transition is applied, and notified, once.
 * Returns the number of transitions.
 */
export async function evaluateGroup(tenant: string, stored: StoredRuleGroup, at: number, scheduled: boolean, ctx: Context): Promise<number> {
  const id = groupId(stored.namespace, stored.group.name);
  const interval = groupIntervalMs(stored.group);
  const source = ctx.services.series.source(tenant);
  const started = Date.now();
  // After a conflict part of a large change may already be committed, and its transitions
  // would not show again: the retry then sends every notifiable alert (notify deduplicates).
  let resend = false;

  // Events a crashed evaluation committed but never published go out first (at least once).
  if (scheduled) await publishEvents(tenant, id, await stalePendingEvents(tenant, id, at, ctx), ctx);

  for (let attempt = 1; ; attempt++) {
    const previous = await ctx.services.alertStates.load(tenant, id);
    const byRule = new Map<string, AlertRecord[]>();
    for (const p of previous) byRule.set(p.record.rule, [...(byRule.get(p.record.rule) ?? []), p.record]);

    const changed: AlertRecord[] = [];
    const removed: AlertRecord[] = [];
    const current: { rule: Rule; alerts: AlertRecord[] }[] = [];
    const events: PendingEventInput[] = [];
    const statuses: RuleStatus[] = [];
    let transitions = 0;
    // Later rules of the group read the ALERTS of earlier ones at this timestamp, before they are written.
    const visible = new OverlaySource(source);
    // Rules of one group share selector reads and subexpressions; whatever a rule writes drops
    // the cached results it could change, so later rules still see it.
    const cache = new promql.EvaluationCache();
    const show = (samples: Sample[]) => {
      visible.add(samples);
      cache.invalidate(samples.map((x) => x.labels));
    };
    const vectorOf = async (expr: promql.Expr): Promise<promql.InstantSample[]> => {
      const result = await promql.evaluateInstant(expr, at, visible, { cache });
      if (result.type !== 'vector') throw new AlertRuleError(`rule result is a ${result.type}, not a vector`);
      return result.samples;
    };

    const keys = alertRuleKeys(stored.group);
    for (const [index, rule] of stored.group.rules.entries()) {
      const ruleStarted = Date.now();
      if (rule.alert === undefined) {
        statuses.push(await evaluateRecordingRule(tenant, rule, at, visible, cache, ctx, ruleStarted));
        continue;
      }
      const spec = ruleSpec(rule as Rule & { alert: string }, keys[index] ?? rule.alert, ctx);
      const prev = byRule.get(spec.key) ?? [];
      try {
        const samples = await vectorOf(parse(rule.expr));
        const options = await ruleStepOptions(rule, samples, prev, at, visible, vectorOf, parse, scheduled, { cache });
        const r = step(spec, prev, samples, at, options);
        const activeCount = r.alerts.filter((a) => a.state !== 'inactive').length;
        if (stored.group.limit && activeCount > stored.group.limit) {
          // As Prometheus: over the limit, the rule fails and all its alerts are dropped.
          removed.push(...prev);
          current.push({ rule, alerts: [] });
          show(alertStateSeriesSamples(prev, [], at));
          statuses.push({ name: spec.name, health: 'err', lastError: `exceeded limit of ${stored.group.limit} with ${activeCount} alerts`, evaluationMs: Date.now() - ruleStarted });
          continue;
        }
        changed.push(...r.changed);
        removed.push(...prev.filter((p) => r.removed.includes(p.fingerprint)));
        current.push({ rule, alerts: r.alerts });
        show(alertStateSeriesSamples(prev, r.alerts, at));
        transitions += r.transitions.length;
        for (const t of r.transitions) {
          events.push({
            rule: spec.key,
            fingerprint: t.alert.fingerprint,
            event: {
              type: t.to === 'firing' ? 'AlertFired' : 'AlertResolved',
              tenant,
              time: at,
              detail: { group: id, alertname: spec.name, fingerprint: t.alert.fingerprint, labels: t.alert.labels, annotations: t.alert.annotations },
            },
          });
        }
        statuses.push({ name: spec.name, health: 'ok', evaluationMs: Date.now() - ruleStarted });
      } catch (err) {
        // A failing query leaves the rule's alerts as they were, as Prometheus does.
        if (!(err instanceof promql.PromQLError) && !(err instanceof AlertRuleError) && !(err instanceof promql.EvaluationError)) throw err;
        current.push({ rule, alerts: prev });
        show(alertStateSeriesSamples(prev, prev, at));
        statuses.push({ name: spec.name, health: 'err', lastError: err.message, evaluationMs: Date.now() - ruleStarted });
      }
    }

    let committedEvents: PendingEvent[];
    try {
      committedEvents = await ctx.services.alertStates.commit(tenant, id, previous, changed, removed, events);
    } catch (err) {
      if (err instanceof ConditionFailedError && attempt < MAX_COMMIT_ATTEMPTS) {
        resend = true;
        continue;
      }
      throw err;
    }

    // The ALERTS and ALERTS_FOR_STATE series, as Prometheus writes them, so rules and queries can read alert state.
    const alertSamples = alertStateSeriesSamples(
      previous.map((p) => p.record),
      current.flatMap((c) => c.alerts),
      at,
    );
    if (alertSamples.length > 0) await ctx.services.series.write(tenant, alertSamples);

    // Sent after the commit: a crash in between is repaired by the next scheduled evaluation,
    // which re-sends every firing and recently resolved alert (notify deduplicates).
    const toSend = current.flatMap(({ rule, alerts }) => notifiable(alerts).map((a) => postable(a, rule, at, interval, ctx)));
    if (toSend.length > 0 && (transitions > 0 || scheduled || resend)) {
      await ctx.queue.send('notify', { body: { kind: 'alerts', tenant, alerts: toSend } });
    }
    // Firing alerts a runbook matches go to heal, resent like notify's: an execution starts
    // once per alert firing whatever the resends, and a resend repairs a crash right here.
    if (toSend.length > 0 && (transitions > 0 || scheduled || resend)) await heal.enqueueRemediations(ctx, tenant, id, toSend);
    await publishEvents(tenant, id, committedEvents, ctx);
    if (scheduled) await writeGroupStatus(ctx.store, tenant, id, { lastEvaluation: at, evaluationMs: Date.now() - started, rules: statuses });
    return transitions;
  }
}

/** An evaluation publishes its own events within moments; older ones in the outbox were stranded by a crash. */
const STRANDED_EVENT_AGE_MS = 60_000;

async function stalePendingEvents(tenant: string, id: string, at: number, ctx: Context): Promise<PendingEvent[]> {
  return (await ctx.services.alertStates.pendingEvents(tenant, id)).filter((e) => e.event.time <= at - STRANDED_EVENT_AGE_MS);
}

/** Publishes committed events with their outbox ID (consumers drop repeats by it), then clears them. */
async function publishEvents(tenant: string, id: string, pending: PendingEvent[], ctx: Context): Promise<void> {
  if (pending.length === 0) return;
  await ctx.events.publish(pending.map((p) => ({ ...p.event, detail: { ...p.event.detail, eventId: p.id } })));
  await ctx.services.alertStates.clearEvents(tenant, id, pending);
}

async function evaluateRecordingRule(
  tenant: string,
  rule: Rule,
  at: number,
  source: promql.SeriesSource,
  cache: promql.EvaluationCache,
  ctx: Context,
  started: number,
): Promise<RuleStatus> {
  const name = rule.record!;
  try {
    const result = await promql.evaluateInstant(parse(rule.expr), at, source, { cache });
    const samples =
      result.type === 'vector'
        ? result.samples.map((s) => ({ labels: { ...s.labels, ...(rule.labels ?? {}), __name__: name }, t: at, v: s.value }))
        : result.type === 'scalar'
          ? [{ labels: { ...(rule.labels ?? {}), __name__: name }, t: at, v: result.value }]
          : [];
    if (samples.length > 0) {
      await ctx.services.series.write(tenant, samples);
      cache.invalidate(samples.map((x) => x.labels));
    }
    return { name, health: 'ok', evaluationMs: Date.now() - started };
  } catch (err) {
    if (!(err instanceof promql.PromQLError) && !(err instanceof promql.EvaluationError)) throw err;
    return { name, health: 'err', lastError: err.message, evaluationMs: Date.now() - started };
  }
}

function postable(a: AlertRecord, rule: Rule, at: number, interval: number, ctx: Context): PostableAlert {
  return {
    labels: a.labels,
    annotations: a.annotations,
    startsAt: a.firedAt ?? a.activeAt,
    endsAt: alertEndsAt(a, at, interval),
    generatorURL: `${ctx.settings.externalUrl}/prometheus/graph?g0.expr=${encodeURIComponent(rule.expr)}&g0.tab=1`,
  };
}
