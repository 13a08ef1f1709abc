import { ManualClock } from '@vigil/core';
import type { LocalRuntime } from '@vigil/adapter-local';
import { client, startManual, tempDir } from '../../../../test/helpers/local';

/**
 * `/v1/runbooks` on the local runtime: runbooks are validated whole with field paths, read back
 * with header values as `<secret>` (and a `<secret>` posted back keeps the stored value), scoped
 * like the other configuration routes, and kept per tenant.
 */
const T0 = Date.parse('2026-03-02T10:00:00Z');
const RUNBOOK = `
name: restart-web
match: ['alertname="HighLatency"']
approval: none
actions:
  - type: http
    url: https://ops.example.com/restart/{{ .Labels.instance }}
    headers: {Authorization: Bearer s3cret}
`;

describe('runbook API', () => {
  const clock = new ManualClock(T0);
  const { dir, remove } = tempDir();
  let vigil: LocalRuntime;
  let api: ReturnType<typeof client>;

  beforeAll(async () => {
    vigil = await startManual(dir, clock);
    api = client(vigil.url);
    await vigil.ctx.services.apiKeys.create('reader-key', { tenant: 'default', scopes: ['config:read', 'alerts:read'], name: 'reader', createdAt: T0 });
    await vigil.ctx.services.apiKeys.create('other-key', { tenant: 'other', scopes: ['config:read', 'config:write'], name: 'other', createdAt: T0 });
  });
  afterAll(async () => {
    await vigil.stop();
    remove();
  });

  it('creates, replaces, lists, reads and deletes runbooks', async () => {
    expect((await api.post('/v1/runbooks', RUNBOOK)).status).toBe(201);
    const replaced = await api.post('/v1/runbooks/restart-web', RUNBOOK.replace('approval: none', 'approval: required'));
    expect(replaced.status).toBe(200);
    const one = await api.get('/v1/runbooks/restart-web');
    expect(one.status).toBe(200);
    expect(one.json.data.runbook).toMatchObject({ name: 'restart-web', approval: 'required' });
    expect((await api.get('/v1/runbooks')).json.data.runbooks.map((r: { name: string }) => r.name)).toEqual(['restart-web']);
    expect((await api.delete('/v1/runbooks/restart-web')).status).toBe(200);
    expect((await api.get('/v1/runbooks/restart-web')).status).toBe(404);
    expect((await api.delete('/v1/runbooks/restart-web')).status).toBe(404);
  });

  it('never returns header values, and keeps them when <secret> is posted back', async () => {
    await api.post('/v1/runbooks', RUNBOOK);
    const shown = await api.get('/v1/runbooks/restart-web');
    expect(shown.text).not.toContain('s3cret');
    expect(shown.json.data.runbook.actions[0].headers).toEqual({ Authorization: '<secret>' });
    // Edit something else and post the document as it was read.
    const edited = { ...shown.json.data.runbook, description: 'restarts the web tier' };
    expect((await api.post('/v1/runbooks', edited)).status).toBe(200);
    const stored = await vigil.ctx.store.get<{ document: { actions: { headers: Record<string, string> }[] } }>('rb#default', 'restart-web');
    expect(stored!.value.document.actions[0]!.headers.Authorization).toBe('Bearer s3cret');
    const fresh = await api.post('/v1/runbooks', { ...edited, name: 'new-one' });
    expect(fresh.status).toBe(400);
    expect(fresh.json.issues).toEqual([expect.objectContaining({ path: 'actions[0].headers.Authorization' })]);
  });

  it('answers bad runbooks with 400 and the field path of every problem', async () => {
    const res = await api.post('/v1/runbooks', RUNBOOK.replace('alertname="HighLatency"', 'alertname=~"(x"').replace('type: http', 'type: shell'));
    expect(res.status).toBe(400);
    expect(res.json.issues.map((i: { path: string }) => i.path).sort()).toEqual(['actions[0].type', 'match[0]']);
    expect((await api.post('/v1/runbooks', 'name: [')).status).toBe(400);
    expect((await api.post('/v1/runbooks/other-name', RUNBOOK)).json.issues).toEqual([expect.objectContaining({ path: 'name' })]);
  });

  it('requires config:write to change runbooks and keeps tenants apart', async () => {
    const reader = client(vigil.url, 'reader-key');
    expect((await reader.post('/v1/runbooks', RUNBOOK)).status).toBe(403);
    expect((await reader.delete('/v1/runbooks/restart-web')).status).toBe(403);
    expect((await reader.get('/v1/runbooks/restart-web')).status).toBe(200);
    expect((await client(vigil.url, 'other-key').get('/v1/runbooks/restart-web')).status).toBe(404);
    expect((await client(vigil.url, '').get('/v1/runbooks')).status).toBe(401);
  });

  it('serves executions under the reserved name, checks IDs, and refuses deciding unknown executions', async () => {
    const listed = await client(vigil.url, 'reader-key').get('/v1/runbooks/executions');
    expect(listed.status).toBe(200);
    expect(listed.json.data.executions).toEqual([]);
    expect((await api.get('/v1/runbooks/executions/not-an-id')).status).toBe(400);
    expect((await api.get('/v1/runbooks/executions?limit=0')).status).toBe(400);
    expect((await api.get('/v1/runbooks/executions?cursor=garbage')).status).toBe(400);
    const unknown = '1772445600000-0123456789abcdef0123';
    expect((await api.get(`/v1/runbooks/executions/${unknown}`)).status).toBe(404);
    expect((await api.post(`/v1/runbooks/executions/${unknown}/approve`, {})).status).toBe(404);
    expect((await client(vigil.url, 'reader-key').post(`/v1/runbooks/executions/${unknown}/approve`, {})).status).toBe(403);
  });
});
