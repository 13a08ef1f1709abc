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

const hasFlushed = (g: AggregationGroup) => g.claimedDue !== undefined || g.lastFlushedDue !== undefined;

export async function dispatchAlerts(tenant: string, alerts: PostableAlert[], ctx: Context): Promise<void> {
  const config = await ctx.services.alertmanagerConfigs.load(tenant);
  if (!config) {
    ctx.logger.debug('no Alertmanager configuration: alerts are kept but not routed', { tenant, alerts: alerts.length });
  }
  const tree = config ? routeTree(config) : undefined;

  for (const a of alerts) {
    // Read per alert: a group's timer starts when the group is created, not when the batch began.
    const now = ctx.clock.now();
    const fp = fingerprint(a.labels);
    const incoming: NotifyAlert = { fingerprint: fp, ...a, updatedAt: now };
    let changed = false;
    await casUpdate<NotifyAlert>(
      ctx.store,
      notifyKeys.alerts(tenant),
      fp,
      (cur) => {
        const next = merge(cur, incoming, now);
        changed = next !== undefined;
        return next;
      },
      (n) => Math.max(n.endsAt, now) + ALERT_RETENTION_AFTER_END_MS,
    );
    if (!tree || !config) continue;
    const resolved = a.endsAt <= now;
    // Alertmanager puts resolved alerts into their groups too (a group whose log still holds
    // them as firing then reports the resolution); an unchanged resend of a resolved alert,
    // as Prometheus sends for 15 minutes, has nothing new to say and is not routed again.
    if (resolved && !changed) continue;

    for (const match of alertmanager.matchRoutes(tree, a.labels)) {
      const labels = alertmanager.groupLabels(match, a.labels);
      const key = alertmanager.groupKey(match.routeKey, labels);
      const id = aggregationGroupId(match.receiver, key);
      // Alertmanager flushes a group that has not flushed yet at once when an alert's
      // group_wait, counted from its start, is already over.
      const waitOver = a.startsAt + match.groupWait < now;
      const group = await casUpdate<AggregationGroup>(ctx.store, notifyKeys.groups(tenant), id, (group) => {
        if (group) {
          const early = waitOver && !hasFlushed(group) && group.nextFlushAt > now;
          if (group.fingerprints.includes(fp) && !early) return undefined;
          const fingerprints = group.fingerprints.includes(fp) ? group.fingerprints : [...group.fingerprints, fp];
          const { emptySince: _, ...rest } = group;
          return { ...rest, fingerprints, nextFlushAt: early ? now : group.nextFlushAt };
        }
        return {
          groupKey: key,
          receiver: match.receiver,
          routeId: match.routeId,
          groupLabels: labels,
          fingerprints: [fp],
          groupWaitMs: match.groupWait,
          groupIntervalMs: match.groupInterval,
          repeatIntervalMs: match.repeatInterval,
          createdAt: now,
          nextFlushAt: waitOver ? now : now + match.groupWait,
        };
      });
      // Until its first flush claims it, a group's timer is the message sent here; sending it
      // again on every update (deduplicated by due time) repairs a crash between the write
      // above and the send. After that, each flush schedules the next.
      if (group && !hasFlushed(group)) await enqueueFlush(ctx, tenant, id, group.nextFlushAt);
    }
  }
}
