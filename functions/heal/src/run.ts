import { heal, type Context, type JsonValue } from '@vigil/core';
import { ACTION_BACKOFF, plan, runAction, templateData } from './actions';
import { acquireSlot, releaseSlot } from './limits';
import { enqueueVerify } from './schedule';

type Execution = heal.Execution;
type StoredExecution = heal.StoredExecution;
type Runbook = heal.Runbook;

/**
 * A worker owns a running execution for this long after its last write; every step writes,
 * so a live worker keeps its lease, and a crashed one's execution is resumed by the next
 * delivery once the lease has passed.
 */
export const LEASE_MS = 5 * 60_000;

/**
 * Another worker holds the execution. Thrown (not swallowed) so the queue delivers the message
 * again later: by then the execution is finished (and the message is a no-op) or its worker
 * died and the lease has passed (and this delivery resumes it).
 */
export class ExecutionBusyError extends Error {
  readonly retryable = true;
  constructor(id: string, until: number) {
    super(`execution ${id} is being run by another worker until ${new Date(until).toISOString()}`);
    this.name = 'ExecutionBusyError';
  }
}

export const repositoryOf = (ctx: Context) => new heal.ExecutionRepository(ctx.store);

/** Writes the next state of an execution with its audit entries (conditional on the version read). */
export async function advance(ctx: Context, current: StoredExecution, patch: Partial<Execution>, audit: heal.AuditInput[]): Promise<StoredExecution> {
  const next = { ...current.execution, ...patch, updatedAt: ctx.clock.now() } as Execution;
  // Cleared fields are left out rather than stored as undefined, which not every store accepts.
  for (const key of Object.keys(next) as (keyof Execution)[]) if (next[key] === undefined) delete next[key];
  return repositoryOf(ctx).update(current, next, audit);
}

/** A running execution whose lease has not passed belongs to another worker. */
export function assertNotBusy(ctx: Context, e: Execution): void {
  if ((e.status === 'running' || e.status === 'rolling_back') && e.leaseUntil !== undefined && e.leaseUntil > ctx.clock.now()) {
    throw new ExecutionBusyError(e.id, e.leaseUntil);
  }
}

/**
 * The lease taken before an action: long enough for all its attempts and the waits between
 * them, so nobody takes over an action that is merely slow.
 */
function leaseFor(ctx: Context, action: heal.RunbookAction): number {
  const worstCase = action.max_attempts * action.timeout + (action.max_attempts - 1) * ACTION_BACKOFF.capMs;
  return ctx.clock.now() + Math.max(LEASE_MS, worstCase + 60_000);
}

const idempotencyKey = (e: Execution, phase: 'action' | 'rollback', index: number) => `${e.id}:${phase}:${index}`;

/**
 * One action or rollback action: the lease is stretched to cover its retries, the start and the
 * outcome are audited, and the outcome is appended to the execution before the next step.
 */
async function runStep(
  ctx: Context,
  current: StoredExecution,
  phase: 'action' | 'rollback',
  index: number,
  action: heal.RunbookAction,
  data: ReturnType<typeof templateData>,
): Promise<{ s: StoredExecution; outcome: heal.StepOutcome }> {
  const event = phase === 'action' ? 'action' : 'rollback_action';
  let s = await advance(ctx, current, { leaseUntil: leaseFor(ctx, action) }, [{ event: `${event}_started`, detail: { index, name: action.name ?? `${action.method} ${action.url}` } }]);
  const outcome = await runAction(ctx, index, action, data, idempotencyKey(s.execution, phase, index));
  const list = phase === 'action' ? 'actions' : 'rollback';
  s = await advance(ctx, s, { [list]: [...s.execution[list], outcome], leaseUntil: ctx.clock.now() + LEASE_MS }, [
    { event: `${event}_${outcome.ok ? 'succeeded' : 'failed'}`, detail: stepDetail(outcome) },
  ]);
  return { s, outcome };
}

/** Records what the execution would send, and sends nothing. */
export async function recordDryRun(ctx: Context, stored: StoredExecution, runbook: Runbook): Promise<StoredExecution> {
  const e = stored.execution;
  const data = templateData(e, ctx.settings.externalUrl, ctx.clock.now());
  const planned = [
    ...runbook.actions.map((a, i) => plan('action', i, a, data, idempotencyKey(e, 'action', i))),
    ...runbook.rollback.map((a, i) => plan('rollback', i, a, data, idempotencyKey(e, 'rollback', i))),
  ];
  const done = await advance(ctx, stored, { status: 'dry_run', plan: planned }, [{ event: 'dry_run', detail: { requests: planned.length } }]);
  await publish(ctx, done.execution);
  return done;
}

/**
 * Runs an execution that may start (pending or approved) or that a dead worker left running:
 * takes a blast-radius slot, runs the actions in order, and then schedules the verification,
 * finishes, or rolls back on the first failed action.
 */
