export * from './store';
export * from './queue';
export * from './events';
export * from './runtime';
export * from './triggers';
