import type { HttpFunction } from '@google-cloud/functions-framework';
import * as z from 'zod';
import { listTenants, parseWith, ValidationError, type Context } from '@vigil/core';
import { tenantSchema } from '@vigil/events';
import type { GcpRuntime } from './runtime';

// Schemas are z.lazy: built at their first parse, not when a function's bundle loads (cold start).

/** Body of the Cloud Scheduler job (optional): one tenant, or every tenant with rules. */
export const scheduleBodySchema = z.lazy(() => z.object({ tenant: tenantSchema.optional() }).strict());

/**
 * A Cloud Scheduler → HTTP function: checks the method, reads the job's body and scheduled
 * time, and runs `run` with them. A 400 for a malformed job; a 5xx (Cloud Scheduler retries the
 * run per the job's retry config) for anything else that failed.
 */
export function scheduledHttpFunction<R>(
  name: string,
  getRuntime: () => Promise<GcpRuntime>,
  run: (ctx: Context, job: { tenant?: string; at: number; jobName?: string }) => Promise<R>,
): HttpFunction {
  return async (req, res) => {
    const { ctx } = await getRuntime();
    try {
      if (req.method !== 'POST' && req.method !== 'GET') {
        res.status(405).json({ status: 'error', errorType: 'bad_data', error: 'use POST' });
        return;
      }
      const body = parseWith(scheduleBodySchema, readBody(req.rawBody, req.body));
      const at = scheduleTime(req.get('x-cloudscheduler-scheduletime'), ctx.clock.now());
      const data = await run(ctx, { ...body, at, jobName: req.get('x-cloudscheduler-jobname') });
      res.status(200).json({ status: 'success', data });
    } catch (err) {
      if (err instanceof ValidationError) {
        res.status(400).json({ status: 'error', errorType: 'bad_data', error: err.message, issues: err.issues });
        return;
      }
      ctx.logger.error(`${name} failed`, { error: err instanceof Error ? err.message : String(err) });
      res.status(500).json({ status: 'error', errorType: 'internal', error: `${name} failed` });
    }
  };
}

/**
 * Puts one `evaluate` sweep per tenant on the queue. The job's scheduled time is the
 * evaluation time and part of the dedup key, so a retried run of the same slot evaluates once.
 */
export function scheduleFunction(getRuntime: () => Promise<GcpRuntime>): HttpFunction {
  return scheduledHttpFunction('scheduled sweep', getRuntime, async (ctx, { tenant, at, jobName }) => {
    const tenants = tenant ? [tenant] : await listTenants(ctx.store);
    await ctx.queue.sendBatch(
      'evaluate',
      tenants.map((t) => ({ body: { kind: 'sweep', tenant: t, at }, dedupKey: `sweep:${t}:${at}` })),
    );
    ctx.logger.info('scheduled sweep', { tenants: tenants.length, at, job: jobName });
    return { tenants: tenants.length, at };
  });
}

/** The JSON object a Cloud Scheduler job posted (an empty body is `{}`). */
export function readBody(raw: Buffer | undefined, parsed: unknown): unknown {
  const text = raw ? raw.toString('utf8').trim() : '';
  if (text === '') return parsed && typeof parsed === 'object' && !Buffer.isBuffer(parsed) ? parsed : {};
  try {
    return JSON.parse(text);
  } catch {
    throw new ValidationError([{ path: '', message: 'body must be a JSON object' }]);
  }
}

/** The run's scheduled time (X-CloudScheduler-ScheduleTime), else now. */
export function scheduleTime(header: string | undefined, now: number): number {
  if (!header) return now;
  const t = Date.parse(header);
  if (!Number.isFinite(t)) throw new ValidationError([{ path: 'X-CloudScheduler-ScheduleTime', message: 'must be an RFC 3339 time' }]);
  return t;
}
