import { healMessageSchema } from '@vigil/events';
import * as heal from '@vigil/fn-heal';
import { sqsHandler } from './sqs';

/** SQS `heal` queue → heal.handle (runbook executions started, approved and verified). */
export const handler = sqsHandler('heal', healMessageSchema, heal.handle);
