import { alertmanager, fingerprint, heal, type Context } from '@vigil/core';
import { advance, assertNotBusy, finish, LEASE_MS, rollBack } from './run';
import { EARLY_TOLERANCE_MS, enqueueVerify } from './schedule';
import type { HealResult } from './result';

/**
 * Whether the execution's alert is still firing, read from the store: the rule group's alert
 * state when evaluate named the group, else the alert as notify last heard of it, else the
 * alert's own end time.
 */
export async function stillFiring(ctx: Context, e: heal.Execution): Promise<boolean> {
  const now = ctx.clock.now();
  if (e.group) {
    const states = await ctx.services.alertStates.load(e.tenant, e.group);
    const state = states.find((s) => s.record.fingerprint === e.fingerprint || fingerprint(s.record.labels) === e.fingerprint);
    return state !== undefined && state.record.state === 'firing';
  }
  const notified = await ctx.store.get<alertmanager.NotifyAlert>(alertmanager.notifyKeys.alerts(e.tenant), e.fingerprint);
  if (notified) return notified.value.endsAt > now;
  return e.alert.endsAt > now;
}

/**
 * The delayed check after the actions ran: resolved → succeeded; still firing → the
 * rollback runs and the execution ends as failed_verification. Moving out of `verifying` is a
 * conditional write, so of two deliveries of the same check only one rolls back.
 */
export async function verifyExecution(ctx: Context, tenant: string, id: string, due: number): Promise<HealResult> {
  const repo = new heal.ExecutionRepository(ctx.store);
  const stored = await repo.get(tenant, id);
  if (!stored) return { status: 'skipped', reason: 'no such execution' };
  const e = stored.execution;
  if (e.status === 'rolling_back' && e.failure?.status === 'failed_verification') {
    assertNotBusy(ctx, e); // a redelivery after a crash mid-rollback resumes it
    return resultOf(await rollBack(ctx, stored, heal.toRunbook(e.document)));
  }
  if (e.status !== 'verifying' || e.verifyDue !== due) return { executionId: id, status: 'skipped', reason: `execution is ${e.status}` };
  const now = ctx.clock.now();
  if (due > now + EARLY_TOLERANCE_MS) {
    await enqueueVerify(ctx, tenant, id, due); // longer than one queue delay: hop again
    return { executionId: id, status: 'verifying', reason: 'verification not due yet' };
  }
  if (!(await stillFiring(ctx, e))) return resultOf(await finish(ctx, stored, 'succeeded', 'alert resolved'));
  const runbook = heal.toRunbook(e.document);
  const claimed = await advance(ctx, stored, { status: 'rolling_back', leaseUntil: now + LEASE_MS, failure: { status: 'failed_verification', reason: 'alert still firing after verify.after' } }, [
    { event: 'verification_failed', detail: { reason: 'alert still firing', actions: runbook.rollback.length } },
  ]);
  return resultOf(await rollBack(ctx, claimed, runbook));
}

export function resultOf(s: heal.StoredExecution): HealResult {
  const e = s.execution;
  return { executionId: e.id, status: e.status, ...(e.reason ? { reason: e.reason } : {}) };
}
