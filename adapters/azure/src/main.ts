import { app } from '@azure/functions';
import { registerFunctions } from './triggers';
import { runtimeFromEnv } from './runtime';

/**
 * The Function App's entry point (package.json `main` of the deployed bundle): registers every
 * function once. The runtime (store, queues, API) is built lazily on the first invocation and
 * kept for the life of the warm instance.
 */
app.setup({ enableHttpStream: false });
registerFunctions(app, runtimeFromEnv);
