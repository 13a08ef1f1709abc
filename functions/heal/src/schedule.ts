import { delaySecondsUntil, type Context } from '@vigil/core';

export { EARLY_TOLERANCE_MS } from '@vigil/core';

/**
 * Sends the verification of an execution, due at `due`, deduplicated by execution and due time.
 * A `resend` (the first message was lost) needs a key of its own, or the queue's dedup window
 * would drop it as the lost message's duplicate.
 */
export async function enqueueVerify(ctx: Context, tenant: string, executionId: string, due: number, resend?: string): Promise<void> {
  const delaySeconds = delaySecondsUntil(due, ctx.clock.now());
  const dedupKey = `heal-verify:${tenant}:${executionId}:${due}${resend ? `:${resend}` : ''}`;
  await ctx.queue.send('heal', { body: { kind: 'verify', tenant, executionId, due }, delaySeconds, dedupKey });
}
