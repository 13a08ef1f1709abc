export * from './store';
export * from './queue';
export { startLocal, type LocalOptions, type LocalRuntime } from './runtime';
export { RuleScheduler } from './scheduler';
export { InProcessEventBus } from './events';
export { openLocalContext, type LocalContext } from './context';
