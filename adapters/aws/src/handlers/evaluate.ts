import { evaluateMessageSchema } from '@vigil/events';
import * as evaluate from '@vigil/fn-evaluate';
import { sqsHandler } from './sqs';

/** SQS `evaluate` queue → evaluate.handle (rule groups evaluated, transitions committed, `notify` told). */
export const handler = sqsHandler('evaluate', evaluateMessageSchema, evaluate.handle);
