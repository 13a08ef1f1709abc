export { SqliteStateStore, MAX_TRANSACT_OPS, type SqliteStateStoreOptions } from './sqlite-state-store';
export { openDatabase, type OpenDatabaseOptions, type SqliteDatabase } from './database';
