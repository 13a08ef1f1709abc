export { EventBridgeBus, EVENT_SOURCE, MAX_PUT_EVENTS_BYTES, type EventBridgeBusOptions } from './eventbridge-bus';
