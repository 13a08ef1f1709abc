export * from './route';
export * from './group';
