import { createHash } from 'node:crypto';
import { startTestServer, type TestServer } from '../../../http/testing-server';
import { DeliveryError } from '../delivery';
import { GROUP_KEY, loopbackClient, notification, options, receiverFrom, RESOLVED, strictClient } from '../testing';
import { resolveOpsgenieConfig } from './config';
import { notifyOpsgenie } from './opsgenie';

describe('opsgenie (Alert API v2)', () => {
  let server: TestServer;
  let statuses: number[];
  beforeEach(async () => {
    statuses = [];
    server = await startTestServer((_req, res, i) => res.writeHead(statuses[i] ?? 202).end('{"result":"Request will be processed","requestId":"r1"}'));
  });
  afterEach(() => server.close());

  const og = (extra = '') => {
    const { config, receiver } = receiverFrom(`    opsgenie_configs:\n      - entity: '{{ .CommonLabels.job }}'\n${extra}`, `  opsgenie_api_key: 0g-k3y-global\n  opsgenie_api_url: ${server.url}/`);
    return resolveOpsgenieConfig((receiver.opsgenie_configs as unknown[])[0], config.global);
  };
  const alias = createHash('sha256').update(GROUP_KEY).digest('hex');

  it('creates an alert with alias = group key hash, then closes it by alias', async () => {
    const cfg = og(`        tags: 'latency, {{ .CommonLabels.job }}'\n        responders:\n          - { type: teams, name: 'sre,db' }\n          - { type: user, username: 'oncall@example.com' }\n        details: { cluster: eu1 }\n        note: n1\n        priority: '{{ if eq .CommonLabels.severity "page" }}P1{{ else }}P3{{ end }}'\n`);
    await notifyOpsgenie(loopbackClient(), cfg, notification(), options());
    await notifyOpsgenie(loopbackClient(), cfg, notification([RESOLVED]), options());
    const [create, close] = server.requests;
    expect(create!.url).toBe('/v2/alerts');
    expect(create!.headers.authorization).toBe('GenieKey 0g-k3y-global');
    const body = JSON.parse(create!.body);
    expect(body).toMatchObject({
      alias,
      message: '[FIRING:1] HighLatency (api page)',
      source: 'http://vigil.example/alertmanager/#/alerts?receiver=team',
      details: { cluster: 'eu1' },
      responders: [
        { type: 'team', name: 'sre' },
        { type: 'team', name: 'db' },
        { type: 'user', username: 'oncall@example.com' },
      ],
      tags: ['latency', 'api'],
      note: 'n1',
      priority: 'P1',
      entity: 'api',
    });
    expect(body.description).toMatch(/^p99 high\nAlerts Firing:\nLabels:\n/);
    expect(close!.url).toBe(`/v2/alerts/${alias}/close?identifierType=alias`);
    expect(JSON.parse(close!.body)).toEqual({ source: 'http://vigil.example/alertmanager/#/alerts?receiver=team' });
  });

  it('retries 503, then delivers; does not retry 422', async () => {
    statuses = [503];
    expect(await notifyOpsgenie(loopbackClient(), og(), notification(), options())).toEqual({ attempts: 2 });
    statuses = [202, 202, 422];
    const err = (await notifyOpsgenie(loopbackClient(), og(), notification(), options()).catch((e) => e)) as DeliveryError;
    expect(err).toMatchObject({ retryable: false, attempts: 1 });
  });

  it('refuses a bad rendered priority without sending, and private destinations', async () => {
    await expect(notifyOpsgenie(loopbackClient(), og(`        priority: 'P{{ len .Alerts }}0'\n`), notification(), options())).rejects.toMatchObject({ retryable: false, message: expect.stringContaining('P20') });
    await expect(notifyOpsgenie(strictClient(), og(), notification(), options())).rejects.toMatchObject({ retryable: false });
    expect(server.requests).toHaveLength(0);
  });
});
