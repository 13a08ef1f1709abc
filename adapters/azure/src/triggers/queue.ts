import type { InvocationContext } from '@azure/functions';
import type { z } from 'zod';
import { fromZodError, type Context } from '@vigil/core';
import type { AzureRuntime } from '../runtime/context';

/**
 * One storage-queue message per invocation. The host decodes the base64 text and hands JSON
 * over parsed; text that is not JSON arrives as a string and is parsed here. A message that
 * fails its schema or its handler throws: the host makes it visible again and, once its
 * `dequeueCount` reaches host.json's `maxDequeueCount`, moves it to `<queue>-poison`.
 */
export function queueHandler<S extends z.ZodTypeAny>(
  queue: string,
  schema: S,
  handle: (input: z.output<S>, ctx: Context) => Promise<unknown>,
  runtime: () => Promise<AzureRuntime>,
) {
  return async (entry: unknown, context: InvocationContext): Promise<void> => {
    const { ctx } = await runtime();
    const meta = context.triggerMetadata ?? {};
    const id = typeof meta.id === 'string' ? meta.id : context.invocationId;
    const attempt = Number(meta.dequeueCount ?? 1);
    const parsed = schema.safeParse(typeof entry === 'string' ? parseJson(entry) : entry);
    if (!parsed.success) {
      const error = fromZodError(parsed.error, 'message');
      ctx.logger.error('invalid queue message', { queue, id, attempt, error: error.message });
      throw error;
    }
    try {
      await handle(parsed.data, ctx);
    } catch (err) {
      ctx.logger.warn('message handling failed', { queue, id, attempt, error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) });
      throw err;
    }
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
