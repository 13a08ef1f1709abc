export * from './schema';
export * from './errors';
export * from './labels';
export * from './token-bucket';
export * from './limiter';
