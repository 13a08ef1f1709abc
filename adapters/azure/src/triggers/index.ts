export { createHandlers, registerFunctions, EVALUATE_SCHEDULE, STORE_SWEEP_SCHEDULE, PREDICT_SCHEDULE, DRIFT_SCHEDULE, type FunctionsTarget, type RegistrationEnv } from './functions';
export { httpHandler } from './http';
export { queueHandler } from './queue';
export { evaluateTimerHandler, storeSweepTimerHandler, tickTimerHandler } from './timer';
export { runQueueTriggerOnce, type QueueRunResult, type QueueTriggerHandler, type RunQueueOptions } from './local-host';
