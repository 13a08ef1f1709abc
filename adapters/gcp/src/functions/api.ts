import type { HttpFunction } from '@google-cloud/functions-framework';
import { createApi } from '@vigil/api';
import { toWebRequest, sendWebResponse } from './http';
import { bootstrapAdminKey, type GcpRuntime } from './runtime';

/**
 * The whole HTTP API as one HTTP function. Rule changes need no hook here: the Cloud
 * Scheduler sweep reads rule groups from the store on every run.
 */
export function apiFunction(getRuntime: () => Promise<GcpRuntime>): HttpFunction {
  const apps = new WeakMap<GcpRuntime, ReturnType<typeof createApi>>();
  return async (req, res) => {
    const runtime = await getRuntime();
    let app = apps.get(runtime);
    if (!app) {
      await bootstrapAdminKey(runtime);
      app = createApi(runtime.ctx);
      apps.set(runtime, app);
    }
    await sendWebResponse(res, await app.fetch(toWebRequest(req)));
  };
}
