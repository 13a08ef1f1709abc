export { SqsQueue, QUEUE_NAMES, DEDUP_ATTRIBUTE, MAX_SQS_DELAY_SECONDS, MAX_SQS_PAYLOAD_BYTES, isFifo, type SqsQueueOptions } from './sqs-queue';
