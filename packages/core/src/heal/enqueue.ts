import type { Context } from '../context';
import type { OutgoingMessage } from '../ports';
import { fingerprint } from '../model/fingerprint';
import { RunbookRepository, executionId, type ExecutionAlert } from './store';
import { runbookMatches } from './runbook';

const repositories = new WeakMap<object, RunbookRepository>();
/** One repository per store, so parsed runbooks are cached for the life of a warm instance. */
export function runbooksOf(ctx: Pick<Context, 'store'>): RunbookRepository {
  let repo = repositories.get(ctx.store);
  if (!repo) {
    repo = new RunbookRepository(ctx.store);
    repositories.set(ctx.store, repo);
  }
  return repo;
}

/**
 * Sends one heal message per (firing alert, matching runbook). Evaluate calls this with its
 * firing alerts; sending an alert again is harmless — the message's dedup key and the
 * execution's conditional create both derive from the execution ID — which is what lets
 * evaluate resend after a crash between its commit and this call.
 * Returns the number of messages sent.
 */
export async function enqueueRemediations(ctx: Pick<Context, 'store' | 'queue' | 'clock'>, tenant: string, group: string | undefined, alerts: ExecutionAlert[]): Promise<number> {
  const now = ctx.clock.now();
  const firing = alerts.filter((a) => a.endsAt > now);
  if (firing.length === 0) return 0;
  const runbooks = await runbooksOf(ctx).loadAll(tenant);
  if (runbooks.length === 0) return 0;
  const messages: OutgoingMessage[] = [];
  for (const alert of firing) {
    for (const runbook of runbooks) {
      if (!runbookMatches(runbook, alert.labels)) continue;
      const id = executionId(tenant, runbook.name, fingerprint(alert.labels), alert.startsAt);
      messages.push({ body: { kind: 'alert', tenant, alert, runbook: runbook.name, ...(group ? { group } : {}) }, dedupKey: `heal:${tenant}:${id}` });
    }
  }
  if (messages.length > 0) await ctx.queue.sendBatch('heal', messages);
  return messages.length;
}
