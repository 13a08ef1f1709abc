import { alertmanager, ManualClock, metrics } from '@vigil/core';
import type { LocalRuntime } from '@vigil/adapter-local';
import { startTestServer, type TestServer } from '../../../packages/core/src/http/testing-server';
import { client, startManual, tempDir } from '../../../test/helpers/local';
import { handle } from '.';
import { deliveryMetrics, integrationsOf } from './integrations';

const T0 = 1_763_800_000_000;

describe('integrationsOf', () => {
  it('registers every receiver kind, each config with its own name and index', () => {
    const config = alertmanager.parseAlertmanagerConfig(`
global: { slack_api_url: 'https://hooks.slack.example/x', opsgenie_api_key: k, smtp_smarthost: 'smtp.example:587', smtp_from: a@example }
route: { receiver: all }
receivers:
  - name: all
    webhook_configs: [{ url: 'https://a.example/hook' }]
    email_configs: [{ to: ops@example }]
    pagerduty_configs: [{ routing_key: r, send_resolved: false }]
    opsgenie_configs: [{}]
    slack_configs: [{ channel: a }, { channel: b, send_resolved: true }]
    sns_configs: [{ topic_arn: 'arn:aws:sns:us-east-1:1:t', sigv4: { access_key: a, secret_key: b } }]
    msteams_configs: [{ webhook_url: 'https://teams.example/x' }]
    msteamsv2_configs: [{ webhook_url: 'https://teams.example/y' }]
`);
    const list = integrationsOf(config.receivers[0]!);
    expect(list.map((i) => [i.name, i.index, i.sendResolved])).toEqual([
      ['webhook', 0, true],
      ['email', 0, false],
      ['pagerduty', 0, false],
      ['opsgenie', 0, true],
      ['slack', 0, false],
      ['slack', 1, true],
      ['sns', 0, true],
      ['msteams', 0, true],
      ['msteamsv2', 0, true],
    ]);
  });
});

