import { ingestMessageSchema } from '@vigil/events';
import * as ingest from '@vigil/fn-ingest';
import { sqsHandler } from './sqs';

/** SQS `ingest` queue → ingest.handle (samples stored, `evaluate` told which metrics changed). */
export const handler = sqsHandler('ingest', ingestMessageSchema, ingest.handle);
