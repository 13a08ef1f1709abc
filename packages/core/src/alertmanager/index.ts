export * from './config';
export * from './matchers';
export * from './dispatch';
export * from './notify';
export * from './store';
export * from './silence';
export * from './inhibit';
export * from './timeinterval';
export * as template from './template';
