import middy from '@middy/core';
import type { Context as LambdaContext, ScheduledEvent } from 'aws-lambda';
import type { z } from 'zod';
import { parseWith, type Context } from '@vigil/core';
import { getRuntime, type AwsRuntime } from './context';

/** What a scheduled handler is given: EventBridge's own event, or a rule target input that is its message. */
export type TickInput<M> = ScheduledEvent | M;

interface TickMessage {
  kind: 'tick';
  tenant?: string;
  at?: number;
}

/**
 * An EventBridge schedule → one `tick` of a handler that runs on its own cadence (predict,
 * drift-detect). The tick's time is the event's scheduled `time`, so the retry EventBridge
 * makes of a failed invocation computes the same instant and writes the same results. A rule
 * whose target input is the handler's message (e.g. `{"kind":"tick","tenant":"acme"}`) runs
 * that message, validated; anything else is refused with its field path.
 */
export function tickHandler<S extends z.ZodType<TickMessage>, R>(
  name: string,
  schema: S,
  handle: (input: z.output<S>, ctx: Context) => Promise<R>,
  runtime: () => Promise<AwsRuntime> = getRuntime,
) {
  return middy<TickInput<z.output<S>>, R, Error, LambdaContext>().handler(async (event) => {
    const rt = await runtime();
    const message = isScheduledEvent(event) ? scheduledTick(event) : parseWith(schema, event, 'event');
    const result = await handle(message as z.output<S>, rt.ctx);
    rt.ctx.logger.info(`${name} tick`, { tenant: message.tenant, at: message.at, result });
    return result;
  });
}

function isScheduledEvent(event: unknown): event is ScheduledEvent {
  return typeof event === 'object' && event !== null && (event as ScheduledEvent)['detail-type'] === 'Scheduled Event';
}

function scheduledTick(event: ScheduledEvent): TickMessage {
  const at = Date.parse(event.time);
  return Number.isFinite(at) ? { kind: 'tick', at } : { kind: 'tick' };
}
