export { SqliteQueue, type SqliteQueueOptions, type DeadLetter, type QueueStats } from './sqlite-queue';
export {
  QueueWorker,
  fullJitterBackoff,
  type BatchHandler,
  type BatchResult,
  type QueueWorkerOptions,
} from './queue-worker';
