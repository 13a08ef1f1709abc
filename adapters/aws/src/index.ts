export * from './store';
export * from './queue';
export * from './events';
export * from './clients';
export * from './idempotency';
export * from './handlers';