export async function runExecution(ctx: Context, stored: StoredExecution, runbook: Runbook): Promise<StoredExecution> {
  let s = stored;
  const e = s.execution;
  if (e.status === 'rolling_back') return rollBack(ctx, s, runbook);
  if (e.status === 'running') {
    s = await advance(ctx, s, { leaseUntil: ctx.clock.now() + LEASE_MS }, [{ event: 'resumed', detail: { after: e.actions.length } }]);
  } else {
    const slot = await acquireSlot(ctx, e.tenant, e.runbook, e.id, runbook.limits);
    if (!slot.ok) return finish(ctx, s, 'limited', slot.reason);
    s = await advance(ctx, s, { status: 'running', holdsSlot: true, leaseUntil: ctx.clock.now() + LEASE_MS }, [{ event: 'started', detail: { actions: runbook.actions.length } }]);
  }

  const data = templateData(s.execution, ctx.settings.externalUrl, ctx.clock.now());
  // An action whose result was never recorded (its worker died mid-call) runs again: actions
  // are at-least-once, and carry an Idempotency-Key so their target can tell.
  for (let i = s.execution.actions.length; i < runbook.actions.length; i++) {
    let outcome: heal.StepOutcome;
    ({ s, outcome } = await runStep(ctx, s, 'action', i, runbook.actions[i]!, data));
    if (!outcome.ok) {
      s = await advance(ctx, s, { status: 'rolling_back', failure: { status: 'failed', reason: `action ${i} (${outcome.name}) failed: ${outcome.error}` } }, [
        { event: 'rollback_started', detail: { reason: outcome.error ?? 'failed', actions: runbook.rollback.length } },
      ]);
      return rollBack(ctx, s, runbook);
    }
  }

  if (runbook.verify) {
    const due = ctx.clock.now() + runbook.verify.after;
    s = await advance(ctx, s, { status: 'verifying', verifyDue: due, leaseUntil: undefined }, [{ event: 'verify_scheduled', detail: { due: new Date(due).toISOString() } }]);
    await enqueueVerify(ctx, e.tenant, e.id, due);
    return s;
  }
  return finish(ctx, s, 'succeeded');
}

/** Runs every rollback action in order (a failed one does not stop the rest), then finishes with the recorded failure. */
export async function rollBack(ctx: Context, stored: StoredExecution, runbook: Runbook): Promise<StoredExecution> {
  let s = stored;
  const data = templateData(s.execution, ctx.settings.externalUrl, ctx.clock.now());
  for (let i = s.execution.rollback.length; i < runbook.rollback.length; i++) {
    ({ s } = await runStep(ctx, s, 'rollback', i, runbook.rollback[i]!, data));
  }
  const failure = s.execution.failure ?? { status: 'failed' as const, reason: 'rolled back' };
  const rolledBack = s.execution.rollback.every((r) => r.ok);
  return finish(ctx, s, failure.status, `${failure.reason}; rollback ${rolledBack ? 'succeeded' : 'failed'}`);
}

/**
 * Ends an execution: gives back its slot, publishes RemediationRan, then writes the final
 * state. Publishing first makes the event at-least-once: a crash before the write leaves the
 * execution unfinished, and the redelivery finishes (and publishes) it again.
 */
export async function finish(ctx: Context, stored: StoredExecution, status: heal.ExecutionStatus, reason?: string): Promise<StoredExecution> {
  const e = stored.execution;
  if (e.holdsSlot) await releaseSlot(ctx, e.tenant, e.runbook, e.id);
  const final: Execution = { ...e, status, holdsSlot: false, leaseUntil: undefined, ...(reason !== undefined ? { reason } : {}) };
  await publish(ctx, final);
  return advance(ctx, stored, final, [{ event: status, ...(reason !== undefined ? { detail: { reason } } : {}) }]);
}

async function publish(ctx: Context, e: Execution): Promise<void> {
  await ctx.events.publish([
    {
      type: 'RemediationRan',
      tenant: e.tenant,
      time: ctx.clock.now(),
      detail: {
        executionId: e.id,
        runbook: e.runbook,
        fingerprint: e.fingerprint,
        labels: e.alert.labels,
        status: e.status,
        dryRun: e.dryRun,
        ...(e.reason ? { reason: e.reason } : {}),
        actions: e.actions.map((a) => ({ name: a.name, ok: a.ok, attempts: a.attempts })),
        rollback: e.rollback.map((a) => ({ name: a.name, ok: a.ok, attempts: a.attempts })),
      },
    },
  ]);
}

function stepDetail(o: heal.StepOutcome): Record<string, JsonValue> {
  return {
    index: o.index,
    name: o.name,
    attempts: o.attempts,
    ...(o.httpStatus !== undefined ? { httpStatus: o.httpStatus } : {}),
    ...(o.error !== undefined ? { error: o.error } : {}),
  };
}
