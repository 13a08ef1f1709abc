export { PubSubQueue, type PubSubQueueOptions } from './pubsub-queue';
export { PubSubEventBus } from './pubsub-event-bus';
export { PubSubNames, QUEUE_NAMES } from './names';
export { ATTR, dedupAttribute } from './attributes';
export { admitMessage, dedupPartition, type Admission, type AdmitOptions, type IncomingPubSubMessage } from './admit';
export { PubSubPullConsumer, type PullConsumerOptions } from './pull-consumer';
export { provisionPubSub, DEFAULTS as PUBSUB_DELIVERY_DEFAULTS, type ProvisionOptions, type Backoff } from './provision';
