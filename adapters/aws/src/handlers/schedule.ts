import middy from '@middy/core';
import type { Context as LambdaContext, ScheduledEvent } from 'aws-lambda';
import { parseWith } from '@vigil/core';
import { evaluateMessageSchema, type EvaluateMessage } from '@vigil/events';
import * as evaluate from '@vigil/fn-evaluate';
import { getRuntime, type AwsRuntime } from './context';

export type ScheduleInput = ScheduledEvent | EvaluateMessage;

/**
 * The EventBridge schedule (rate(1 minute) by default) → evaluate `sweep`: every rule group of
 * every tenant, which also re-sends firing alerts so a notify message lost to a crash is
 * repaired within one schedule period. A rule whose target input is an evaluate message
 * (e.g. `{"kind":"sweep","tenant":"acme"}`) runs that message instead.
 */
export function scheduleHandler(runtime: () => Promise<AwsRuntime> = getRuntime) {
  return middy<ScheduleInput, evaluate.EvaluateResult, Error, LambdaContext>().handler(async (event) => {
    const rt = await runtime();
    const message: EvaluateMessage =
      (event as ScheduledEvent)['detail-type'] === 'Scheduled Event' ? { kind: 'sweep' } : parseWith(evaluateMessageSchema, event, 'event');
    const result = await evaluate.handle(message, rt.ctx);
    rt.ctx.logger.info('scheduled evaluation', { kind: message.kind, groups: result.groups, transitions: result.transitions });
    return result;
  });
}

export const handler = scheduleHandler();
