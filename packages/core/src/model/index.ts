export * from './labels';
export * from './fingerprint';
export * from './sample';
