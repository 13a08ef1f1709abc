import { createHttpClient } from './client';
import { OutboundNetworkError, OutboundRefusedError, OutboundTimeoutError } from './errors';
import { OutboundPolicy } from './ssrf';
import { startTestServer, type TestServer } from './testing-server';

const allowLoopback = OutboundPolicy.fromEnv('127.0.0.1/32');

describe('createHttpClient (real loopback server)', () => {
  let server: TestServer;
  beforeEach(async () => {
    server = await startTestServer((req, res) => {
      if (req.url === '/redirect') {
        res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' }).end();
      } else if (req.url === '/big') {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end('x'.repeat(256 * 1024));
      } else if (req.url === '/hang') {
        // never answers
      } else {
        res.writeHead(201, { 'content-type': 'application/json', 'x-seen-host': req.headers.host ?? '' });
        res.end(JSON.stringify({ method: req.method, body: req.body }));
      }
    });
  });
  afterEach(() => server.close());

  it('sends to an allowed loopback address', async () => {
    const client = createHttpClient({ policy: allowLoopback });
    const r = await client.request({ url: `${server.url}/hook?x=1`, method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":1}' });
    expect(r.status).toBe(201);
    expect(JSON.parse(r.body)).toEqual({ method: 'POST', body: '{"a":1}' });
    expect(r.headers['content-type']).toBe('application/json');
    expect(r.remoteAddress).toBe('127.0.0.1');
    expect(server.requests[0]).toMatchObject({ url: '/hook?x=1', method: 'POST' });
  });

  it.each(['', '0x7f000001', '127.1', '[::ffff:127.0.0.1]', '2130706433'])('refuses loopback without an allow entry (host %j)', async (host) => {
    const client = createHttpClient({ policy: OutboundPolicy.fromEnv('') });
    const url = host ? `http://${host}:${server.port}/` : `${server.url}/`;
    await expect(client.request({ url })).rejects.toBeInstanceOf(OutboundRefusedError);
    expect(server.requests).toHaveLength(0);
  });

  it('resolves names with the system resolver and checks what they resolve to', async () => {
    const client = createHttpClient({ policy: OutboundPolicy.fromEnv('') });
    await expect(client.request({ url: `http://localhost:${server.port}/` })).rejects.toThrow(/loopback/);
    expect(server.requests).toHaveLength(0);
  });

  it('checks every resolved address and refuses if any is denied', async () => {
    const resolve = jest.fn(async () => [
      { address: '8.8.8.8', family: 4 },
      { address: '127.0.0.1', family: 4 },
    ]);
    const client = createHttpClient({ policy: OutboundPolicy.fromEnv(''), resolve });
    await expect(client.request({ url: `http://hooks.test:${server.port}/` })).rejects.toThrow(/127\.0\.0\.1 is a loopback address/);
    expect(server.requests).toHaveLength(0);
  });

  it('resolves once and connects to the checked address, keeping the host name (no DNS rebinding)', async () => {
    const answers = ['127.0.0.1', '10.0.0.1'];
    const resolve = jest.fn(async () => [{ address: answers.shift()!, family: 4 }]);
    const client = createHttpClient({ policy: allowLoopback, resolve });
    const r = await client.request({ url: `http://hooks.test:${server.port}/` });
    expect(r.status).toBe(201);
    expect(resolve).toHaveBeenCalledTimes(1);
    expect(r.headers['x-seen-host']).toBe(`hooks.test:${server.port}`);
    expect(r.remoteAddress).toBe('127.0.0.1');
  });

  it('lets an allowed host name through whatever it resolves to', async () => {
    const resolve = async () => [{ address: '127.0.0.1', family: 4 }];
    const client = createHttpClient({ policy: OutboundPolicy.fromEnv('hooks.test'), resolve });
    expect((await client.request({ url: `http://hooks.test:${server.port}/` })).status).toBe(201);
    await expect(createHttpClient({ policy: OutboundPolicy.fromEnv('hooks.test'), resolve }).request({ url: `http://other.test:${server.port}/` })).rejects.toBeInstanceOf(
      OutboundRefusedError,
    );
  });

  it('does not follow redirects', async () => {
    const client = createHttpClient({ policy: allowLoopback });
    const r = await client.request({ url: `${server.url}/redirect` });
    expect(r.status).toBe(302);
    expect(r.headers.location).toBe('http://169.254.169.254/latest/meta-data/');
    expect(server.requests).toHaveLength(1);
  });

  it('times out an attempt', async () => {
    const client = createHttpClient({ policy: allowLoopback });
    await expect(client.request({ url: `${server.url}/hang`, timeoutMs: 100 })).rejects.toBeInstanceOf(OutboundTimeoutError);
  });

  it('cuts response bodies at the limit', async () => {
    const client = createHttpClient({ policy: allowLoopback, maxResponseBytes: 1000 });
    const r = await client.request({ url: `${server.url}/big` });
    expect(r.status).toBe(200);
    expect(r.body).toHaveLength(1000);
    expect(r.truncated).toBe(true);
  });

  it('refuses other schemes and credentials in URLs', async () => {
    const client = createHttpClient({ policy: allowLoopback });
    await expect(client.request({ url: 'file:///etc/passwd' })).rejects.toBeInstanceOf(OutboundRefusedError);
    await expect(client.request({ url: 'gopher://127.0.0.1/' })).rejects.toBeInstanceOf(OutboundRefusedError);
    await expect(client.request({ url: 'not a url' })).rejects.toBeInstanceOf(OutboundRefusedError);
    await expect(client.request({ url: `http://u:p@127.0.0.1:${server.port}/` })).rejects.toBeInstanceOf(OutboundRefusedError);
    expect(server.requests).toHaveLength(0);
  });

  it('reports connection failures as retryable network errors', async () => {
    const closed = await startTestServer(() => undefined);
    const port = closed.port;
    await closed.close();
    const client = createHttpClient({ policy: allowLoopback });
    const err = await client.request({ url: `http://127.0.0.1:${port}/` }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OutboundNetworkError);
    expect((err as OutboundNetworkError).retryable).toBe(true);
  });
});
