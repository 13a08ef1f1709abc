import type { HttpFunction } from '@google-cloud/functions-framework';
import type { z } from 'zod';
import { parseWith, type Context } from '@vigil/core';
import type { GcpRuntime } from './runtime';
import { scheduledHttpFunction } from './schedule';

interface TickMessage {
  kind: 'tick';
  tenant?: string;
  at?: number;
}

/**
 * Cloud Scheduler → HTTP function running one `tick` of a handler on its own cadence (predict,
 * drift-detect). The job's body may name one tenant (`{"tenant":"acme"}`); the run's scheduled
 * time is the tick's time, so a retried run of the same slot computes the same instant and
 * writes the same results. A 5xx makes Cloud Scheduler retry per the job's retry config.
 */
export function tickFunction<S extends z.ZodType<TickMessage>, R>(
  name: string,
  schema: S,
  handle: (input: z.output<S>, ctx: Context) => Promise<R>,
  getRuntime: () => Promise<GcpRuntime>,
): HttpFunction {
  return scheduledHttpFunction(`${name} tick`, getRuntime, async (ctx, { tenant, at, jobName }) => {
    const message = parseWith(schema, { kind: 'tick', ...(tenant ? { tenant } : {}), at });
    const result = await handle(message, ctx);
    ctx.logger.info(`${name} tick`, { tenant: message.tenant, at, job: jobName });
    return result;
  });
}
