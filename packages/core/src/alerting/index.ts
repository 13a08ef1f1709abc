export * from './state';
export * from './repository';
