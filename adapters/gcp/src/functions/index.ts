import { driftMessageSchema, evaluateMessageSchema, healMessageSchema, ingestMessageSchema, notifyMessageSchema, predictMessageSchema } from '@vigil/events';
import * as ingestFn from '@vigil/fn-ingest';
import * as evaluateFn from '@vigil/fn-evaluate';
import * as notifyFn from '@vigil/fn-notify';
import * as predictFn from '@vigil/fn-predict';
import * as driftFn from '@vigil/fn-drift-detect';
import * as healFn from '@vigil/fn-heal';
import { apiFunction } from './api';
import { pubsubPushFunction } from './pubsub-push';
import { scheduleFunction } from './schedule';
import { tickFunction } from './tick';
import { getRuntime, type GcpRuntime } from './runtime';

export { apiFunction } from './api';
export { pubsubPushFunction, parsePushEvent, messagePublishedDataSchema, NotDueError, MESSAGE_PUBLISHED } from './pubsub-push';
export { scheduleFunction, scheduleBodySchema } from './schedule';
export { tickFunction } from './tick';
export { toWebRequest, sendWebResponse } from './http';
export { createGcpRuntime, getRuntime, setRuntime, bootstrapAdminKey, type GcpRuntime, type RuntimeOverrides } from './runtime';
export { gcpEnvSchema, parseGcpEnv, type GcpEnv } from './env';

/** The entry points, over a given runtime source (the instance's env-built runtime by default). */
export function createFunctions(runtime: () => Promise<GcpRuntime> = getRuntime) {
  return {
    api: apiFunction(runtime),
    ingest: pubsubPushFunction('ingest', ingestMessageSchema, ingestFn.handle, runtime),
    evaluate: pubsubPushFunction('evaluate', evaluateMessageSchema, evaluateFn.handle, runtime),
    notify: pubsubPushFunction('notify', notifyMessageSchema, notifyFn.handle, runtime),
    schedule: scheduleFunction(runtime),
    predict: tickFunction('predict', predictMessageSchema, predictFn.handle, runtime),
    'drift-detect': tickFunction('drift-detect', driftMessageSchema, driftFn.handle, runtime),
    heal: pubsubPushFunction('heal', healMessageSchema, healFn.handle, runtime),
  };
}
