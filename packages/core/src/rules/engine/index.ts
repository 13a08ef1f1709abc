export * from './memory';
export * from './group';
export * from './alerts-series';
export * from './overlay';
