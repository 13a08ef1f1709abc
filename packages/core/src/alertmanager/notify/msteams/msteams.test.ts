import { startTestServer, type TestServer } from '../../../http/testing-server';
import { DeliveryError } from '../delivery';
import { loopbackClient, notification, options, receiverFrom, RESOLVED, strictClient } from '../testing';
import { resolveMSTeamsConfig } from './config';
import { notifyMSTeams } from './msteams';

describe('msteams (Adaptive Card to a workflow webhook)', () => {
  let server: TestServer;
  let statuses: number[];
  beforeEach(async () => {
    statuses = [];
    server = await startTestServer((_req, res, i) => res.writeHead(statuses[i] ?? 202).end());
  });
  afterEach(() => server.close());

  const teams = (extra = '') => {
    const { config, receiver } = receiverFrom(`    msteams_configs:\n      - webhook_url: ${server.url}/workflows/abc/triggers/manual/paths/invoke?sig=S1G\n${extra}`);
    return resolveMSTeamsConfig((receiver.msteams_configs as unknown[])[0], config.global);
  };

  it('posts an Adaptive Card with the default title and text', async () => {
    await notifyMSTeams(loopbackClient(), teams(), notification(), options());
    const req = server.requests[0]!;
    expect(req.url).toBe('/workflows/abc/triggers/manual/paths/invoke?sig=S1G');
    const body = JSON.parse(req.body);
    expect(body.type).toBe('message');
    expect(body.attachments).toHaveLength(1);
    const card = body.attachments[0];
    expect(card.contentType).toBe('application/vnd.microsoft.card.adaptive');
    expect(card.content).toMatchObject({ type: 'AdaptiveCard', version: '1.4', $schema: 'http://adaptivecards.io/schemas/adaptive-card.json' });
    const [title, text] = card.content.body;
    expect(title).toMatchObject({ type: 'TextBlock', text: '[FIRING:1] HighLatency (api page)', weight: 'Bolder', color: 'Attention', wrap: true });
    expect(text.type).toBe('TextBlock');
    expect(text.text).toContain('# Alerts Firing:');
    expect(text.text).toContain('# Alerts Resolved:');
  });

  it('uses custom templates and colours a resolved group Good', async () => {
    await notifyMSTeams(loopbackClient(), teams(`        title: '{{ .Status | title }}: {{ .CommonLabels.alertname }}'\n        text: '{{ range .Alerts }}{{ .Labels.instance }} {{ end }}'\n`), notification([RESOLVED]), options());
    const [title, text] = JSON.parse(server.requests[0]!.body).attachments[0].content.body;
    expect(title).toMatchObject({ text: 'Resolved: HighLatency', color: 'Good' });
    expect(text.text).toBe('b ');
  });

  it('retries 502 then delivers; 400 is final; private destinations are refused', async () => {
    statuses = [502];
    expect(await notifyMSTeams(loopbackClient(), teams(), notification(), options())).toEqual({ attempts: 2 });
    statuses = [202, 202, 400];
    const err = (await notifyMSTeams(loopbackClient(), teams(), notification(), options()).catch((e) => e)) as DeliveryError;
    expect(err).toMatchObject({ retryable: false, attempts: 1 });
    expect(err.message).not.toContain('S1G');
    const before = server.requests.length;
    await expect(notifyMSTeams(strictClient(), teams(), notification(), options())).rejects.toMatchObject({ retryable: false });
    expect(server.requests).toHaveLength(before);
  });
});
