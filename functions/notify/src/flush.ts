import { alertmanager, ConditionFailedError, EARLY_TOLERANCE_MS, type Context } from '@vigil/core';
import { compileConfig, enqueueFlush } from './shared';
import { Muter } from './muting';
import { integrationsOf, type Integration } from './integrations';

type NotifyAlert = alertmanager.NotifyAlert;
type AggregationGroup = alertmanager.AggregationGroup;
type LogEntry = alertmanager.NotificationLogEntry;
const { casUpdate, notifyKeys } = alertmanager;

/**
 * Alertmanager removes empty aggregation groups in a sweep every 30 s; until then an alert
 * that fires again joins the old group and waits for its next group_interval tick rather
 * than a fresh group_wait. An empty group here lives as long, then its next flush ends it.
 */
export const EMPTY_GROUP_LINGER_MS = 30_000;

const isSubset = (a: string[], b: Set<string>) => a.every((x) => b.has(x));

/**
 * Alertmanager's DedupStage: whether this group state is news to the receiver. New firing
 * alerts always are; all-resolved is, if anything was firing; newly resolved alerts are with
 * send_resolved; otherwise only when repeat_interval has passed.
 */
export function needsUpdate(entry: LogEntry | undefined, firing: string[], resolved: string[], sendResolved: boolean, repeatMs: number, now: number): boolean {
  if (!entry) return firing.length > 0;
  if (!isSubset(firing, new Set(entry.firing))) return true;
  if (firing.length === 0) return entry.firing.length > 0;
  if (sendResolved && !isSubset(resolved, new Set(entry.resolved))) return true;
  return entry.sentAt <= now - repeatMs;
}

/**
 * Flushes one aggregation group. The first delivery of a flush claims it by moving the
 * group's next due time (a conditional write, so concurrent deliveries cannot both send) and
 * schedules the next flush before sending; a redelivery of the claimed flush retries the send.
 */
