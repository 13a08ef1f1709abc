export { DynamoStateStore, MAX_TRANSACT_OPS, type DynamoStateStoreOptions, type BackoffOptions } from './dynamo-state-store';
export { createTable } from './table';
export { ATTR as DYNAMO_ATTRIBUTES, MAX_ITEM_BYTES } from './item';
