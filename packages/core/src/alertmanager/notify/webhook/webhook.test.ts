import { ManualClock } from '../../../ports/clock';
import { createHttpClient } from '../../../http/client';
import { OutboundRefusedError } from '../../../http/errors';
import { OutboundPolicy } from '../../../http/ssrf';
import { startTestServer, type TestServer } from '../../../http/testing-server';
import { fingerprint } from '../../../model/fingerprint';
import { parseAlertmanagerConfig } from '../../config';
import { buildWebhookPayload, notifyWebhook, sendWebhook, type WebhookAlertInput } from '.';
import { formatGoTime, GO_ZERO_TIME } from './time';

const NOW = Date.parse('2024-05-01T12:00:00Z');

const firing: WebhookAlertInput = {
  labels: { alertname: 'HighLatency', job: 'api', severity: 'page', instance: 'a' },
  annotations: { summary: 'p99 high', runbook: 'r1' },
  startsAt: new Date('2024-05-01T11:50:00.120Z'),
  endsAt: NOW + 5 * 60_000, // expected end, not yet reached
  generatorURL: 'http://prom/graph?g0.expr=x',
};
const resolved: WebhookAlertInput = {
  labels: { alertname: 'HighLatency', job: 'api', severity: 'page', instance: 'b' },
  annotations: { summary: 'p99 high', runbook: 'r2' },
  startsAt: NOW - 3_600_000,
  endsAt: NOW - 1000,
  fingerprint: 'abcdef0123456789',
};

describe('buildWebhookPayload', () => {
  it('builds version 4 exactly as Alertmanager shapes it', () => {
    const p = buildWebhookPayload({
      receiver: 'hooks',
      groupKey: '{}/{severity="page"}:{alertname="HighLatency"}',
      groupLabels: { alertname: 'HighLatency' },
      alerts: [firing, resolved],
      externalURL: 'http://vigil.example/alertmanager',
      now: NOW,
    });
    expect(p).toEqual({
      receiver: 'hooks',
      status: 'firing',
      alerts: [
        {
          status: 'firing',
          labels: { alertname: 'HighLatency', instance: 'a', job: 'api', severity: 'page' },
          annotations: { runbook: 'r1', summary: 'p99 high' },
          startsAt: '2024-05-01T11:50:00.12Z',
          endsAt: '0001-01-01T00:00:00Z',
          generatorURL: 'http://prom/graph?g0.expr=x',
          fingerprint: fingerprint(firing.labels),
        },
        {
          status: 'resolved',
          labels: { alertname: 'HighLatency', instance: 'b', job: 'api', severity: 'page' },
          annotations: { runbook: 'r2', summary: 'p99 high' },
          startsAt: '2024-05-01T11:00:00Z',
          endsAt: '2024-05-01T11:59:59Z',
          generatorURL: '',
          fingerprint: 'abcdef0123456789',
        },
      ],
      groupLabels: { alertname: 'HighLatency' },
      commonLabels: { alertname: 'HighLatency', job: 'api', severity: 'page' },
      commonAnnotations: { summary: 'p99 high' },
      externalURL: 'http://vigil.example/alertmanager',
      version: '4',
      groupKey: '{}/{severity="page"}:{alertname="HighLatency"}',
      truncatedAlerts: 0,
    });
    // Key order is part of the wire format.
    expect(Object.keys(p)).toEqual(['receiver', 'status', 'alerts', 'groupLabels', 'commonLabels', 'commonAnnotations', 'externalURL', 'version', 'groupKey', 'truncatedAlerts']);
    expect(Object.keys(p.alerts[0]!)).toEqual(['status', 'labels', 'annotations', 'startsAt', 'endsAt', 'generatorURL', 'fingerprint']);
  });

  it('is resolved when every alert is, and truncates to max_alerts first', () => {
    const p = buildWebhookPayload({ receiver: 'r', groupKey: 'k', groupLabels: {}, alerts: [resolved, firing, firing], maxAlerts: 1, now: NOW });
    expect(p.status).toBe('resolved');
    expect(p.alerts).toHaveLength(1);
    expect(p.truncatedAlerts).toBe(2);
    expect(p.commonLabels).toEqual(resolved.labels);
    const none = buildWebhookPayload({ receiver: 'r', groupKey: 'k', groupLabels: {}, alerts: [], now: NOW });
    expect(none).toMatchObject({ status: 'resolved', alerts: [], commonLabels: {}, commonAnnotations: {}, truncatedAlerts: 0 });
  });

  it('quotes the receiver name as Alertmanager does (regexp.QuoteMeta)', () => {
    expect(buildWebhookPayload({ receiver: 'team-x.pager (eu)', groupKey: 'k', groupLabels: {}, alerts: [], now: NOW }).receiver).toBe('team-x\\.pager \\(eu\\)');
  });

  it('treats an alert without endsAt as firing, and endsAt == now as resolved', () => {
    const p = buildWebhookPayload({ receiver: 'r', groupKey: 'k', groupLabels: {}, alerts: [{ labels: { a: '1' }, startsAt: NOW }, { labels: { a: '2' }, startsAt: NOW, endsAt: NOW }], now: NOW });
    expect(p.alerts.map((a) => [a.status, a.endsAt])).toEqual([
      ['firing', GO_ZERO_TIME],
      ['resolved', '2024-05-01T12:00:00Z'],
    ]);
  });

  it('formats times like Go', () => {
    expect(formatGoTime(Date.parse('2024-01-02T03:04:05.000Z'))).toBe('2024-01-02T03:04:05Z');
    expect(formatGoTime(Date.parse('2024-01-02T03:04:05.100Z'))).toBe('2024-01-02T03:04:05.1Z');
    expect(formatGoTime(Date.parse('2024-01-02T03:04:05.123Z'))).toBe('2024-01-02T03:04:05.123Z');
  });
});

