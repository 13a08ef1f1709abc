export * from './memory';
export * from './group';
export * from './alerts-series';
