import { alertmanager, fingerprint, type Context } from '@vigil/core';
import type { PostableAlert } from '@vigil/events';
import { enqueueFlush, routeTree } from './shared';

type NotifyAlert = alertmanager.NotifyAlert;
type AggregationGroup = alertmanager.AggregationGroup;
const { casUpdate, notifyKeys, aggregationGroupId } = alertmanager;

/** Keep resolved alerts long enough for every group holding them to report them. */
const ALERT_RETENTION_AFTER_END_MS = 3 * 3_600_000;

/**
 * Merges an incoming alert into the stored one, as Alertmanager does: a resolved alert that
 * fires again starts anew; an update keeps the earliest start. Returns undefined when the
 * store would not change meaningfully (a firing alert's endsAt is only refreshed once half
 * its validity has passed, so steady resends cost reads, not writes).
 */
function merge(current: NotifyAlert | undefined, incoming: NotifyAlert, now: number): NotifyAlert | undefined {
  if (current && current.endsAt <= now && incoming.endsAt === current.endsAt && incoming.startsAt === current.startsAt) return undefined;
  if (!current || current.endsAt <= now || current.endsAt < incoming.startsAt) return incoming;
  const next: NotifyAlert = { ...incoming, startsAt: Math.min(current.startsAt, incoming.startsAt) };
  const resolving = incoming.endsAt <= now;
  const sameContent =
    JSON.stringify(current.annotations) === JSON.stringify(incoming.annotations) && current.generatorURL === incoming.generatorURL && current.startsAt === next.startsAt;
  if (!resolving && sameContent && current.endsAt - now > (incoming.endsAt - now) / 2) return undefined;
  return next;
}

export async function dispatchAlerts(tenant: string, alerts: PostableAlert[], ctx: Context): Promise<void> {
  const config = await ctx.services.alertmanagerConfigs.load(tenant);
  if (!config) {
    ctx.logger.debug('no Alertmanager configuration: alerts are kept but not routed', { tenant, alerts: alerts.length });
  }
  const now = ctx.clock.now();
  const tree = config ? routeTree(config) : undefined;

  for (const a of alerts) {
    const fp = fingerprint(a.labels);
    const incoming: NotifyAlert = { fingerprint: fp, ...a, updatedAt: now };
    await casUpdate<NotifyAlert>(ctx.store, notifyKeys.alerts(tenant), fp, (cur) => merge(cur, incoming, now), (n) => Math.max(n.endsAt, now) + ALERT_RETENTION_AFTER_END_MS);
    if (!tree || !config) continue;

    for (const match of alertmanager.matchRoutes(tree, a.labels)) {
      const labels = alertmanager.groupLabels(match, a.labels);
      const key = alertmanager.groupKey(match.routeKey, labels);
      const id = aggregationGroupId(match.receiver, key);
      let created: AggregationGroup | undefined;
      await casUpdate<AggregationGroup>(ctx.store, notifyKeys.groups(tenant), id, (group) => {
        created = undefined;
        // A resolved alert the group does not hold was already reported (or never fired there).
        if (a.endsAt <= now) return undefined;
        if (group) return group.fingerprints.includes(fp) ? undefined : { ...group, fingerprints: [...group.fingerprints, fp] };
        created = {
          groupKey: key,
          receiver: match.receiver,
          routeId: match.routeId,
          groupLabels: labels,
          fingerprints: [fp],
          groupWaitMs: match.groupWait,
          groupIntervalMs: match.groupInterval,
          repeatIntervalMs: match.repeatInterval,
          createdAt: now,
          nextFlushAt: now + match.groupWait,
        };
        return created;
      });
      if (created) await enqueueFlush(ctx, tenant, id, created.nextFlushAt);
    }
  }
}
