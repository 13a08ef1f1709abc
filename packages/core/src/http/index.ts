export * from './errors';
export * from './ssrf';
export * from './client';
export * from './retry';
