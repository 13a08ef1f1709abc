export { createApi, DEFAULT_MAX_BODY_BYTES, type ApiOptions } from './app';
