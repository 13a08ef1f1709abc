/**
 * The HttpClient port on node:http/https with the SSRF guard built in:
 *
 * - only http: and https: URLs;
 * - the host is resolved once, every address it resolves to is checked against the policy, and
 *   the socket connects to the checked address through a `lookup` hook — a second resolution
 *   (DNS rebinding) never happens; Host and TLS SNI still carry the host name;
 * - redirects are never followed: a 3xx comes back as the response;
 * - one timeout covers resolution, connection and the whole response;
 * - response bodies beyond a limit are cut off (the status is what callers act on).
 */
import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import type { HttpClient, HttpRequest, HttpResponse } from '../ports/http';
import { OutboundNetworkError, OutboundRefusedError, OutboundTimeoutError } from './errors';
import { OutboundPolicy, parseAddress } from './ssrf';

export interface HttpClientOptions {
  policy: OutboundPolicy;
  /** Per attempt, when the request does not say. */
  defaultTimeoutMs?: number;
  /** Response bytes kept; the rest is dropped and the response marked truncated. */
  maxResponseBytes?: number;
  /** Name resolution, replaceable in tests. */
  resolve?: (hostname: string) => Promise<Array<{ address: string; family: number }>>;
  userAgent?: string;
}

export interface GuardedHttpResponse extends HttpResponse {
  /** True when the body was longer than the limit and was cut. */
  truncated?: boolean;
  /** The address the request went to. */
  remoteAddress?: string;
}

/** The HttpClient port, with the extra facts this implementation knows about a response. */
export interface GuardedHttpClient extends HttpClient {
  request(req: HttpRequest): Promise<GuardedHttpResponse>;
}

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_RESPONSE_BYTES = 1024 * 1024;

async function systemResolve(hostname: string): Promise<Array<{ address: string; family: number }>> {
  return dns.promises.lookup(hostname, { all: true, verbatim: true });
}

/** Resolves and checks; returns the address to connect to. */
async function resolveChecked(
  hostname: string,
  policy: OutboundPolicy,
  resolve: NonNullable<HttpClientOptions['resolve']>,
): Promise<{ address: string; family: 4 | 6 }> {
  const literal = parseAddress(hostname);
  if (literal) {
    const decision = policy.check(literal.toString());
    if (!decision.allowed) throw new OutboundRefusedError(`outbound request to ${hostname} refused: ${decision.reason}`);
    return { address: literal.toString(), family: literal.kind() === 'ipv4' ? 4 : 6 };
  }
  let addresses: Array<{ address: string; family: number }>;
  try {
    addresses = await resolve(hostname);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new OutboundNetworkError(`cannot resolve ${hostname}: ${e.code ?? e.message}`, e.code);
  }
  if (addresses.length === 0) throw new OutboundNetworkError(`cannot resolve ${hostname}: no addresses`, 'ENOTFOUND');
  // Every address must pass: a name that resolves to one public and one private address could
  // otherwise be steered to the private one by the resolver's ordering.
  for (const a of addresses) {
    const decision = policy.check(a.address, hostname);
    if (!decision.allowed) throw new OutboundRefusedError(`outbound request to ${hostname} refused: ${decision.reason}`);
  }
  const first = addresses[0]!;
  return { address: first.address, family: first.family === 6 ? 6 : 4 };
}

/** A lookup that always answers with the address already checked. */
function pinnedLookup(address: string, family: 4 | 6): LookupFunction {
  return ((_hostname: string, options: dns.LookupOptions, callback: (...args: unknown[]) => void) => {
    if (options && options.all) callback(null, [{ address, family }]);
    else callback(null, address, family);
  }) as unknown as LookupFunction;
}

function flattenHeaders(headers: http.IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) {
    if (v === undefined) continue;
    out[k] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}

