import { ValidationError } from '../../errors';
import { parseAlertmanagerConfig } from '../config';
import { resolveEmailConfig } from './email/config';
import { resolvePagerdutyConfig } from './pagerduty/config';
import { resolveSlackConfig } from './slack/config';

function issuesOf(receiverYaml: string, global = ''): Array<{ path: string; message: string }> {
  try {
    parseAlertmanagerConfig(`${global}route: { receiver: r }\nreceivers:\n  - name: r\n${receiverYaml}`);
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    return (err as ValidationError).issues;
  }
  return [];
}

describe('receiver config schemas at upload', () => {
  it('refuses unknown fields and wrong types with their paths', () => {
    expect(issuesOf(`    slack_configs:\n      - api_url: https://hooks.example/x\n        colour: red\n        short_fields: 'yes'\n`)).toEqual([
      { path: 'receivers[0].slack_configs[0].short_fields', message: expect.stringContaining('expected boolean') },
      { path: 'receivers[0].slack_configs[0].colour', message: 'field colour not found' },
    ]);
    expect(issuesOf(`    pagerduty_configs:\n      - routing_key: k\n        url: ftp://x\n`)).toEqual([{ path: 'receivers[0].pagerduty_configs[0].url', message: 'unsupported scheme "ftp" for URL' }]);
    expect(issuesOf(`    opsgenie_configs:\n      - api_key: k\n        responders: [{ type: squad, name: x }]\n`)[0]).toMatchObject({ path: 'receivers[0].opsgenie_configs[0].responders[0].type' });
    expect(issuesOf(`    msteams_configs:\n      - title: x\n`)).toEqual([{ path: 'receivers[0].msteams_configs[0].webhook_url', message: 'one of webhook_url or webhook_url_file must be configured' }]);
    expect(issuesOf(`    email_configs:\n      - to: a@example\n        smarthost: mail.example\n`, 'global: { smtp_from: x@example }\n')).toEqual([{ path: 'receivers[0].email_configs[0].smarthost', message: 'address mail.example: missing port in address' }]);
  });

  it('refuses template syntax errors in template fields, with line and column', () => {
    expect(issuesOf(`    slack_configs:\n      - api_url: https://hooks.example/x\n        title: '{{ .Status | }}'\n`)).toEqual([
      { path: 'receivers[0].slack_configs[0].title', message: 'template: line 1, column 1: missing command after |' },
    ]);
  });

  it("refuses SNS settings that would use the server's own AWS identity", () => {
    const paths = issuesOf(`    sns_configs:\n      - topic_arn: 'arn:aws:sns:us-east-1:1:t'\n        sigv4: { profile: prod, role_arn: 'arn:aws:iam::1:role/x' }\n`).map((i) => i.path);
    expect(paths).toEqual(['receivers[0].sns_configs[0].sigv4.profile', 'receivers[0].sns_configs[0].sigv4.role_arn', 'receivers[0].sns_configs[0].sigv4']);
    expect(issuesOf(`    pagerduty_configs:\n      - service_key: v1\n`)).toEqual([{ path: 'receivers[0].pagerduty_configs[0].service_key', message: expect.stringContaining('not supported') }]);
  });
});

describe('resolving receiver configs as Alertmanager does at load', () => {
  const config = parseAlertmanagerConfig(`
global:
  slack_api_url: https://hooks.slack.example/g
  smtp_smarthost: smtp.example:587
  smtp_from: am@example.com
  smtp_auth_username: am
  smtp_auth_password: pw
  smtp_require_tls: false
  http_config: { bearer_token: t }
route: { receiver: r }
receivers:
  - name: r
    slack_configs: [{ channel: '#a' }]
    email_configs: [{ to: ops@example.com, headers: { subject: 'custom', x-a: b } }]
    pagerduty_configs: [{ routing_key: k, details: { firing: mine, extra: x } }]
`);
  const r = config.receivers[0] as unknown as Record<string, unknown[]>;

  it('takes global settings and fills Alertmanager defaults', () => {
    const slack = resolveSlackConfig(r.slack_configs![0], config.global);
    expect(slack).toMatchObject({ api_url: 'https://hooks.slack.example/g', send_resolved: false, title: '{{ template "slack.default.title" . }}', mrkdwn_in: ['fallback', 'pretext', 'text'] });
    expect(slack.http_config?.bearer_token).toBe('t');
    const email = resolveEmailConfig(r.email_configs![0], config.global);
    expect(email).toMatchObject({ smarthost: 'smtp.example:587', from: 'am@example.com', auth_username: 'am', auth_password: 'pw', require_tls: false, hello: 'localhost', send_resolved: false });
    expect(email.headers).toEqual({ Subject: 'custom', 'X-A': 'b', To: 'ops@example.com', From: 'am@example.com' });
    const pd = resolvePagerdutyConfig(r.pagerduty_configs![0], config.global);
    expect(pd).toMatchObject({ url: 'https://events.pagerduty.com/v2/enqueue', severity: 'error', send_resolved: true });
    expect(pd.details).toEqual({ firing: 'mine', extra: 'x', resolved: '{{ template "pagerduty.default.instances" .Alerts.Resolved }}', num_firing: '{{ .Alerts.Firing | len }}', num_resolved: '{{ .Alerts.Resolved | len }}' });
  });
});
