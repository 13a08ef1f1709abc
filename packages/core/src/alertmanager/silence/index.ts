export * from './schema';
export * from './silences';
