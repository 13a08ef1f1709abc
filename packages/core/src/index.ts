export * from './ports';
export * from './errors';
export * from './model';
export * from './yaml';
export * from './template';
export * from './tsdb/chunk';
export * from './tsdb/series-store';
export * from './rules';
export * from './alerting';
export * from './auth';
export * from './context';
export * as promql from './promql';
export * as alertmanager from './alertmanager';
// Handlers that only need durations should not pull the receivers into their bundles.
export { parseDuration } from './alertmanager/config/duration';
// Not part of the `alertmanager` namespace, of which a bundle keeps every member once it uses
// one: the sender brings nodemailer (240 kB), which only notify's e-mail integration needs.
export { buildEmail, notifyEmail, classifySmtpError } from './alertmanager/notify/email/email';
export * as http from './http';
export * as heal from './heal';
export * from './batch';
export * from './ingest';
export * from './limits';
export * from './metrics';
