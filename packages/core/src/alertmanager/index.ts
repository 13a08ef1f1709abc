export * from './config';
export * from './matchers';
export * from './dispatch';
export * from './notify';
export * from './store';
