import type { Context } from '../context';
import { ConditionFailedError } from '../ports';
import { ExecutionRepository, type Execution, type StoredExecution } from './store';

export type DecisionResult =
  | { ok: true; execution: Execution }
  | { ok: false; reason: 'not_found' }
  | { ok: false; reason: 'conflict'; status: Execution['status'] };

const MAX_ATTEMPTS = 5;

/**
 * An operator approves or rejects an execution waiting for approval. The decision is a
 * conditional write (two operators deciding at once: one wins, the other sees the new status)
 * with its audit entry; an approval then sends the heal handler an `approve` message. Approving
 * an already approved execution sends that message again, so an approval whose message was
 * lost can be repeated.
 */
export async function decideExecution(ctx: Pick<Context, 'store' | 'queue' | 'clock'>, tenant: string, id: string, decision: 'approve' | 'reject', by: string): Promise<DecisionResult> {
  const repo = new ExecutionRepository(ctx.store);
  for (let attempt = 1; ; attempt++) {
    const current = await repo.get(tenant, id);
    if (!current) return { ok: false, reason: 'not_found' };
    const { status } = current.execution;
    if (decision === 'approve' && status === 'approved') {
      await sendApproval(ctx, tenant, id, by);
      return { ok: true, execution: current.execution };
    }
    if (status !== 'awaiting_approval') return { ok: false, reason: 'conflict', status };
    let next: StoredExecution;
    try {
      next = await decide(repo, current, decision, by, ctx.clock.now());
    } catch (err) {
      if (err instanceof ConditionFailedError && attempt < MAX_ATTEMPTS) continue;
      throw err;
    }
    if (decision === 'approve') await sendApproval(ctx, tenant, id, by);
    return { ok: true, execution: next.execution };
  }
}

function decide(repo: ExecutionRepository, current: StoredExecution, decision: 'approve' | 'reject', by: string, now: number): Promise<StoredExecution> {
  const e = current.execution;
  if (decision === 'approve') {
    return repo.update(current, { ...e, status: 'approved', approvedBy: by, approvedAt: now, updatedAt: now }, [{ event: 'approved', detail: { by } }]);
  }
  return repo.update(current, { ...e, status: 'rejected', reason: `rejected by ${by}`, updatedAt: now }, [{ event: 'rejected', detail: { by } }]);
}

async function sendApproval(ctx: Pick<Context, 'queue'>, tenant: string, id: string, by: string): Promise<void> {
  await ctx.queue.send('heal', { body: { kind: 'approve', tenant, executionId: id, approvedBy: by } });
}
