import { ManualClock } from '@vigil/core';
import type { LocalRuntime } from '@vigil/adapter-local';
import { client, startManual, tempDir } from '../../../../../test/helpers/local';
import { WebhookReceiver } from '../../../../../test/helpers/webhook-receiver';

/**
 * The Alertmanager v2 API on the local runtime, on virtual time: alerts posted through the API
 * reach notify, silences and inhibition show in the alert status and keep muted alerts out of
 * the notifications a real webhook receives.
 */
const T0 = Date.parse('2026-03-02T10:00:00Z'); // a Monday
const BASE = '/alertmanager/api/v2';
const config = (url: string) => `
alertmanager_config: |
  route:
    receiver: ops
    group_by: [alertname]
    group_wait: 1s
    group_interval: 5s
    repeat_interval: 1h
    routes:
      - receiver: db
        matchers: [team="db"]
        mute_time_intervals: [weekend]
  receivers:
    - name: ops
      webhook_configs: [{url: '${url}/ops'}]
    - name: db
      webhook_configs: [{url: '${url}/db?token=s3cret'}]
  inhibit_rules:
    - source_matchers: [severity="critical"]
      target_matchers: [severity="warning"]
      equal: [cluster]
  time_intervals:
    - name: weekend
      time_intervals: [{weekdays: [saturday, sunday]}]
`;

