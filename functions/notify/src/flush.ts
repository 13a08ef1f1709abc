import { alertmanager, ConditionFailedError, type Context } from '@vigil/core';
import { enqueueFlush } from './shared';
import { integrationsOf, type Integration } from './integrations';

type NotifyAlert = alertmanager.NotifyAlert;
type AggregationGroup = alertmanager.AggregationGroup;
type LogEntry = alertmanager.NotificationLogEntry;
const { notifyKeys } = alertmanager;

/** A flush message may arrive this much before its due time and still count (queue delays are whole seconds). */
const EARLY_TOLERANCE_MS = 1_000;

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
    const claimed: AggregationGroup = { ...group, claimedDue: due, nextFlushAt: now + group.groupIntervalMs };
    try {
      await ctx.store.put(notifyKeys.groups(tenant), groupId, claimed as never, { ifVersion: item.version });
    } catch (err) {
      if (err instanceof ConditionFailedError) return; // another delivery claimed it
      throw err;
    }
    group = claimed;
    await enqueueFlush(ctx, tenant, groupId, claimed.nextFlushAt);
  }

  const alerts = (await Promise.all(group.fingerprints.map((fp) => ctx.store.get<NotifyAlert>(notifyKeys.alerts(tenant), fp))))
    .filter((i) => i !== undefined)
    .map((i) => i.value);
  if (alerts.length === 0) {
    await retireResolved(ctx, tenant, groupId, due, new Set(group.fingerprints)); // every alert expired
    return;
  }

  const config = await ctx.services.alertmanagerConfigs.load(tenant);
  const receiver = config?.receivers.find((r) => r.name === group.receiver);
  const firing = alerts.filter((a) => a.endsAt > now);
  const resolved = alerts.filter((a) => a.endsAt <= now);
  const firingFps = firing.map((a) => a.fingerprint).sort();
  const resolvedFps = resolved.map((a) => a.fingerprint).sort();

  for (const integration of receiver ? integrationsOf(receiver) : []) {
    const logKey = `${groupId}#${integration.name}#${integration.index}`;
    const entry = (await ctx.store.get<LogEntry>(notifyKeys.log(tenant), logKey))?.value;
    if (!needsUpdate(entry, firingFps, resolvedFps, integration.sendResolved, group.repeatIntervalMs, now)) continue;
    const toSend = integration.sendResolved ? alerts : firing;
    if (toSend.length > 0) await send(integration, group, toSend, now, ctx);
    await ctx.store.put(notifyKeys.log(tenant), logKey, { firing: firingFps, resolved: resolvedFps, sentAt: now }, {
      expiresAt: now + group.repeatIntervalMs + 24 * 3_600_000,
    });
  }

  // Resolved alerts have been reported: they leave the group, and a group left empty ends
  // (a new alert then opens a new group and waits group_wait again, as in Alertmanager).
  await retireResolved(ctx, tenant, groupId, due, new Set(resolvedFps));
  ctx.logger.debug('flushed', { tenant, groupKey: group.groupKey, firing: firing.length, resolved: resolved.length });
}

async function send(integration: Integration, group: AggregationGroup, alerts: NotifyAlert[], now: number, ctx: Context): Promise<void> {
  const result = await integration.send({ group, alerts, now, ctx });
  ctx.logger.info('notification sent', { receiver: group.receiver, integration: integration.name, groupKey: group.groupKey, alerts: alerts.length, attempts: result.attempts });
}

async function retireResolved(ctx: Context, tenant: string, groupId: string, due: number, reported: Set<string>): Promise<void> {
  const pk = notifyKeys.groups(tenant);
  for (let attempt = 1; ; attempt++) {
    const item = await ctx.store.get<AggregationGroup>(pk, groupId);
    if (!item) return;
    const fingerprints = item.value.fingerprints.filter((fp) => !reported.has(fp));
    try {
      if (fingerprints.length === 0) await ctx.store.delete(pk, groupId, { ifVersion: item.version });
      else await ctx.store.put(pk, groupId, { ...item.value, fingerprints, lastFlushedDue: Math.max(due, item.value.lastFlushedDue ?? 0) } as never, { ifVersion: item.version });
      return;
    } catch (err) {
      if (!(err instanceof ConditionFailedError) || attempt >= 10) throw err;
    }
  }
}
