export * from './webhook';
export * as webhook from './webhook';
