export * from './schema';
export * from './load';
export * from './repository';
export * from './check';
export * from './engine';
export * as ruleTesting from './testing';
