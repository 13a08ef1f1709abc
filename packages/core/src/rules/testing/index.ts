export * from './schema';
export * from './notation';
export * from './format';
export * from './runner';