export function createHttpClient(options: HttpClientOptions): GuardedHttpClient {
  const { policy, defaultTimeoutMs = DEFAULT_TIMEOUT_MS, maxResponseBytes = DEFAULT_MAX_RESPONSE_BYTES, resolve = systemResolve } = options;

  async function request(req: HttpRequest): Promise<GuardedHttpResponse> {
    let url: URL;
    try {
      url = new URL(req.url);
    } catch {
      throw new OutboundRefusedError('outbound request refused: invalid URL');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new OutboundRefusedError(`outbound request refused: scheme ${url.protocol} is not allowed`);
    }
    if (url.username || url.password) {
      // Credentials in the URL would be sent silently; http_config is the place for them.
      throw new OutboundRefusedError('outbound request refused: credentials in the URL are not allowed');
    }
    const timeoutMs = req.timeoutMs ?? defaultTimeoutMs;
    const hostname = url.hostname.replace(/^\[|\]$/g, '');

    let timer: NodeJS.Timeout | undefined;
    let onTimeout: (() => void) | undefined;
    let timedOut = false;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        timedOut = true;
        onTimeout?.();
        reject(new OutboundTimeoutError(`outbound request to ${url.host} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
    });
    timeout.catch(() => undefined);

    const attempt = async (): Promise<GuardedHttpResponse> => {
      const target = await resolveChecked(hostname, policy, resolve);
      if (timedOut) throw new OutboundTimeoutError(`outbound request to ${url.host} timed out`);
      const isHttps = url.protocol === 'https:';
      const body = req.body === undefined ? undefined : typeof req.body === 'string' ? Buffer.from(req.body, 'utf8') : Buffer.from(req.body);
      const headers: Record<string, string> = { ...(options.userAgent ? { 'user-agent': options.userAgent } : {}), ...req.headers };
      if (body) headers['content-length'] = String(body.length);
      return new Promise<GuardedHttpResponse>((resolvePromise, reject) => {
        const requestOptions: https.RequestOptions = {
          protocol: url.protocol,
          host: hostname, // Host header and the name the lookup is asked about
          port: url.port || (isHttps ? 443 : 80),
          path: `${url.pathname}${url.search}`,
          method: req.method ?? 'GET',
          headers,
          lookup: pinnedLookup(target.address, target.family),
          agent: false, // no pooled sockets: each request connects to the address it checked
        };
        // SNI carries the name, never an IP literal (TLS forbids that).
        if (isHttps && !parseAddress(hostname)) requestOptions.servername = hostname;
        const r = (isHttps ? https : http).request(requestOptions, (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          let truncated = false;
          res.on('data', (chunk: Buffer) => {
            if (truncated) return;
            const room = maxResponseBytes - size;
            if (chunk.length > room) {
              chunks.push(chunk.subarray(0, room));
              size = maxResponseBytes;
              truncated = true;
              // Enough read: close rather than download the rest.
              res.destroy();
              finish();
              return;
            }
            chunks.push(chunk);
            size += chunk.length;
          });
          let done = false;
          const finish = () => {
            if (done) return;
            done = true;
            resolvePromise({
              status: res.statusCode ?? 0,
              headers: flattenHeaders(res.headers),
              body: Buffer.concat(chunks).toString('utf8'),
              truncated,
              remoteAddress: target.address,
            });
          };
          res.on('end', finish);
          res.on('error', (err) => (truncated ? finish() : reject(new OutboundNetworkError(`response from ${url.host} broke: ${err.message}`))));
          res.on('close', () => {
            if (!done && !res.complete) reject(new OutboundNetworkError(`response from ${url.host} ended early`));
          });
        });
        onTimeout = () => r.destroy();
        r.on('error', (err: NodeJS.ErrnoException) => reject(new OutboundNetworkError(`request to ${url.host} failed: ${err.code ?? err.message}`, err.code)));
        r.end(body);
      });
    };

    try {
      return await Promise.race([attempt(), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  return { request, checkDestination: (hostname) => resolveChecked(hostname.replace(/^\[|\]$/g, ''), policy, resolve) };
}
