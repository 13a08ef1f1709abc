import { heal, type Context } from '@vigil/core';
import type { HealMessage } from '@vigil/events';
import { proceed, startExecution } from './start';
import { verifyExecution } from './verify';
import type { HealResult } from './result';

export type { HealResult } from './result';
export type ExecutionStatus = heal.ExecutionStatus;
export { ExecutionBusyError, LEASE_MS } from './run';
export { stillFiring } from './verify';

/**
 * heal: `alert` messages start (or find) the execution of one runbook for one alert firing;
 * `approve` runs an execution an operator approved through the API; `verify`, delayed by
 * the runbook's `verify.after`, checks that the alert resolved and rolls back when it did not.
 * Every message may arrive more than once: each step is a conditional write on the execution.
 */
export async function handle(input: HealMessage, ctx: Context): Promise<HealResult> {
  switch (input.kind) {
    case 'alert':
      return startExecution(ctx, input.tenant, input.alert, input.runbook, input.group);
    case 'verify':
      return verifyExecution(ctx, input.tenant, input.executionId, input.due);
    case 'approve': {
      const stored = await new heal.ExecutionRepository(ctx.store).get(input.tenant, input.executionId);
      if (!stored) return { status: 'skipped', reason: 'no such execution' };
      return proceed(ctx, stored, 'approve');
    }
  }
}
