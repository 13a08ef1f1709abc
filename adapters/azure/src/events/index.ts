export { QueueEventBus, EVENTS_QUEUE } from './queue-event-bus';