describe('notify delivers to every HTTP receiver kind, once per group state', () => {
  const clock = new ManualClock(T0);
  const { dir, remove } = tempDir();
  let vigil: LocalRuntime;
  let server: TestServer;
  let failPagerduty = 0;

  beforeAll(async () => {
    server = await startTestServer((req, res) => {
      if (req.url.startsWith('/pd') && failPagerduty > 0) {
        failPagerduty--;
        res.writeHead(503).end('busy');
        return;
      }
      if (req.url.startsWith('/bad')) {
        res.writeHead(400).end('invalid_payload');
        return;
      }
      res.writeHead(req.url.startsWith('/slack') ? 200 : 202).end('ok');
    });
    vigil = await startManual(dir, clock);
  });
  afterAll(async () => {
    await vigil.stop();
    await server.close();
    remove();
  });

  const byPath = (prefix: string) => server.requests.filter((r) => r.url.startsWith(prefix)).map((r) => JSON.parse(r.body));
  const alert = (endsAt: number) => ({ labels: { alertname: 'DiskFull', instance: 'db1', severity: 'page' }, annotations: { summary: 'disk 99%' }, startsAt: T0, endsAt, generatorURL: '' });

  it('sends firing and resolved notifications with tenant templates, retrying a 503 in-call', async () => {
    const config = `
alertmanager_config: |
  global:
    slack_api_url: ${server.url}/slack/global
    opsgenie_api_url: ${server.url}/og/
    opsgenie_api_key: og-key
    pagerduty_url: ${server.url}/pd
  route: { receiver: all, group_by: [alertname], group_wait: 0s, group_interval: 5s, repeat_interval: 1h }
  receivers:
    - name: all
      slack_configs: [{ channel: '#a' }, { channel: '#b', api_url: ${server.url}/slack/own, send_resolved: true }]
      msteams_configs: [{ webhook_url: ${server.url}/teams }]
      pagerduty_configs: [{ routing_key: rk-1 }]
      opsgenie_configs: [{ tags: '{{ .CommonLabels.severity }}' }]
template_files:
  custom.tmpl: '{{ define "slack.default.title" }}custom: {{ .CommonLabels.alertname }} on {{ .CommonLabels.instance }}{{ end }}'
`;
    const api = client(vigil.url);
    expect((await api.post('/api/v1/alerts', config)).status).toBe(201);
    const before = deliveryMetrics.notifications.get({ integration: 'pagerduty' });

    failPagerduty = 1;
    await handle({ kind: 'alerts', tenant: 'default', alerts: [alert(T0 + 300_000)] }, vigil.ctx);
    await vigil.drain();
    expect(byPath('/slack/global').map((b) => b.blocks[0].text.text)).toEqual(['custom: DiskFull on db1']);
    expect(byPath('/slack/own').map((b) => b.channel)).toEqual(['#b']);
    expect(byPath('/teams')).toHaveLength(1);
    expect(byPath('/pd').map((b) => b.event_action)).toEqual(['trigger', 'trigger']); // 503, then 202
    expect(byPath('/og/v2/alerts')).toMatchObject([{ tags: ['page'], message: '[FIRING:1] DiskFull (db1 page)' }]);
    expect(deliveryMetrics.notifications.get({ integration: 'pagerduty' })).toBe(before + 1);
    expect(metrics.toPrometheusText()).toMatch(/vigil_notification_requests_failed_total\{integration="pagerduty"\} \d+/);

    // The same state again: nothing is sent twice.
    clock.advance(6000);
    await handle({ kind: 'alerts', tenant: 'default', alerts: [alert(T0 + 300_000)] }, vigil.ctx);
    await vigil.drain();
    expect(server.requests).toHaveLength(6);

    // Resolved: integrations with send_resolved get it (slack #a does not, by default).
    clock.advance(6000);
    await handle({ kind: 'alerts', tenant: 'default', alerts: [alert(clock.now() - 1)] }, vigil.ctx);
    clock.advance(6000);
    await vigil.drain();
    expect(byPath('/slack/global')).toHaveLength(1);
    expect(byPath('/slack/own')[1].attachments[0].color).toBe('good');
    expect(byPath('/pd').map((b) => b.event_action)).toEqual(['trigger', 'trigger', 'resolve']);
    expect(byPath('/pd')[0].dedup_key).toBe(byPath('/pd')[2].dedup_key);
    expect(server.requests.filter((r) => r.url.includes('/close?identifierType=alias'))).toHaveLength(1);
    expect(byPath('/teams')).toHaveLength(2);
  });

  it('dead-letters a flush at once when delivery fails permanently (400), with the reason', async () => {
    const config = `alertmanager_config: |\n  route: { receiver: bad, group_wait: 0s }\n  receivers:\n    - name: bad\n      slack_configs: [{ api_url: ${server.url}/bad/T/S3CRET }]\n`;
    expect((await client(vigil.url).post('/api/v1/alerts', config)).status).toBe(201);
    await handle({ kind: 'alerts', tenant: 'default', alerts: [{ ...alert(clock.now() + 300_000), labels: { alertname: 'Other' } }] }, vigil.ctx);
    for (let i = 0; i < 5; i++) {
      clock.advance(60_000);
      await vigil.drain();
    }
    expect(server.requests.filter((r) => r.url.startsWith('/bad'))).toHaveLength(1);
    const dead = await vigil.queue.deadLetters('notify');
    expect(dead).toHaveLength(1);
    expect(dead[0]).toMatchObject({ attempts: 1, lastError: 'DeliveryError: slack failed after 1 attempt: HTTP 400: invalid_payload' });
    expect(dead[0]!.lastError).not.toContain('S3CRET');
  });

  it('refuses template files that do not parse, with the file and position', async () => {
    const res = await client(vigil.url).post('/api/v1/alerts', `alertmanager_config: |\n  route: { receiver: r }\n  receivers: [{ name: r }]\ntemplate_files:\n  bad.tmpl: '{{ define "x" }}{{ .Foo '\n`);
    expect(res.status).toBe(400);
    expect(res.json.issues).toEqual([{ path: 'template_files.bad.tmpl', message: 'line 1, column 17: unclosed action' }]);
  });
});
