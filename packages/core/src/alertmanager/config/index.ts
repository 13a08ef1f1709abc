export * from './duration';
export * from './schema';
export type { HttpConfig } from './http-config';
export { httpConfigSchema } from './http-config';
export type { TimeInterval, NamedTimeInterval } from './time-intervals';
export { parseAlertmanagerConfig } from './parse';
export { redactSecrets, SECRET_PLACEHOLDER } from './secrets';
export { formatAlertmanagerConfig, toDisplayObject } from './format';
export { findFileFields } from './files';
