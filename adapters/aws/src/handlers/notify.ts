import { notifyMessageSchema } from '@vigil/events';
import * as notify from '@vigil/fn-notify';
import { sqsHandler } from './sqs';

/** SQS `notify` queue → notify.handle (alerts routed and grouped; delayed flushes sent to receivers). */
export const handler = sqsHandler('notify', notifyMessageSchema, notify.handle);
