import { ValidationError } from '../../errors';
import { formatAlertmanagerConfig } from './format';
import { parseAlertmanagerConfig } from './parse';
import { redactSecrets } from './secrets';

const FULL = `
global:
  resolve_timeout: 2m
  smtp_smarthost: smtp.example.com:587
  smtp_from: am@example.com
  smtp_auth_username: am
  smtp_auth_password: hunter2
  slack_api_url: https://hooks.slack.com/services/T/B/X
  opsgenie_api_key: og-key
  http_config:
    basic_auth: { username: u, password: global-pass }
templates: ['/etc/am/*.tmpl']
route:
  receiver: default
  group_by: [alertname, cluster]
  routes:
    - matchers: ['severity="page"', 'team=~"db|infra"']
      receiver: pager
      group_wait: 10s
      continue: true
      routes:
        - match: { service: mysql }
          receiver: hooks
          group_by: ['...']
          mute_time_intervals: [offhours]
    - match_re: { service: "^(foo1|foo2)$" }
      receiver: hooks
      active_time_intervals: [business]
      repeat_interval: 1d
receivers:
  - name: default
    email_configs:
      - to: ops@example.com
        auth_password: mail-secret
  - name: pager
    pagerduty_configs:
      - routing_key: pd-routing
    slack_configs:
      - channel: '#alerts'
    opsgenie_configs:
      - api_key: og-own
    msteams_configs:
      - webhook_url: https://outlook.office.com/webhook/abc
    sns_configs:
      - topic_arn: arn:aws:sns:us-east-1:123:t
        sigv4: { region: us-east-1, access_key: AK, secret_key: SK }
  - name: hooks
    webhook_configs:
      - url: https://hooks.example.com/am
        max_alerts: 5
        send_resolved: false
        http_config:
          authorization: { credentials: tok-123 }
      - url: http://other.example.com/am
inhibit_rules:
  - source_matchers: ['severity="critical"']
    target_matchers: ['severity=~"warning|info"']
    equal: [alertname, cluster]
  - source_match: { severity: critical }
    target_match_re: { severity: "warn.*" }
time_intervals:
  - name: business
    time_intervals:
      - weekdays: ['monday:friday']
        times: [{ start_time: '09:00', end_time: '17:00' }]
        location: Europe/Berlin
mute_time_intervals:
  - name: offhours
    time_intervals:
      - days_of_month: ['1:5', '-3:-1']
        months: ['january:march', '12']
        years: ['2024:2030']
`;

function issuesOf(yaml: string): Array<{ path: string; message: string }> {
  try {
    parseAlertmanagerConfig(yaml);
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    return (err as ValidationError).issues;
  }
  throw new Error('expected a ValidationError');
}

const MIN = (rest = '') => `route:\n  receiver: r\nreceivers:\n  - name: r\n${rest}`;

