import * as functions from '@google-cloud/functions-framework';
import { createFunctions } from './functions';

export * from './firestore';
export * from './pubsub';
export * from './functions';

/**
 * Entry points for `gcloud functions deploy --entry-point=<name>`: `api`, `schedule`, `predict`
 * and `drift-detect` (Cloud Scheduler) are HTTP functions, `ingest`, `evaluate`, `notify` and
 * `heal` CloudEvent functions triggered by their Pub/Sub topics. Registered with the Functions
 * Framework by name and exported alike (`drift-detect` as `driftDetect`, a JavaScript name).
 */
export const { api, ingest, evaluate, notify, schedule, predict, 'drift-detect': driftDetect, heal } = createFunctions();

functions.http('api', api);
functions.http('schedule', schedule);
functions.http('predict', predict);
functions.http('drift-detect', driftDetect);
functions.cloudEvent('ingest', ingest);
functions.cloudEvent('evaluate', evaluate);
functions.cloudEvent('notify', notify);
functions.cloudEvent('heal', heal);
