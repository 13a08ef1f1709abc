import { ManualClock } from '@vigil/core';
import type { LocalRuntime } from '@vigil/adapter-local';
import { ADMIN_KEY, client, startManual, tempDir } from '../helpers/local';

/** Bad input gets a 4xx naming the field and the reason, and nothing of a rejected request is stored. */
describe('HTTP API: authentication, tenancy and bad input', () => {
  const clock = new ManualClock(1_763_800_000_000);
  const { dir, remove } = tempDir();
  let vigil: LocalRuntime;
  let api: ReturnType<typeof client>;

  beforeAll(async () => {
    vigil = await startManual(dir, clock, { maxBodyBytes: 1024 * 1024 });
    api = client(vigil.url);
  });
  afterAll(async () => {
    await vigil.stop();
    remove();
  });

  const metricCount = async () => (await vigil.ctx.services.series.metricNames('default')).length;
  const good = { metric: 'cpu_usage', labels: { host: 'a' }, value: 93.5, timestamp: 1_763_800_000_000 };

  describe('authentication', () => {
    it('serves /healthz without a key', async () => {
      const res = await fetch(`${vigil.url}/healthz`);
      expect(res.status).toBe(200);
    });
    it('refuses requests without a key or with a wrong one', async () => {
      expect((await client(vigil.url, '').get('/prometheus/api/v1/alerts')).status).toBe(401);
      const wrong = await client(vigil.url, 'nope').get('/prometheus/api/v1/alerts');
      expect(wrong.status).toBe(401);
      expect(wrong.json.error).toBe('invalid API key');
      expect((await client(vigil.url, '').post('/v1/metrics', { samples: [good] })).status).toBe(401);
      expect(await metricCount()).toBe(0);
    });
    it('enforces scopes and keeps tenants apart', async () => {
      await vigil.ctx.services.apiKeys.create('reader-b', { tenant: 'team-b', scopes: ['rules:read', 'alerts:read'], name: 'reader', createdAt: 0 });
      await vigil.ctx.services.apiKeys.create('writer-b', { tenant: 'team-b', scopes: ['rules:write', 'rules:read', 'metrics:write'], name: 'writer', createdAt: 0 });
      const reader = client(vigil.url, 'reader-b');
      expect((await reader.post('/v1/metrics', { samples: [good] })).status).toBe(403);
      // A non-admin key cannot act for another tenant.
      expect((await client(vigil.url, 'reader-b', { 'X-Scope-OrgID': 'default' }).get('/prometheus/api/v1/alerts')).status).toBe(403);
      const group = 'name: g\nrules:\n  - alert: A\n    expr: up == 0\n';
      expect((await client(vigil.url, 'writer-b').post('/prometheus/config/v1/rules/ns', group)).status).toBe(202);
      expect((await reader.get('/prometheus/config/v1/rules/ns/g')).status).toBe(200);
      // The default tenant does not see team-b's rules; an admin key sees them with X-Scope-OrgID.
      expect((await api.get('/prometheus/config/v1/rules/ns/g')).status).toBe(404);
      expect((await client(vigil.url, undefined, { 'X-Scope-OrgID': 'team-b' }).get('/prometheus/config/v1/rules/ns/g')).status).toBe(200);
    });
  });

  describe('POST /v1/metrics', () => {
    const cases: [string, unknown, RegExp][] = [
      ['wrong types', { samples: [{ ...good, value: 'high' }] }, /samples\[0\]\.value: must be a number/],
      ['empty metric name', { samples: [{ ...good, metric: '' }] }, /samples\[0\]\.metric: metric name must not be empty/],
      ['invalid label name', { samples: [{ ...good, labels: { 'bad-name': 'x' } }] }, /samples\[0\]\.labels\.bad-name: invalid key/],
      ['reserved label name', { samples: [{ ...good, labels: { __x: 'x' } }] }, /reserved/],
      ['bad timestamp', { samples: [{ ...good, timestamp: 'yesterday' }] }, /samples\[0\]\.timestamp: .*RFC 3339/],
      ['missing samples', {}, /samples: /],
      ['empty batch', { samples: [] }, /at least one sample/],
      ['one bad sample among good ones', { samples: [good, good, { ...good, value: null }] }, /samples\[2\]\.value/],
    ];
    it.each(cases)('rejects %s with the field path', async (_name, body, message) => {
      const res = await api.post('/v1/metrics', body as object);
      expect(res.status).toBe(400);
      expect(res.json.status).toBe('error');
      expect(res.json.error).toMatch(message);
      expect(res.json.issues.length).toBeGreaterThan(0);
      expect(await metricCount()).toBe(0);
    });
    it('rejects non-finite values (JSON overflow to Infinity)', async () => {
      const res = await api.post('/v1/metrics', `{"samples":[{"metric":"m","value":1e999,"timestamp":1}]}`, 'application/json');
      expect(res.status).toBe(400);
      expect(res.json.error).toMatch(/samples\[0\]\.value: must be a finite number/);
      expect(await metricCount()).toBe(0);
    });
    it('rejects malformed JSON', async () => {
      const res = await api.post('/v1/metrics', '{"samples": [', 'application/json');
      expect(res.status).toBe(400);
      expect(res.json.error).toMatch(/malformed JSON/);
    });
    it('rejects deeply nested JSON without crashing', async () => {
      const res = await api.post('/v1/metrics', '['.repeat(100_000) + ']'.repeat(100_000), 'application/json');
      expect(res.status).toBe(400);
    });
    it('rejects oversized bodies with 413', async () => {
      const big = JSON.stringify({ samples: Array.from({ length: 20_000 }, (_, i) => ({ ...good, labels: { host: `h${i}`, pad: 'x'.repeat(40) } })) });
      expect(big.length).toBeGreaterThan(1024 * 1024);
      const res = await api.post('/v1/metrics', big, 'application/json');
      expect(res.status).toBe(413);
      expect(await metricCount()).toBe(0);
    });
    it('counts chunked bodies (no Content-Length) as they arrive: 413 past the limit, read whole below it', async () => {
      const { request } = await import('node:http');
      const post = (chunks: string[]) =>
        new Promise<{ status: number; body: string }>((resolve, reject) => {
          const req = request(`${vigil.url}/v1/metrics`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_KEY}`, 'x-scope-orgid': 'chunked', 'content-type': 'application/json', 'transfer-encoding': 'chunked' } }, (res) => {
            let body = '';
            res.on('data', (d: Buffer) => (body += d.toString()));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
          });
          req.on('error', reject);
          for (const chunk of chunks) req.write(chunk);
          req.end();
        });
      const big = JSON.stringify({ samples: Array.from({ length: 20_000 }, (_, i) => ({ ...good, labels: { host: `h${i}`, pad: 'x'.repeat(40) } })) });
      const tooBig = await post(big.match(/[\s\S]{1,65536}/g)!);
      expect(tooBig.status).toBe(413);
      expect(await vigil.ctx.services.series.metricNames('chunked')).toEqual([]);
      const small = JSON.stringify({ samples: [good] });
      const ok = await post([small.slice(0, 10), small.slice(10)]);
      expect(ok.status).toBe(200);
      expect(await vigil.ctx.services.series.metricNames('chunked')).toEqual(['cpu_usage']);
    });
    it('accepts a valid batch with epoch-ms and RFC 3339 timestamps', async () => {
      const res = await api.post('/v1/metrics', { samples: [good, { ...good, value: 94, timestamp: '2025-11-22T08:26:41Z' }] });
      expect(res.status).toBe(200);
      expect(res.json.data).toEqual({ series: 1, samples: 2, newSeries: 1 });
      expect(await metricCount()).toBe(1);
    });
  });

  describe('rule groups', () => {
    const list = async () => (await vigil.ctx.services.ruleGroups.list('default')).length;
    const cases: [string, string, RegExp][] = [
      ['invalid YAML', 'name: g\nrules: [\n', /invalid YAML/],
      ['a YAML tag', 'name: !!js/function x\nrules: []\n', /tag/],
      ['invalid PromQL', 'name: g\nrules:\n  - alert: A\n    expr: "sum(rate(x[5m]) by"\n', /rules\[0\]\.expr: invalid PromQL: .*line 1, column/],
      ['a bad duration', 'name: g\nrules:\n  - alert: A\n    expr: up == 0\n    for: 5 minutes\n', /rules\[0\]\.for: invalid duration/],
      ['an unknown field', 'name: g\nrules:\n  - alert: A\n    expr: up == 0\n    severity: page\n', /rules\[0\]/],
      ['duplicate alert names', 'name: g\nrules:\n  - alert: A\n    expr: up == 0\n  - alert: A\n    expr: up == 1\n', /rules\[1\]\.alert: duplicate alert name/],
      ['a template error', 'name: g\nrules:\n  - alert: A\n    expr: up == 0\n    annotations:\n      summary: "{{ $labels.job"\n', /rules\[0\]\.annotations\.summary: template error/],
      ['neither alert nor record', 'name: g\nrules:\n  - expr: up == 0\n', /one of "alert" or "record"/],
      ['a missing name', 'rules: []\n', /name/],
    ];
    it.each(cases)('rejects %s with the path and reason', async (_name, body, message) => {
      const res = await api.post('/prometheus/config/v1/rules/ns', body);
      expect(res.status).toBe(400);
      expect(res.json.error).toMatch(message);
      expect(await list()).toBe(0);
    });
    it('returns 404 for groups that do not exist, and deletes', async () => {
      expect((await api.get('/prometheus/config/v1/rules')).status).toBe(404);
      expect((await api.post('/prometheus/config/v1/rules/ns', 'name: g\nrules:\n  - alert: A\n    expr: up == 0\n')).status).toBe(202);
      expect((await api.get('/prometheus/config/v1/rules')).text).toContain('ns:');
      expect((await api.delete('/prometheus/config/v1/rules/ns/g')).status).toBe(202);
      expect((await api.delete('/prometheus/config/v1/rules/ns/g')).status).toBe(404);
    });
  });

  describe('Alertmanager configuration', () => {
    it('rejects an invalid configuration with the path, and stores nothing', async () => {
      const res = await api.post('/api/v1/alerts', 'alertmanager_config: |\n  route:\n    receiver: missing\n  receivers:\n    - name: ops\n');
      expect(res.status).toBe(400);
      expect(res.json.error).toMatch(/alertmanager_config/);
      expect(res.json.error).toMatch(/missing/);
      expect((await api.get('/api/v1/alerts')).status).toBe(404);
    });
    it('refuses *_file fields', async () => {
      const body = 'alertmanager_config: |\n  route:\n    receiver: ops\n  receivers:\n    - name: ops\n      webhook_configs:\n        - url_file: /etc/passwd\n';
      const res = await api.post('/api/v1/alerts', body);
      expect(res.status).toBe(400);
      expect(res.json.error).toMatch(/not allowed/);
    });
    it('reads secrets back as <secret>', async () => {
      const body =
        'alertmanager_config: |\n  route:\n    receiver: ops\n  receivers:\n    - name: ops\n      webhook_configs:\n        - url: https://hooks.example.com/x\n          http_config:\n            basic_auth:\n              username: u\n              password: hunter2\n';
      expect((await api.post('/api/v1/alerts', body)).status).toBe(201);
      const back = await api.get('/api/v1/alerts');
      expect(back.status).toBe(200);
      expect(back.text).toContain('<secret>');
      expect(back.text).not.toContain('hunter2');
    });
  });
});
