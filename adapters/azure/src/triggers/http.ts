import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import type { AzureRuntime } from '../runtime/context';

const BODYLESS = new Set(['GET', 'HEAD']);

/**
 * The whole HTTP API behind one catch-all HTTP trigger: the Functions request becomes a web
 * `Request`, the Hono app answers it, and its `Response` goes back as an HttpResponseInit.
 * host.json sets `routePrefix` to "" so paths are the API's own (`/api/v1/push`, `/prometheus/...`).
 */
export function httpHandler(runtime: () => Promise<AzureRuntime>) {
  return async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
    const { api } = await runtime();
    const method = request.method.toUpperCase();
    const body = BODYLESS.has(method) ? undefined : new Uint8Array(await request.arrayBuffer());
    const webRequest = new Request(request.url, {
      method,
      headers: request.headers,
      body: body && body.byteLength > 0 ? body : undefined,
    });
    const response = await api.fetch(webRequest);
    const headers: Record<string, string> = {};
    response.headers.forEach((value, name) => (headers[name] = value));
    context.trace('http', { method, status: response.status });
    return { status: response.status, headers, body: new Uint8Array(await response.arrayBuffer()) };
  };
}
