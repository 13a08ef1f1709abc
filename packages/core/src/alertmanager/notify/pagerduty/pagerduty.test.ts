import { createHash } from 'node:crypto';
import { startTestServer, type TestServer } from '../../../http/testing-server';
import { ManualClock } from '../../../ports/clock';
import { DeliveryError } from '../delivery';
import { GROUP_KEY, loopbackClient, notification, NOW, options, receiverFrom, RESOLVED, strictClient, FIRING } from '../testing';
import { resolvePagerdutyConfig } from './config';
import { notifyPagerduty } from './pagerduty';

describe('pagerduty (Events API v2)', () => {
  let server: TestServer;
  let answers: Array<[number, string, Record<string, string>?]>;
  beforeEach(async () => {
    answers = [];
    server = await startTestServer((_req, res, i) => {
      const [status, body, headers] = answers[i] ?? [202, '{"status":"success","message":"Event processed","dedup_key":"x"}'];
      res.writeHead(status, headers).end(body);
    });
  });
  afterEach(() => server.close());

  const pd = (extra = '') => {
    const { config, receiver } = receiverFrom(`    pagerduty_configs:\n      - routing_key: R0UT1NGKEY0000000000000000000000\n${extra}`, `  pagerduty_url: ${server.url}/v2/enqueue`);
    return resolvePagerdutyConfig((receiver.pagerduty_configs as unknown[])[0], config.global);
  };
  const dedup = createHash('sha256').update(GROUP_KEY).digest('hex');

  it('triggers, then resolves with the same dedup_key', async () => {
    const cfg = pd(`        severity: '{{ if eq .CommonLabels.severity "page" }}critical{{ else }}warning{{ end }}'\n        class: latency\n        component: '{{ .CommonLabels.job }}'\n        group: prod\n        details: { owner: team-x }\n        links: [{ href: 'https://runbooks.example', text: Runbook }]\n`);
    await notifyPagerduty(loopbackClient(), cfg, notification(), options());
    await notifyPagerduty(loopbackClient(), cfg, notification([RESOLVED]), options());
    const [trigger, resolve] = server.requests.map((r) => JSON.parse(r.body));
    expect(server.requests[0]!.url).toBe('/v2/enqueue');
    expect(trigger).toMatchObject({
      routing_key: 'R0UT1NGKEY0000000000000000000000',
      event_action: 'trigger',
      dedup_key: dedup,
      client: 'Vigil',
      client_url: 'http://vigil.example/alertmanager/#/alerts?receiver=team',
      links: [{ href: 'https://runbooks.example', text: 'Runbook' }],
      payload: { summary: '[FIRING:1] HighLatency (api page)', source: 'Vigil', severity: 'critical', class: 'latency', component: 'api', group: 'prod' },
    });
    expect(trigger.payload.custom_details).toMatchObject({ owner: 'team-x', num_firing: '1', num_resolved: '1' });
    expect(trigger.payload.custom_details.firing).toContain(' - instance = a\n');
    expect(trigger.payload.custom_details.resolved).toContain(' - instance = b\n');
    expect(resolve).toMatchObject({ event_action: 'resolve', dedup_key: dedup, payload: { summary: '[RESOLVED] HighLatency (b api page)' } });
  });

  it('retries 429 as PagerDuty asks (Retry-After) and 500, then delivers', async () => {
    answers = [[429, 'throttled', { 'retry-after': '1' }], [500, 'oops']];
    const clock = new ManualClock(NOW);
    expect(await notifyPagerduty(loopbackClient(), pd(), notification([FIRING]), options(clock))).toEqual({ attempts: 3 });
    expect(clock.now() - NOW).toBeGreaterThanOrEqual(1000);
  });

  it('does not retry an invalid event (400) and keeps the routing key out of the error', async () => {
    answers = [[400, '{"status":"invalid event","message":"Event object is invalid","errors":["routing_key R0UT1NGKEY0000000000000000000000 invalid"]}']];
    const err = (await notifyPagerduty(loopbackClient(), pd(), notification(), options()).catch((e) => e)) as DeliveryError;
    expect(err).toBeInstanceOf(DeliveryError);
    expect(err).toMatchObject({ retryable: false, attempts: 1 });
    expect(err.message).toContain('HTTP 400');
    expect(err.message).not.toContain('R0UT1NGKEY');
    expect(err.message).toContain('<secret>');
  });

  it('refuses a private destination', async () => {
    await expect(notifyPagerduty(strictClient(), pd(), notification(), options())).rejects.toMatchObject({ retryable: false });
    expect(server.requests).toHaveLength(0);
  });
});
