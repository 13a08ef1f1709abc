export * from './proto';
export * from './decode';
export * from './http';