describe('parseAlertmanagerConfig', () => {
  it('reads a full configuration with defaults', () => {
    const c = parseAlertmanagerConfig(FULL);
    expect(c.global.resolve_timeout).toBe(120_000);
    expect(c.global.smtp_require_tls).toBe(true);
    expect(c.global.pagerduty_url).toBe('https://events.pagerduty.com/v2/enqueue');
    expect(c.route.group_wait).toBe(30_000);
    expect(c.route.group_interval).toBe(300_000);
    expect(c.route.repeat_interval).toBe(4 * 3_600_000);
    expect(c.route.routes?.[0]?.group_wait).toBe(10_000);
    expect(c.route.routes?.[0]?.group_interval).toBeUndefined(); // inherited later, in dispatch
    expect(c.route.routes?.[0]?.continue).toBe(true);
    expect(c.route.routes?.[1]?.repeat_interval).toBe(86_400_000);
    expect(c.route.routes?.[0]?.routes?.[0]?.group_by).toEqual(['...']);
    const hooks = c.receivers.find((r) => r.name === 'hooks')!;
    expect(hooks.webhook_configs?.[0]).toMatchObject({ url: 'https://hooks.example.com/am', max_alerts: 5, send_resolved: false });
    expect(hooks.webhook_configs?.[0]?.http_config?.authorization).toEqual({ type: 'Bearer', credentials: 'tok-123' });
    // Without its own http_config a webhook takes the global one, as in Alertmanager.
    expect(hooks.webhook_configs?.[1]).toMatchObject({ send_resolved: true, max_alerts: 0 });
    expect(hooks.webhook_configs?.[1]?.http_config?.basic_auth?.password).toBe('global-pass');
    expect(c.receivers.find((r) => r.name === 'pager')?.pagerduty_configs?.[0]).toEqual({ routing_key: 'pd-routing' });
    expect(c.inhibit_rules).toHaveLength(2);
    expect(c.templates).toEqual(['/etc/am/*.tmpl']);
    expect(c.time_intervals[0]?.name).toBe('business');
  });

  it('accepts a minimal configuration and an empty global', () => {
    const c = parseAlertmanagerConfig(MIN());
    expect(c.global.resolve_timeout).toBe(300_000);
    expect(c.route.receiver).toBe('r');
    expect(c.inhibit_rules).toEqual([]);
  });

  it('reports field paths for bad durations', () => {
    const issues = issuesOf(`route:\n  receiver: r\n  routes:\n    - receiver: r\n      group_wait: 30\nreceivers:\n  - name: r\n`);
    expect(issues).toEqual([{ path: 'route.routes[0].group_wait', message: 'not a valid duration string: "30"' }]);
  });

  it('refuses zero group_interval and repeat_interval', () => {
    expect(issuesOf(`route:\n  receiver: r\n  group_interval: 0s\nreceivers:\n  - name: r\n`)[0]).toEqual({ path: 'route.group_interval', message: 'group_interval cannot be zero' });
    expect(issuesOf(`route:\n  receiver: r\n  repeat_interval: 0\nreceivers:\n  - name: r\n`)[0]?.message).toBe('repeat_interval cannot be zero');
  });

  it('refuses unknown keys at the top level, in routes and in webhooks', () => {
    expect(issuesOf(MIN('tracing: {}\n'))).toEqual([{ path: 'tracing', message: 'field tracing not found' }]);
    expect(issuesOf(`route:\n  receiver: r\n  routes:\n    - recevier: r\nreceivers:\n  - name: r\n`)).toEqual([{ path: 'route.routes[0].recevier', message: 'field recevier not found' }]);
    expect(issuesOf(MIN(`    webhook_configs:\n      - url: http://x.example\n        timeout: 5s\n`))[0]?.path).toBe('receivers[0].webhook_configs[0].timeout');
  });

  it('checks the root route', () => {
    expect(issuesOf(`route: {}\nreceivers: [{name: r}]\n`)).toContainEqual({ path: 'route.receiver', message: 'root route must specify a default receiver' });
    expect(issuesOf(`route:\n  receiver: r\n  matchers: ['a="b"']\nreceivers: [{name: r}]\n`)).toContainEqual({ path: 'route', message: 'root route must not have any matchers' });
    expect(issuesOf(`route:\n  receiver: r\n  match: {a: b}\nreceivers: [{name: r}]\n`)).toContainEqual({ path: 'route', message: 'root route must not have any matchers' });
    expect(issuesOf(`receivers: [{name: r}]\n`)).toEqual([{ path: 'route', message: 'no routes provided' }]);
    expect(issuesOf('')).toEqual([{ path: 'route', message: 'no routes provided' }]);
  });

  it('checks references and unique names', () => {
    const issues = issuesOf(`
route:
  receiver: r
  routes:
    - receiver: nope
      mute_time_intervals: [missing]
receivers:
  - name: r
  - name: r
time_intervals:
  - name: t
    time_intervals: []
mute_time_intervals:
  - name: t
    time_intervals: []
`);
    expect(issues).toEqual(
      expect.arrayContaining([
        { path: 'receivers[1].name', message: 'notification config name "r" is not unique' },
        { path: 'time_intervals[0].name', message: 'time interval "t" is not unique' },
        { path: 'route.routes[0].receiver', message: 'undefined receiver "nope" used in route' },
        { path: 'route.routes[0].mute_time_intervals[0]', message: 'undefined time interval "missing" used in route' },
      ]),
    );
  });

  it('checks matchers, regexes and label names', () => {
    expect(issuesOf(`route:\n  receiver: r\n  routes:\n    - matchers: ['foo']\nreceivers: [{name: r}]\n`)[0]).toEqual({
      path: 'route.routes[0].matchers[0]',
      message: 'bad matcher format: foo',
    });
    expect(issuesOf(`route:\n  receiver: r\n  routes:\n    - match_re: {a: "(?<=x)y"}\nreceivers: [{name: r}]\n`)[0]?.path).toBe('route.routes[0].match_re.a');
    expect(issuesOf(`route:\n  receiver: r\n  routes:\n    - match: {'a-b': x}\nreceivers: [{name: r}]\n`)).toEqual([
      { path: 'route.routes[0].match.a-b', message: '"a-b" is not a valid label name' },
    ]);
    expect(issuesOf(`route:\n  receiver: r\n  group_wait: true\nreceivers: [{name: r}]\n`)[0]?.message).toMatch(/expected a duration/);
    expect(issuesOf(`route:\n  receiver: r\n  group_by: ['...', a]\nreceivers: [{name: r}]\n`)[0]?.message).toMatch(/wildcard group_by/);
    expect(issuesOf(`route:\n  receiver: r\n  group_by: ['a-b']\nreceivers: [{name: r}]\n`)[0]?.path).toBe('route.group_by[0]');
    expect(issuesOf(MIN(`inhibit_rules:\n  - equal: ['bad-name']\n`))[0]?.path).toBe('inhibit_rules[0].equal[0]');
    expect(issuesOf(MIN(`inhibit_rules:\n  - target_matchers: ['a=~"("']\n`))[0]?.path).toBe('inhibit_rules[0].target_matchers[0]');
  });

  it('checks webhook and http_config settings', () => {
    expect(issuesOf(MIN(`    webhook_configs:\n      - send_resolved: true\n`))[0]).toEqual({
      path: 'receivers[0].webhook_configs[0].url',
      message: 'one of url or url_file must be configured',
    });
    expect(issuesOf(MIN(`    webhook_configs:\n      - url: ftp://x.example/\n`))[0]?.message).toBe('unsupported scheme "ftp" for URL');
    expect(issuesOf(MIN(`    webhook_configs:\n      - url: http://x.example/\n        max_alerts: -1\n`))[0]?.path).toBe('receivers[0].webhook_configs[0].max_alerts');
    expect(
      issuesOf(MIN(`    webhook_configs:\n      - url: http://x.example/\n        http_config:\n          bearer_token: a\n          basic_auth: {username: u, password: p}\n`))[0]?.message,
    ).toMatch(/at most one of/);
    expect(issuesOf(MIN(`    webhook_configs:\n      - url: http://x.example/\n        http_config:\n          authorization: {type: Basic, credentials: x}\n`))[0]?.path).toBe(
      'receivers[0].webhook_configs[0].http_config.authorization.type',
    );
    expect(issuesOf(MIN(`    slack_configs:\n      - channel: x\n`))[0]).toEqual({ path: 'receivers[0].slack_configs[0]', message: 'no global Slack API URL set' });
    expect(issuesOf(MIN(`    slack_configs:\n      - api_url: https://x.example\n        http_config: {bearer_token: a, oauth2: {client_id: c, token_url: 'https://t.example'}}\n`))[0]?.path).toBe(
      'receivers[0].slack_configs[0].http_config',
    );
  });

  it('validates time intervals', () => {
    const bad = (ti: string) => issuesOf(MIN(`time_intervals:\n  - name: t\n    time_intervals:\n      - ${ti}\n`));
    expect(bad(`times: [{start_time: '17:00', end_time: '09:00'}]`)[0]?.message).toMatch(/start time/);
    expect(bad(`times: [{start_time: '25:00', end_time: '26:00'}]`)[0]?.path).toBe('time_intervals[0].time_intervals[0].times[0].start_time');
    expect(bad(`weekdays: ['funday']`)[0]?.path).toBe('time_intervals[0].time_intervals[0].weekdays[0]');
    expect(bad(`weekdays: ['friday:monday']`)).toHaveLength(1);
    expect(bad(`days_of_month: ['0']`)).toHaveLength(1);
    expect(bad(`months: ['13']`)).toHaveLength(1);
    expect(bad(`location: Mars/Olympus`)[0]?.message).toMatch(/time zone/);
    expect(bad(`hours: [1]`)[0]?.path).toBe('time_intervals[0].time_intervals[0].hours');
    expect(() => parseAlertmanagerConfig(MIN(`time_intervals:\n  - name: t\n    time_intervals:\n      - times: [{start_time: '00:00', end_time: '24:00'}]\n        days_of_month: ['-7:-1', '1', '3:-1']\n        location: Local\n`))).not.toThrow();
  });

  it('refuses every *_file field, anywhere', () => {
    const issues = issuesOf(`
global:
  slack_api_url_file: /etc/secret
  http_config:
    tls_config: { ca_file: /etc/ca.pem, cert_file: /c, key_file: /k }
route: { receiver: r }
receivers:
  - name: r
    webhook_configs:
      - url_file: /etc/passwd
        http_config:
          basic_auth: { username: u, password_file: /etc/shadow }
          authorization: { credentials_file: /x }
    slack_configs:
      - api_url_file: /y
        http_config: { bearer_token_file: /z }
    opsgenie_configs:
      - api_key_file: /k
    email_configs:
      - to: a@b
        auth_password_file: /p
`);
    const paths = issues.map((i) => i.path).sort();
    expect(paths).toEqual(
      [
        'global.slack_api_url_file',
        'global.http_config.tls_config.ca_file',
        'global.http_config.tls_config.cert_file',
        'global.http_config.tls_config.key_file',
        'receivers[0].webhook_configs[0].url_file',
        'receivers[0].webhook_configs[0].http_config.basic_auth.password_file',
        'receivers[0].webhook_configs[0].http_config.authorization.credentials_file',
        'receivers[0].slack_configs[0].api_url_file',
        'receivers[0].slack_configs[0].http_config.bearer_token_file',
        'receivers[0].opsgenie_configs[0].api_key_file',
        'receivers[0].email_configs[0].auth_password_file',
      ].sort(),
    );
    expect(issues[0]?.message).toMatch(/_file is not allowed in a tenant configuration$/);
  });

  it('treats YAML as data', () => {
    expect(() => parseAlertmanagerConfig('route: !!js/function "x"')).toThrow(ValidationError);
    expect(() => parseAlertmanagerConfig('- a\n- b\n')).toThrow('configuration must be a YAML mapping');
  });
});

