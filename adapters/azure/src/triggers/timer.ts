import type { InvocationContext, Timer } from '@azure/functions';
import type { z } from 'zod';
import { listTenants, parseWith, type Context } from '@vigil/core';
import type { AzureRuntime } from '../runtime/context';

/**
 * The evaluation schedule: each tick queues one `sweep` per tenant on the evaluate queue, so
 * tenants are evaluated (and retried) independently and in parallel. `at` is the tick's time,
 * so a redelivered message evaluates the same instant again.
 */
export function evaluateTimerHandler(runtime: () => Promise<AzureRuntime>) {
  return async (timer: Timer, context: InvocationContext): Promise<number> => {
    const { ctx } = await runtime();
    const at = ctx.clock.now();
    const tenants = await listTenants(ctx.store);
    await ctx.queue.sendBatch('evaluate', tenants.map((tenant) => ({ body: { kind: 'sweep', tenant, at } })));
    ctx.logger.info('evaluation tick', { tenants: tenants.length, pastDue: timer.isPastDue, invocation: context.invocationId });
    return tenants.length;
  };
}

/** Table Storage keeps expired entities until deleted: this tick deletes them. */
export function storeSweepTimerHandler(runtime: () => Promise<AzureRuntime>) {
  return async (_timer: Timer, _context: InvocationContext): Promise<number> => {
    const { ctx, store } = await runtime();
    const removed = await store.sweepExpired();
    ctx.logger.info('expired entities swept', { removed });
    return removed;
  };
}

interface TickMessage {
  kind: 'tick';
  tenant?: string;
  at?: number;
}

/**
 * A timer tick of a handler on its own cadence (predict, drift-detect), for every tenant at the
 * tick's time. The host runs a timer on one instance at a time and does not retry a failed run:
 * the next tick computes afresh. A failure is thrown, so the host logs the invocation as failed.
 */
export function tickTimerHandler<S extends z.ZodType<TickMessage>, R>(
  name: string,
  schema: S,
  handle: (input: z.output<S>, ctx: Context) => Promise<R>,
  runtime: () => Promise<AzureRuntime>,
) {
  return async (timer: Timer, context: InvocationContext): Promise<R> => {
    const { ctx } = await runtime();
    const message = parseWith(schema, { kind: 'tick', at: ctx.clock.now() });
    const result = await handle(message, ctx);
    ctx.logger.info(`${name} tick`, { at: message.at, pastDue: timer.isPastDue, invocation: context.invocationId, result });
    return result;
  };
}
