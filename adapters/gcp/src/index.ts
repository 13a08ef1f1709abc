import * as functions from '@google-cloud/functions-framework';
import { createFunctions } from './functions';

export * from './firestore';
export * from './pubsub';
export * from './functions';

/**
 * Entry points for `gcloud functions deploy --entry-point=<name>`: `api` and `schedule` are
 * HTTP functions, `ingest`, `evaluate` and `notify` CloudEvent functions triggered by their
 * Pub/Sub topics. Registered with the Functions Framework by name and exported alike.
 */
export const { api, ingest, evaluate, notify, schedule } = createFunctions();

functions.http('api', api);
functions.http('schedule', schedule);
functions.cloudEvent('ingest', ingest);
functions.cloudEvent('evaluate', evaluate);
functions.cloudEvent('notify', notify);
