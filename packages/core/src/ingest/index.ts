export * from './errors';
export * from './metadata';
export * as remoteWrite from './remote-write';
export * as otlp from './otlp';
