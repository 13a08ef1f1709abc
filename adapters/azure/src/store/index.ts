export { TableStateStore, MAX_TRANSACT_OPS, type TableStateStoreOptions } from './table-state-store';
export { encodeKey, decodeKey, MAX_ENCODED_KEY_LENGTH } from './keys';
export { MAX_VALUE_UNITS } from './entity';
