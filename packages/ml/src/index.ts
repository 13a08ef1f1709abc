export * from './registry';
export * from './runner';
export * from './features';
export * from './drift';
export * from './config';
export * from './models';
