export * from './proto';
export * from './names';
export * from './codec';
export * from './translate';
export * from './delta';
