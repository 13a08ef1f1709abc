import type { HttpFunction } from '@google-cloud/functions-framework';
import { z } from 'zod';
import { listTenants, parseWith, ValidationError } from '@vigil/core';
import { tenantSchema } from '@vigil/events';
import type { GcpRuntime } from './runtime';

/** Body of the Cloud Scheduler job (optional): one tenant, or every tenant with rules. */
export const scheduleBodySchema = z.object({ tenant: tenantSchema.optional() }).strict();

/**
 * Cloud Scheduler → HTTP function: puts one `evaluate` sweep per tenant on the queue. The
 * job's scheduled time (X-CloudScheduler-ScheduleTime) is the evaluation time and part of
 * the dedup key, so a retried run of the same schedule slot evaluates once.
 */
export function scheduleFunction(getRuntime: () => Promise<GcpRuntime>): HttpFunction {
  return async (req, res) => {
    const runtime = await getRuntime();
    const { ctx } = runtime;
    try {
      if (req.method !== 'POST' && req.method !== 'GET') {
        res.status(405).json({ status: 'error', errorType: 'bad_data', error: 'use POST' });
        return;
      }
      const body = parseWith(scheduleBodySchema, readBody(req.rawBody, req.body));
      const at = scheduleTime(req.get('x-cloudscheduler-scheduletime'), ctx.clock.now());
      const tenants = body.tenant ? [body.tenant] : await listTenants(ctx.store);
      await ctx.queue.sendBatch(
        'evaluate',
        tenants.map((tenant) => ({ body: { kind: 'sweep', tenant, at }, dedupKey: `sweep:${tenant}:${at}` })),
      );
      ctx.logger.info('scheduled sweep', { tenants: tenants.length, at, job: req.get('x-cloudscheduler-jobname') });
      res.status(200).json({ status: 'success', data: { tenants: tenants.length, at } });
    } catch (err) {
      if (err instanceof ValidationError) {
        res.status(400).json({ status: 'error', errorType: 'bad_data', error: err.message, issues: err.issues });
        return;
      }
      ctx.logger.error('scheduled sweep failed', { error: err instanceof Error ? err.message : String(err) });
      // 5xx: Cloud Scheduler retries the run per the job's retry config.
      res.status(500).json({ status: 'error', errorType: 'internal', error: 'scheduling failed' });
    }
  };
}

function readBody(raw: Buffer | undefined, parsed: unknown): unknown {
  const text = raw ? raw.toString('utf8').trim() : '';
  if (text === '') return parsed && typeof parsed === 'object' && !Buffer.isBuffer(parsed) ? parsed : {};
  try {
    return JSON.parse(text);
  } catch {
    throw new ValidationError([{ path: '', message: 'body must be a JSON object' }]);
  }
}

function scheduleTime(header: string | undefined, now: number): number {
  if (!header) return now;
  const t = Date.parse(header);
  if (!Number.isFinite(t)) throw new ValidationError([{ path: 'X-CloudScheduler-ScheduleTime', message: 'must be an RFC 3339 time' }]);
  return t;
}