describe('sending webhooks to a real server', () => {
  let server: TestServer;
  let statuses: number[];
  beforeEach(async () => {
    statuses = [];
    server = await startTestServer((_req, res, i) => {
      res.writeHead(statuses[i] ?? 200).end(statuses[i] && statuses[i]! >= 500 ? 'try later' : 'ok');
    });
  });
  afterEach(() => server.close());

  const config = (url: string, extra = '') =>
    parseAlertmanagerConfig(`
route: { receiver: hooks }
receivers:
  - name: hooks
    webhook_configs:
      - url: ${url}
${extra}`).receivers[0]!.webhook_configs![0]!;

  const retry = (clock = new ManualClock()) => ({ retry: { maxAttempts: 5, baseMs: 1000, capMs: 10_000, clock, random: () => 0.5 } });

  it('retries 500 twice, then delivers the payload', async () => {
    statuses = [500, 500, 200];
    const http = createHttpClient({ policy: OutboundPolicy.fromEnv('127.0.0.1/32') });
    const cfg = config(`${server.url}/alerts`, '        http_config:\n          authorization: { credentials: tok-1 }\n');
    const clock = new ManualClock(NOW);
    const result = await notifyWebhook(
      http,
      cfg,
      { receiver: 'hooks', groupKey: '{}:{alertname="HighLatency"}', groupLabels: { alertname: 'HighLatency' }, alerts: [firing, resolved], now: NOW },
      retry(clock),
    );
    expect(result).toMatchObject({ sent: true, ok: true, attempts: 3 });
    expect(server.requests).toHaveLength(3);
    const req = server.requests[2]!;
    expect(req.method).toBe('POST');
    expect(req.url).toBe('/alerts');
    expect(req.headers['content-type']).toBe('application/json');
    expect(req.headers.authorization).toBe('Bearer tok-1');
    const body = JSON.parse(req.body);
    expect(body).toMatchObject({ version: '4', receiver: 'hooks', status: 'firing', groupKey: '{}:{alertname="HighLatency"}', truncatedAlerts: 0 });
    expect(body.alerts).toHaveLength(2);
    expect(server.requests.every((r) => r.body === req.body)).toBe(true);
    expect(clock.now()).toBe(NOW + 500 + 1000);
  });

  it('drops resolved alerts when send_resolved is off, and sends nothing if none are left', async () => {
    const http = createHttpClient({ policy: OutboundPolicy.fromEnv('127.0.0.1/32') });
    const cfg = config(server.url, '        send_resolved: false\n        max_alerts: 1\n        http_config:\n          basic_auth: { username: u, password: p }\n');
    const skipped = await notifyWebhook(http, cfg, { receiver: 'hooks', groupKey: 'k', groupLabels: {}, alerts: [resolved], now: NOW }, retry());
    expect(skipped).toEqual({ sent: false, reason: 'no alerts to send' });
    expect(server.requests).toHaveLength(0);

    const sent = await notifyWebhook(http, cfg, { receiver: 'hooks', groupKey: 'k', groupLabels: {}, alerts: [resolved, firing, firing], now: NOW }, retry());
    expect(sent).toMatchObject({ sent: true, ok: true, attempts: 1 });
    const body = JSON.parse(server.requests[0]!.body);
    expect(body.alerts.map((a: { status: string }) => a.status)).toEqual(['firing']);
    expect(body.truncatedAlerts).toBe(1);
    expect(server.requests[0]!.headers.authorization).toBe(`Basic ${Buffer.from('u:p').toString('base64')}`);
  });

  it('refuses loopback without the allow entry and does not retry', async () => {
    const http = createHttpClient({ policy: OutboundPolicy.fromEnv(undefined) });
    const clock = new ManualClock();
    const payload = buildWebhookPayload({ receiver: 'hooks', groupKey: 'k', groupLabels: {}, alerts: [firing], now: NOW });
    const result = await sendWebhook(http, config(server.url), payload, retry(clock));
    expect(result).toMatchObject({ ok: false, attempts: 1, retryable: false });
    if (!result.ok) expect(result.error).toBeInstanceOf(OutboundRefusedError);
    expect(server.requests).toHaveLength(0);
    expect(clock.now()).toBe(0);
  });

  it('gives up on a 4xx at once, with the reason for the dead letter', async () => {
    statuses = [400];
    const http = createHttpClient({ policy: OutboundPolicy.fromEnv('127.0.0.1/32') });
    const payload = buildWebhookPayload({ receiver: 'hooks', groupKey: 'k', groupLabels: {}, alerts: [firing], now: NOW });
    const result = await sendWebhook(http, config(server.url), payload, retry());
    expect(result).toMatchObject({ ok: false, attempts: 1, retryable: false, reason: 'HTTP 400: ok' });
  });

  it('refuses oauth2 and proxies rather than sending without them', async () => {
    const http = createHttpClient({ policy: OutboundPolicy.fromEnv('127.0.0.1/32') });
    const cfg = config(server.url, `        http_config:\n          oauth2: { client_id: c, client_secret: s, token_url: 'https://auth.example/token' }\n`);
    const payload = buildWebhookPayload({ receiver: 'hooks', groupKey: 'k', groupLabels: {}, alerts: [firing], now: NOW });
    expect(await sendWebhook(http, cfg, payload, retry())).toMatchObject({ ok: false, attempts: 0, retryable: false });
    const proxied = config(server.url, `        http_config:\n          proxy_url: 'http://proxy.example:3128'\n`);
    expect(await sendWebhook(http, proxied, payload, retry())).toMatchObject({ ok: false, attempts: 0, retryable: false });
    expect(server.requests).toHaveLength(0);
  });
});
