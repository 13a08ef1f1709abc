export { StorageQueue, checkQueueName, encodeMessage, decodeMessage, MAX_DELAY_SECONDS, MAX_MESSAGE_CHARS, POISON_SUFFIX, type StorageQueueOptions } from './storage-queue';
export { StorageQueueConsumer, DEFAULT_MAX_DEQUEUE_COUNT, type ReceivedMessage, type StorageQueueConsumerOptions } from './consumer';
