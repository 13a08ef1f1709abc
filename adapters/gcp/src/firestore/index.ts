export { FirestoreStateStore, ITEMS_COLLECTION, MAX_TRANSACT_OPS, type FirestoreStateStoreOptions } from './firestore-state-store';
export { documentId, prefixUpperBound, compareKeys } from './keys';