describe('redactSecrets', () => {
  it('replaces every secret with <secret> and leaves the original untouched', () => {
    const c = parseAlertmanagerConfig(FULL);
    const r = redactSecrets(c);
    expect(r.global.smtp_auth_password).toBe('<secret>');
    expect(r.global.slack_api_url).toBe('<secret>');
    expect(r.global.opsgenie_api_key).toBe('<secret>');
    expect(r.global.http_config?.basic_auth).toEqual({ username: 'u', password: '<secret>' });
    const hooks = r.receivers.find((x) => x.name === 'hooks')!;
    expect(hooks.webhook_configs?.[0]?.url).toBe('https://hooks.example.com/am'); // not secret in 0.25
    expect(hooks.webhook_configs?.[0]?.http_config?.authorization?.credentials).toBe('<secret>');
    const pager = r.receivers.find((x) => x.name === 'pager')!;
    expect(pager.pagerduty_configs?.[0]?.routing_key).toBe('<secret>');
    expect(pager.opsgenie_configs?.[0]?.api_key).toBe('<secret>');
    expect(pager.msteams_configs?.[0]?.webhook_url).toBe('<secret>');
    expect((pager.sns_configs?.[0]?.sigv4 as Record<string, string>).secret_key).toBe('<secret>');
    expect(r.receivers[0]?.email_configs?.[0]?.auth_password).toBe('<secret>');
    expect(c.global.smtp_auth_password).toBe('hunter2');

    const text = formatAlertmanagerConfig(c);
    for (const secret of ['hunter2', 'global-pass', 'tok-123', 'pd-routing', 'og-key', 'og-own', 'mail-secret', 'SK', 'hooks.slack.com', 'outlook.office.com']) {
      expect(text).not.toContain(secret);
    }
    expect(text).toContain('group_wait: 10s');
    expect(text).toContain('resolve_timeout: 2m');
    expect(text).toContain('repeat_interval: 1d');
  });

  it('formats back to YAML that parses to the same configuration', () => {
    const c = parseAlertmanagerConfig(FULL);
    expect(parseAlertmanagerConfig(formatAlertmanagerConfig(c, { redact: false }))).toEqual(c);
  });
});
