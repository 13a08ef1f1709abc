import type { Request as FfRequest, Response as FfResponse } from '@google-cloud/functions-framework';

/**
 * Express request (as the Functions Framework hands it over, body already read) → web
 * Request. The raw bytes are used, never the framework's parsed body, so the API sees
 * exactly what the client sent (snappy, protobuf, YAML, JSON alike).
 */
export function toWebRequest(req: FfRequest): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) headers.append(name, v);
  }
  const host = req.get('host') ?? 'localhost';
  const proto = (req.get('x-forwarded-proto') ?? req.protocol ?? 'http').split(',')[0]?.trim() || 'http';
  const url = `${proto}://${host}${req.originalUrl ?? req.url}`;
  const method = req.method.toUpperCase();
  let body: Uint8Array | undefined;
  if (method !== 'GET' && method !== 'HEAD') {
    if (req.rawBody) body = req.rawBody;
    else if (Buffer.isBuffer(req.body)) body = req.body;
    else if (typeof req.body === 'string') body = Buffer.from(req.body, 'utf8');
  }
  // A Buffer is a Uint8Array; DOM typings only doubt its ArrayBuffer could be shared.
  return new Request(url, { method, headers, body: body as BodyInit | undefined });
}

/** Web Response → Express response. */
export async function sendWebResponse(res: FfResponse, response: Response): Promise<void> {
  res.status(response.status);
  response.headers.forEach((value, name) => {
    res.setHeader(name, value);
  });
  const body = Buffer.from(await response.arrayBuffer());
  res.end(body);
}
