import { fingerprint, heal, ValidationError, type Context } from '@vigil/core';
import type { PostableAlert } from '@vigil/events';
import { assertNotBusy, finish, recordDryRun, repositoryOf, runExecution } from './run';
import { resultOf, stillFiring } from './verify';
import { enqueueVerify } from './schedule';
import type { HealResult } from './result';

/** How late a verification may be before an alert's resend schedules it again. */
export const VERIFY_GRACE_MS = 2 * 60_000;

/**
 * An alert firing that a runbook matches: creates its execution once — the create is
 * conditional on the execution ID, which every delivery of this alert firing shares — and
 * then records a dry run, waits for approval, or runs it.
 */
export async function startExecution(ctx: Context, tenant: string, alert: PostableAlert, runbookName: string, group: string | undefined): Promise<HealResult> {
  const fp = fingerprint(alert.labels);
  const id = heal.executionId(tenant, runbookName, fp, alert.startsAt);
  const repo = repositoryOf(ctx);
  const existing = await repo.get(tenant, id);
  if (existing) return proceed(ctx, existing, 'duplicate');

  const now = ctx.clock.now();
  if (alert.endsAt <= now) return { executionId: id, status: 'skipped', reason: 'the alert is no longer firing' };
  const stored = await heal.runbooksOf(ctx).get(tenant, runbookName);
  if (!stored) return { executionId: id, status: 'skipped', reason: `no runbook named ${runbookName}` };
  let runbook: heal.Runbook;
  try {
    runbook = heal.toRunbook(stored.document);
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
    return { executionId: id, status: 'skipped', reason: `runbook ${runbookName} is invalid: ${err.message}` };
  }
  // The runbook may have changed since evaluate matched it.
  if (!heal.runbookMatches(runbook, alert.labels)) return { executionId: id, status: 'skipped', reason: `runbook ${runbookName} does not match the alert` };

  const waits = !runbook.dry_run && runbook.approval === 'required';
  const execution: heal.Execution = {
    id,
    tenant,
    runbook: runbookName,
    fingerprint: fp,
    alert,
    ...(group ? { group } : {}),
    document: stored.document,
    status: waits ? 'awaiting_approval' : 'pending',
    dryRun: runbook.dry_run,
    createdAt: now,
    updatedAt: now,
    actions: [],
    rollback: [],
    seq: 0,
  };
  const audit: heal.AuditInput[] = [
    { event: 'created', detail: { runbook: runbookName, fingerprint: fp, alertname: alert.labels.alertname ?? '', dryRun: runbook.dry_run, approval: runbook.approval } },
  ];
  if (waits) audit.push({ event: 'awaiting_approval' });
  const created = await repo.create(execution, audit);
  if (!created) {
    // Another delivery created it between our read and our write: carry on from its state.
    const now = await repo.get(tenant, id);
    return now ? proceed(ctx, now, 'duplicate') : { executionId: id, status: 'skipped', reason: 'execution vanished' };
  }
  if (waits) {
    ctx.logger.info('remediation awaits approval', { tenant, runbook: runbookName, executionId: id });
    return resultOf(created);
  }
  return proceed(ctx, created, 'start');
}

/**
 * Continues an execution from its stored state: a pending one starts, an approved one starts
 * if its alert still fires, one a dead worker left running resumes; anything else is done or
 * waiting, and this delivery has nothing to add.
 */
export async function proceed(ctx: Context, stored: heal.StoredExecution, why: 'start' | 'approve' | 'duplicate'): Promise<HealResult> {
  const e = stored.execution;
  const runbook = () => heal.toRunbook(e.document);
  switch (e.status) {
    case 'pending':
      return resultOf(e.dryRun ? await recordDryRun(ctx, stored, runbook()) : await runExecution(ctx, stored, runbook()));
    case 'approved':
      if (!(await stillFiring(ctx, e))) return resultOf(await finish(ctx, stored, 'cancelled', 'the alert resolved before the approved execution started'));
      return resultOf(await runExecution(ctx, stored, runbook()));
    case 'running':
    case 'rolling_back':
      assertNotBusy(ctx, e);
      return resultOf(await runExecution(ctx, stored, runbook()));
    case 'verifying':
      // A verification overdue by more than a queue hop was lost (dead-lettered): the alert's
      // resends schedule it again; a duplicate finds the execution no longer verifying.
      if (e.verifyDue !== undefined && e.verifyDue + VERIFY_GRACE_MS < ctx.clock.now()) {
        // At most one resend per grace period, however often the alert is resent.
        await enqueueVerify(ctx, e.tenant, e.id, e.verifyDue, `resend-${Math.floor(ctx.clock.now() / VERIFY_GRACE_MS)}`);
        return { executionId: e.id, status: 'verifying', reason: 'overdue verification sent again' };
      }
      return { executionId: e.id, status: why === 'duplicate' ? 'skipped' : e.status, reason: `execution is ${e.status}` };
    default:
      return { executionId: e.id, status: why === 'duplicate' ? 'skipped' : e.status, reason: `execution is ${e.status}` };
  }
}
