export * from './payload';
export * from './send';
export { formatGoTime, GO_ZERO_TIME } from './time';