describe('Alertmanager v2 API', () => {
  const clock = new ManualClock(T0);
  const { dir, remove } = tempDir();
  const hook = new WebhookReceiver();
  let vigil: LocalRuntime;
  let api: ReturnType<typeof client>;

  /** Advances virtual time second by second, running every queue. */
  const run = async (ms: number) => {
    for (let t = 0; t < ms; t += 1000) {
      clock.advance(1000);
      await vigil.drain();
    }
  };
  const sent = (path: string) => hook.requests.filter((r) => r.path === path).map((r) => ({ status: r.json.status, alerts: r.json.alerts.map((a: any) => `${a.labels.alertname}/${a.status}`).sort() }));

  beforeAll(async () => {
    await hook.start();
    vigil = await startManual(dir, clock);
    api = client(vigil.url);
    const cfg = await api.post('/api/v1/alerts', config(hook.url));
    expect(cfg.status).toBe(201);
    await vigil.ctx.services.apiKeys.create('reader-key', { tenant: 'default', scopes: ['alerts:read'], name: 'reader', createdAt: T0 });
  });
  afterAll(async () => {
    await vigil.stop();
    await hook.stop();
    remove();
  });

  it('refuses invalid alerts with a path and a reason, storing none of the batch', async () => {
    const res = await api.post(`${BASE}/alerts`, [
      { labels: { alertname: 'Fine' } },
      { labels: { 'bad-name': 'x' } },
      { labels: { alertname: 'Backwards' }, startsAt: '2026-03-02T10:00:00Z', endsAt: '2026-03-02T09:00:00Z' },
      { labels: {} },
    ]);
    expect(res.status).toBe(400);
    expect(typeof res.json).toBe('string');
    expect(res.json).toContain('[1].labels.bad-name');
    expect((await api.post(`${BASE}/alerts`, { labels: {} })).status).toBe(400);
    expect((await api.post(`${BASE}/alerts`, 'not json', 'application/json')).status).toBe(400);
    const partly = await api.post(`${BASE}/alerts`, [{ labels: { alertname: 'Backwards' }, startsAt: '2026-03-02T10:00:00Z', endsAt: '2026-03-02T09:00:00Z' }, { labels: {} }]);
    expect(partly.json).toContain('[0].endsAt: start time must be before end time');
    expect(partly.json).toContain('[1].labels: at least one label pair required');
    await vigil.drain();
    expect((await api.get(`${BASE}/alerts`)).json).toEqual([]);
  });

  it('accepts alerts, routes them and notifies after group_wait', async () => {
    const res = await api.post(`${BASE}/alerts`, [
      { labels: { alertname: 'Disk', severity: 'warning', cluster: 'a' }, annotations: { summary: 'disk' } },
      { labels: { alertname: 'Disk', severity: 'warning', cluster: 'b' } },
      { labels: { alertname: 'Slow', team: 'db', severity: 'warning', cluster: 'c' } },
    ]);
    expect(res.status).toBe(200);
    await run(2000);
    expect(sent('/ops')).toEqual([{ status: 'firing', alerts: ['Disk/firing', 'Disk/firing'] }]);
    expect(sent('/db?token=s3cret')).toEqual([{ status: 'firing', alerts: ['Slow/firing'] }]);

    const alerts = (await api.get(`${BASE}/alerts`)).json;
    expect(alerts).toHaveLength(3);
    const slow = alerts.find((a: any) => a.labels.alertname === 'Slow');
    expect(slow).toMatchObject({ receivers: [{ name: 'db' }], status: { state: 'active', silencedBy: [], inhibitedBy: [] }, startsAt: new Date(T0).toISOString() });
    expect(Date.parse(slow.endsAt)).toBe(T0 + 5 * 60_000); // resolve_timeout
    expect(slow.fingerprint).toMatch(/^[0-9a-f]{16}$/);
    expect((await api.get(`${BASE}/alerts?receiver=d.`)).json).toHaveLength(1);
    expect((await api.get(`${BASE}/alerts?filter=cluster%3D~%22a%7Cb%22`)).json).toHaveLength(2);
    expect((await api.get(`${BASE}/alerts?filter=cluster%3D~%22(%22`)).status).toBe(400);
    expect((await api.get(`${BASE}/alerts?active=maybe`)).status).toBe(400);
  });

  it('shows inhibition in the alert status and leaves inhibited alerts out of notifications', async () => {
    await api.post(`${BASE}/alerts`, [{ labels: { alertname: 'Down', severity: 'critical', cluster: 'a' } }]);
    await run(1000);
    const disk = (await api.get(`${BASE}/alerts?filter=alertname%3DDisk`)).json;
    const down = (await api.get(`${BASE}/alerts?filter=alertname%3DDown`)).json[0];
    const a = disk.find((x: any) => x.labels.cluster === 'a');
    expect(a.status).toEqual({ state: 'suppressed', inhibitedBy: [down.fingerprint], silencedBy: [] });
    expect(disk.find((x: any) => x.labels.cluster === 'b').status.state).toBe('active');
    expect((await api.get(`${BASE}/alerts?inhibited=false`)).json.map((x: any) => x.labels.cluster).sort()).toEqual(['a', 'b', 'c']);
    expect((await api.get(`${BASE}/alerts?active=false`)).json).toHaveLength(1);
    hook.requests.length = 0;
    await run(5000); // next group_interval of the Disk group: nothing new once inhibition is applied
    expect(sent('/ops')).toEqual([{ status: 'firing', alerts: ['Down/firing'] }]);
  });

  let silenceId = '';
  it('creates, reads, lists and filters silences; silenced alerts are suppressed', async () => {
    const bad = await api.post(`${BASE}/silences`, { matchers: [{ name: 'x', value: '.*', isRegex: true }], startsAt: new Date(T0).toISOString(), endsAt: new Date(T0 - 1).toISOString(), createdBy: '', comment: 'c' });
    expect(bad.status).toBe(400);
    expect(bad.json).toContain('createdBy');
    const res = await api.post(`${BASE}/silences`, {
      matchers: [{ name: 'alertname', value: 'Disk', isRegex: false, isEqual: true }],
      startsAt: new Date(clock.now()).toISOString(),
      endsAt: new Date(clock.now() + 3_600_000).toISOString(),
      createdBy: 'ops',
      comment: 'disk maintenance',
    });
    expect(res.status).toBe(200);
    silenceId = res.json.silenceID;
    const got = (await api.get(`${BASE}/silence/${silenceId}`)).json;
    expect(got).toMatchObject({ id: silenceId, status: { state: 'active' }, createdBy: 'ops', matchers: [{ name: 'alertname', value: 'Disk', isRegex: false, isEqual: true }] });
    expect((await api.get(`${BASE}/silences?filter=alertname%3DDisk`)).json).toHaveLength(1);
    expect((await api.get(`${BASE}/silences?filter=alertname%3DOther`)).json).toHaveLength(0);
    const b = (await api.get(`${BASE}/alerts?filter=cluster%3Db`)).json[0];
    expect(b.status).toEqual({ state: 'suppressed', silencedBy: [silenceId], inhibitedBy: [] });
    expect((await api.get(`${BASE}/alerts?silenced=false`)).json.map((x: any) => x.labels.alertname).sort()).toEqual(['Down', 'Slow']);
    expect((await api.get(`${BASE}/silence/does-not-exist`)).status).toBe(404);
  });

  it('updates a silence in place, or replaces it when its matchers change', async () => {
    const body = (over: object) => ({
      matchers: [{ name: 'job', value: 'batch', isRegex: false }],
      startsAt: new Date(clock.now()).toISOString(),
      endsAt: new Date(clock.now() + 600_000).toISOString(),
      createdBy: 'ops',
      comment: 'first',
      ...over,
    });
    const id = (await api.post(`${BASE}/silences`, body({}))).json.silenceID;
    const got = (await api.get(`${BASE}/silence/${id}`)).json;
    const same = await api.post(`${BASE}/silences`, body({ id, startsAt: got.startsAt, comment: 'second' }));
    expect(same.json.silenceID).toBe(id);
    expect((await api.get(`${BASE}/silence/${id}`)).json.comment).toBe('second');
    const replaced = (await api.post(`${BASE}/silences`, body({ id, startsAt: got.startsAt, matchers: [{ name: 'job', value: 'batch2', isRegex: false }] }))).json.silenceID;
    expect(replaced).not.toBe(id);
    expect((await api.get(`${BASE}/silence/${id}`)).json.status.state).toBe('expired');
    expect((await api.post(`${BASE}/silences`, body({ id: 'unknown' }))).status).toBe(404);
    expect((await api.delete(`${BASE}/silence/${replaced}`)).status).toBe(200);
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    expect((await api.post(`${BASE}/silences`, deep, 'application/json')).status).toBe(400);
    expect((await api.post(`${BASE}/alerts`, deep, 'application/json')).status).toBe(400);
  });

  it('sends no resolved notification for a silenced alert, as Alertmanager', async () => {
    hook.requests.length = 0;
    const endsAt = new Date(clock.now()).toISOString();
    await api.post(`${BASE}/alerts`, [{ labels: { alertname: 'Disk', severity: 'warning', cluster: 'b' }, endsAt }]);
    await run(6000);
    expect(sent('/ops')).toEqual([]);
    const groups = (await api.get(`${BASE}/alerts/groups`)).json;
    const diskGroup = groups.find((g: any) => g.labels.alertname === 'Disk');
    expect(diskGroup.receiver).toEqual({ name: 'ops' });
    expect(diskGroup.alerts.map((a: any) => a.labels.cluster)).toEqual(['a']); // b is resolved
  });

  it('expires silences; the alert they hid is notified again as news', async () => {
    hook.requests.length = 0;
    await api.post(`${BASE}/alerts`, [{ labels: { alertname: 'Disk', severity: 'warning', cluster: 'd' } }]);
    await run(6000);
    expect(sent('/ops')).toEqual([]); // silenced
    expect((await api.delete(`${BASE}/silence/${silenceId}`)).status).toBe(200);
    expect((await api.get(`${BASE}/silence/${silenceId}`)).json.status.state).toBe('expired');
    const again = await api.delete(`${BASE}/silence/${silenceId}`);
    expect(again.status).toBe(400);
    expect(again.json).toContain('already expired');
    expect((await api.delete(`${BASE}/silence/nope`)).status).toBe(404);
    hook.requests.length = 0;
    await run(6000);
    expect(hook.requests.filter((r) => r.path === '/ops').map((r) => r.json.alerts.map((a: any) => a.labels.cluster))).toEqual([['d']]); // a stays inhibited
  });

  it('holds back a route inside its mute time interval', async () => {
    hook.requests.length = 0;
    clock.set(Date.parse('2026-03-07T10:00:00Z')); // Saturday
    await api.post(`${BASE}/alerts`, [{ labels: { alertname: 'Slow2', team: 'db' } }]);
    await run(7000);
    expect(sent('/db?token=s3cret')).toEqual([]);
    clock.set(Date.parse('2026-03-09T00:00:00Z')); // Monday
    await api.post(`${BASE}/alerts`, [{ labels: { alertname: 'Slow2', team: 'db' } }]);
    await run(6000);
    expect(sent('/db?token=s3cret')).toEqual([{ status: 'firing', alerts: ['Slow2/firing'] }]);
  });

  it('shows status and receivers, with secrets redacted', async () => {
    const status = (await api.get(`${BASE}/status`)).json;
    expect(status.cluster).toEqual({ status: 'disabled', peers: [] });
    expect(status.config.original).toContain('<secret>');
    expect(status.config.original).not.toContain('s3cret');
    expect(status.config.original).toContain('mute_time_intervals');
    expect(Date.parse(status.uptime)).toBe(T0);
    expect((await api.get(`${BASE}/receivers`)).json).toEqual([{ name: 'ops' }, { name: 'db' }]);
  });

  it('needs a key with the right scope', async () => {
    expect((await client(vigil.url, '').get(`${BASE}/alerts`)).status).toBe(401);
    const reader = client(vigil.url, 'reader-key');
    expect((await reader.get(`${BASE}/silences`)).status).toBe(200);
    expect((await reader.post(`${BASE}/alerts`, [{ labels: { a: 'b' } }])).status).toBe(403);
    expect((await reader.delete(`${BASE}/silence/x`)).status).toBe(403);
    // Another tenant sees nothing of this one.
    expect((await client(vigil.url, undefined, { 'X-Scope-OrgID': 'other' }).get(`${BASE}/alerts`)).json).toEqual([]);
  });
});