export async function flushGroup(tenant: string, groupId: string, due: number, ctx: Context): Promise<void> {
  const now = ctx.clock.now();
  const item = await ctx.store.get<AggregationGroup>(notifyKeys.groups(tenant), groupId);
  if (!item) return;
  let group = item.value;
  if (group.lastFlushedDue !== undefined && due <= group.lastFlushedDue) return;

  if (group.claimedDue !== due) {
    if (group.nextFlushAt !== due) return; // superseded by a later schedule
    if (due > now + EARLY_TOLERANCE_MS) {
      await enqueueFlush(ctx, tenant, groupId, due); // longer than one queue delay: hop again
      return;
    }
    // On time, the next tick keeps the cadence from the due time (queue latency does not add
    // up tick after tick); late, it counts from now, as Alertmanager's timer does after a flush.
    const base = now - due <= EARLY_TOLERANCE_MS ? due : now;
    const claimed: AggregationGroup = { ...group, claimedDue: due, nextFlushAt: base + group.groupIntervalMs };
    try {
      await ctx.store.put(notifyKeys.groups(tenant), groupId, claimed as never, { ifVersion: item.version });
    } catch (err) {
      if (err instanceof ConditionFailedError) return; // another delivery claimed it
      throw err;
    }
    group = claimed;
    await enqueueFlush(ctx, tenant, groupId, claimed.nextFlushAt);
  }

  if (group.fingerprints.length === 0) {
    if (now - (group.emptySince ?? now) >= EMPTY_GROUP_LINGER_MS) await deleteIfEmpty(ctx, tenant, groupId);
    return;
  }

  const alerts = (await Promise.all(group.fingerprints.map((fp) => ctx.store.get<NotifyAlert>(notifyKeys.alerts(tenant), fp))))
    .filter((i) => i !== undefined)
    .map((i) => i.value);
  if (alerts.length === 0) {
    await retireResolved(ctx, tenant, groupId, due, new Set(group.fingerprints)); // every alert expired
    return;
  }

  const config = await ctx.services.alertmanagerConfigs.load(tenant);
  const compiled = config ? compileConfig(config) : undefined;
  const receiver = config?.receivers.find((r) => r.name === group.receiver);
  const route = compiled?.routesById.get(group.routeId);

  // Alertmanager's pipeline: inhibition, then the route's active/mute time intervals, then
  // silences. Whatever is held back is left out of the notification and of the notification
  // log; when nothing is left nothing is sent and the log stays as it was, so the alerts are
  // notified as news once the muting ends. Resolved alerts are muted the same way (a silenced
  // alert that resolves sends no resolved notification, as in Alertmanager).
  const timeMuted = compiled !== undefined && route !== undefined && alertmanager.routeMutedAt(compiled.timeIntervals, route.opts, now);
  const unmuted = timeMuted ? [] : (await Muter.load(ctx, tenant, compiled, now, { targets: alerts })).unmuted(alerts);

  const firing = unmuted.filter((a) => a.endsAt > now);
  const resolved = unmuted.filter((a) => a.endsAt <= now);
  const firingFps = firing.map((a) => a.fingerprint).sort();
  const resolvedFps = resolved.map((a) => a.fingerprint).sort();

  for (const integration of receiver && unmuted.length > 0 ? integrationsOf(receiver) : []) {
    const logKey = `${groupId}#${integration.name}#${integration.index}`;
    const entry = (await ctx.store.get<LogEntry>(notifyKeys.log(tenant), logKey))?.value;
    if (!needsUpdate(entry, firingFps, resolvedFps, integration.sendResolved, group.repeatIntervalMs, now)) continue;
    const toSend = integration.sendResolved ? unmuted : firing;
    if (toSend.length > 0) await send(integration, group, toSend, now, ctx, tenant);
    await ctx.store.put(notifyKeys.log(tenant), logKey, { firing: firingFps, resolved: resolvedFps, sentAt: now }, {
      expiresAt: now + group.repeatIntervalMs + 24 * 3_600_000,
    });
  }

  // Resolved alerts have been reported: they leave the group (an emptied group lingers, see
  // EMPTY_GROUP_LINGER_MS). Muted ones too: Alertmanager drops resolved alerts from the group
  // after every flush that did not fail, whether or not they were notified.
  const allResolved = alerts.filter((a) => a.endsAt <= now).map((a) => a.fingerprint);
  await retireResolved(ctx, tenant, groupId, due, new Set(allResolved));
  ctx.logger.debug('flushed', { tenant, groupKey: group.groupKey, firing: firing.length, resolved: resolved.length, muted: alerts.length - unmuted.length });
}

async function send(integration: Integration, group: AggregationGroup, alerts: NotifyAlert[], now: number, ctx: Context, tenant: string): Promise<void> {
  const result = await integration.send({ group, alerts, now, ctx, tenant });
  ctx.logger.info('notification sent', { receiver: group.receiver, integration: integration.name, groupKey: group.groupKey, alerts: alerts.length, attempts: result.attempts });
}

/** Drops reported alerts from the group; a group left empty records since when, for its cleanup. */
async function retireResolved(ctx: Context, tenant: string, groupId: string, due: number, reported: Set<string>): Promise<void> {
  await casUpdate<AggregationGroup>(ctx.store, notifyKeys.groups(tenant), groupId, (group) => {
    if (!group) return undefined;
    const fingerprints = group.fingerprints.filter((fp) => !reported.has(fp));
    const next: AggregationGroup = { ...group, fingerprints, lastFlushedDue: Math.max(due, group.lastFlushedDue ?? 0) };
    if (fingerprints.length === 0) next.emptySince = group.emptySince ?? ctx.clock.now();
    else delete next.emptySince;
    return next;
  });
}

async function deleteIfEmpty(ctx: Context, tenant: string, groupId: string): Promise<void> {
  const item = await ctx.store.get<AggregationGroup>(notifyKeys.groups(tenant), groupId);
  if (!item || item.value.fingerprints.length > 0) return;
  try {
    await ctx.store.delete(notifyKeys.groups(tenant), groupId, { ifVersion: item.version });
  } catch (err) {
    if (!(err instanceof ConditionFailedError)) throw err; // an alert joined meanwhile: the group lives on
  }
}
