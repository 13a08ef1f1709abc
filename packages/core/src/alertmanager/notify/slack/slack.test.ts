import { startTestServer, type TestServer } from '../../../http/testing-server';
import { ManualClock } from '../../../ports/clock';
import { DeliveryError } from '../delivery';
import { loopbackClient, notification, NOW, options, receiverFrom, RESOLVED, strictClient } from '../testing';
import { resolveSlackConfig } from './config';
import { notifySlack } from './slack';

describe('slack', () => {
  let server: TestServer;
  let answers: Array<[number, string] | 'hang'>;
  beforeEach(async () => {
    answers = [];
    server = await startTestServer((_req, res, i) => {
      const a = answers[i] ?? [200, 'ok'];
      if (a === 'hang') return;
      res.writeHead(a[0]).end(a[1]);
    });
  });
  afterEach(() => server.close());

  const SECRET_PATH = '/services/T000/B000/s3cr3tT0ken';
  const slack = (extra = '') => {
    const { config, receiver } = receiverFrom(`    slack_configs:\n      - channel: '#ops'\n${extra}`, `  slack_api_url: ${server.url}${SECRET_PATH}`);
    return resolveSlackConfig((receiver.slack_configs as unknown[])[0], config.global);
  };

  it('posts Block Kit blocks and the Alertmanager attachment to the global api_url', async () => {
    const cfg = slack(`        fields:\n          - { title: Instance, value: '{{ (index .Alerts 0).Labels.instance }}' }\n        text: "{{ range .Alerts }}*{{ .Labels.instance }}* {{ .Annotations.summary }}\\n{{ end }}"\n        actions:\n          - { type: button, text: Runbook, url: 'https://runbooks.example/{{ .CommonLabels.alertname }}' }\n`);
    const result = await notifySlack(loopbackClient(), cfg, notification(), options());
    expect(result).toEqual({ attempts: 1 });
    const req = server.requests[0]!;
    expect(req.url).toBe(SECRET_PATH);
    expect(req.headers['content-type']).toBe('application/json');
    const body = JSON.parse(req.body);
    const title = '[FIRING:1] HighLatency (api page)';
    const link = 'http://vigil.example/alertmanager/#/alerts?receiver=team';
    expect(body).toMatchObject({ channel: '#ops', username: 'Vigil', text: `${title} | ${link}` });
    expect(body.blocks).toEqual([
      { type: 'header', text: { type: 'plain_text', text: title, emoji: true } },
      { type: 'section', text: { type: 'mrkdwn', text: '*a* p99 high\n*b* p99 high\n' } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: `<${link}|${title}>` }] },
    ]);
    expect(body.attachments).toEqual([
      {
        color: 'danger',
        fallback: `${title} | ${link}`,
        fields: [{ title: 'Instance', value: 'a', short: false }],
        actions: [{ type: 'button', text: 'Runbook', url: 'https://runbooks.example/HighLatency' }],
        mrkdwn_in: ['fallback', 'pretext', 'text'],
      },
    ]);
  });

  it('colours a resolved group good', async () => {
    await notifySlack(loopbackClient(), slack(), notification([RESOLVED]), options());
    expect(JSON.parse(server.requests[0]!.body).attachments[0].color).toBe('good');
  });

  it('retries 500 and 429, then delivers', async () => {
    answers = [[500, 'rollup_error'], [429, 'rate limited']];
    const clock = new ManualClock(NOW);
    expect(await notifySlack(loopbackClient(), slack(), notification(), options(clock))).toEqual({ attempts: 3 });
    expect(server.requests).toHaveLength(3);
    expect(clock.now()).toBeGreaterThan(NOW);
  });

  it('does not retry a 400, nor an ok:false answer, and keeps the URL out of the error', async () => {
    answers = [[400, 'invalid_payload']];
    const err = (await notifySlack(loopbackClient(), slack(), notification(), options()).catch((e) => e)) as DeliveryError;
    expect(err).toBeInstanceOf(DeliveryError);
    expect(err).toMatchObject({ retryable: false, attempts: 1 });
    expect(err.message).toBe('slack failed after 1 attempt: HTTP 400: invalid_payload');
    answers = [[200, '{"ok":false,"error":"invalid_auth"}']];
    server.requests.length = 0;
    await expect(notifySlack(loopbackClient(), slack(), notification(), options())).rejects.toMatchObject({ retryable: false, message: expect.stringContaining('invalid_auth') });
    expect(server.requests).toHaveLength(1);
  });

  it('times out each attempt and reports the failure as retryable', async () => {
    answers = ['hang', 'hang'];
    const err = (await notifySlack(loopbackClient(), slack(), notification(), options(new ManualClock(NOW), { timeoutMs: 100, retry: { maxAttempts: 2, baseMs: 1, capMs: 1, clock: new ManualClock(NOW) } })).catch((e) => e)) as DeliveryError;
    expect(err).toMatchObject({ retryable: true, attempts: 2 });
    expect(err.message).toMatch(/timed out after 100 ms/);
    expect(err.message).not.toContain('s3cr3tT0ken');
  });

  it('refuses a loopback api_url without an allow entry, without retrying', async () => {
    const err = (await notifySlack(strictClient(), slack(), notification(), options()).catch((e) => e)) as DeliveryError;
    expect(err).toMatchObject({ retryable: false, attempts: 1 });
    expect(err.message).toMatch(/refused: 127\.0\.0\.1 is a loopback address/);
    expect(server.requests).toHaveLength(0);
  });
});
