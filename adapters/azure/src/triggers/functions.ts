import type { app as functionsApp } from '@azure/functions';
import { driftMessageSchema, evaluateMessageSchema, healMessageSchema, ingestMessageSchema, notifyMessageSchema, predictMessageSchema } from '@vigil/events';
import * as ingest from '@vigil/fn-ingest';
import * as evaluate from '@vigil/fn-evaluate';
import * as notify from '@vigil/fn-notify';
import * as predict from '@vigil/fn-predict';
import * as drift from '@vigil/fn-drift-detect';
import * as heal from '@vigil/fn-heal';
import type { AzureRuntime } from '../runtime/context';
import { httpHandler } from './http';
import { queueHandler } from './queue';
import { evaluateTimerHandler, storeSweepTimerHandler, tickTimerHandler } from './timer';

/** Every HTTP method the API answers. */
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'] as const;
/** NCRONTAB (with seconds): the default rule-group interval is 15 s. */
export const EVALUATE_SCHEDULE = '*/15 * * * * *';
export const STORE_SWEEP_SCHEDULE = '0 17 * * * *';
/** Forecasts and anomaly scores every 5 minutes; drift against the reference windows hourly. */
export const PREDICT_SCHEDULE = '0 */5 * * * *';
export const DRIFT_SCHEDULE = '0 0 * * * *';

/** The part of `app` the registrations use. */
export type FunctionsTarget = Pick<typeof functionsApp, 'http' | 'storageQueue' | 'timer'>;

export interface RegistrationEnv {
  VIGIL_AZURE_QUEUE_PREFIX?: string;
  VIGIL_AZURE_STORAGE?: string;
}

/** The handlers, each callable on its own with `new HttpRequest(...)` / `new InvocationContext(...)`. */
export function createHandlers(runtime: () => Promise<AzureRuntime>) {
  return {
    http: httpHandler(runtime),
    ingest: queueHandler('ingest', ingestMessageSchema, ingest.handle, runtime),
    evaluate: queueHandler('evaluate', evaluateMessageSchema, evaluate.handle, runtime),
    notify: queueHandler('notify', notifyMessageSchema, notify.handle, runtime),
    heal: queueHandler('heal', healMessageSchema, heal.handle, runtime),
    evaluateTimer: evaluateTimerHandler(runtime),
    storeSweepTimer: storeSweepTimerHandler(runtime),
    predictTimer: tickTimerHandler('predict', predictMessageSchema, predict.handle, runtime),
    driftTimer: tickTimerHandler('drift-detect', driftMessageSchema, drift.handle, runtime),
  };
}

/**
 * Registers Vigil's functions on a Function App: the HTTP API, one queue trigger per queue
 * (queue names carry `VIGIL_AZURE_QUEUE_PREFIX`, as StorageQueue sends them), and the timers:
 * evaluation, store sweep, predict and drift-detect.
 */
export function registerFunctions(target: FunctionsTarget, runtime: () => Promise<AzureRuntime>, env: RegistrationEnv = process.env): void {
  const handlers = createHandlers(runtime);
  const prefix = env.VIGIL_AZURE_QUEUE_PREFIX || 'vigil-';
  // The binding names the app setting that holds the connection string, not the string itself.
  const connection = env.VIGIL_AZURE_STORAGE ? 'VIGIL_AZURE_STORAGE' : 'AzureWebJobsStorage';

  target.http('api', { route: '{*path}', methods: [...METHODS], authLevel: 'anonymous', handler: handlers.http });
  target.storageQueue('ingest', { queueName: `${prefix}ingest`, connection, handler: handlers.ingest });
  target.storageQueue('evaluate', { queueName: `${prefix}evaluate`, connection, handler: handlers.evaluate });
  target.storageQueue('notify', { queueName: `${prefix}notify`, connection, handler: handlers.notify });
  target.storageQueue('heal', { queueName: `${prefix}heal`, connection, handler: handlers.heal });
  target.timer('evaluate-schedule', { schedule: EVALUATE_SCHEDULE, handler: handlers.evaluateTimer });
  target.timer('store-sweep', { schedule: STORE_SWEEP_SCHEDULE, handler: handlers.storeSweepTimer });
  target.timer('predict', { schedule: PREDICT_SCHEDULE, handler: handlers.predictTimer });
  target.timer('drift-detect', { schedule: DRIFT_SCHEDULE, handler: handlers.driftTimer });
}
