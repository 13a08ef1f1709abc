/**
 * The parity corpus: each scenario is an Alertmanager configuration and an alert stream with
 * silences. Intervals are short (1–2 s) and events fall mid-way between group ticks, so the
 * outcome does not hinge on which side's timer fires a few milliseconds first.
 */
import { alert, type Scenario } from './harness';

const hooks = (names: string[], extra: Record<string, string> = {}) =>
  `receivers:\n${names.map((n) => `  - name: ${n}\n    webhook_configs:\n      - url: HOOK/${n}\n${extra[n] ?? ''}`).join('')}`;

/** A root route with 1 s group_wait, 2 s group_interval, plus what the scenario adds. */
function config(opts: { route?: string; receivers?: string[]; receiverExtra?: Record<string, string>; extra?: string; groupBy?: string; timers?: string }): string {
  return `
route:
  receiver: default
  group_by: ${opts.groupBy ?? '[alertname]'}
${opts.timers ?? '  group_wait: 1s\n  group_interval: 2s\n  repeat_interval: 1h'}
${opts.route ?? ''}
${hooks(opts.receivers ?? ['default'], opts.receiverExtra)}
${opts.extra ?? ''}
`;
}

const fire = (...specs: string[]) => specs.map(alert);

export const scenarios: Scenario[] = [
  {
    name: 'single-alert',
    config: config({}),
    steps: [{ at: 0.2, alerts: fire('alertname=A,instance=1') }],
    duration: 3,
  },
  {
    name: 'two-alerts-one-group',
    config: config({}),
    steps: [{ at: 0.2, alerts: fire('alertname=A,instance=1', 'alertname=A,instance=2') }],
    duration: 3,
  },
  {
    name: 'two-groups',
    config: config({}),
    steps: [{ at: 0.2, alerts: fire('alertname=A,instance=1', 'alertname=B,instance=1') }],
    duration: 3,
  },
  {
    name: 'late-joiner-waits-for-group-interval',
    config: config({}),
    // first flush ≈1.2 s; the joiner at 2.2 s is sent with the next tick at ≈3.2 s
    steps: [
      { at: 0.2, alerts: fire('alertname=A,instance=1') },
      { at: 2.2, alerts: fire('alertname=A,instance=2') },
    ],
    duration: 5,
  },
  {
    name: 'joiner-within-group-wait',
    config: config({ timers: '  group_wait: 2s\n  group_interval: 2s\n  repeat_interval: 1h' }),
    steps: [
      { at: 0.2, alerts: fire('alertname=A,instance=1') },
      { at: 1.2, alerts: fire('alertname=A,instance=2') },
    ],
    duration: 4,
  },
  {
    name: 'resolved',
    config: config({}),
    steps: [
      { at: 0.2, alerts: fire('alertname=A,instance=1') },
      { at: 2.2, alerts: fire('!alertname=A,instance=1') },
    ],
    duration: 5,
  },
  {
    name: 'resolved-without-send-resolved',
    config: config({ receiverExtra: { default: '        send_resolved: false\n' } }),
    steps: [
      { at: 0.2, alerts: fire('alertname=A,instance=1') },
      { at: 2.2, alerts: fire('!alertname=A,instance=1') },
    ],
    duration: 5,
  },
  {
    name: 'partial-resolve',
    config: config({}),
    steps: [
      { at: 0.2, alerts: fire('alertname=A,instance=1', 'alertname=A,instance=2') },
      { at: 2.2, alerts: fire('!alertname=A,instance=2') },
    ],
    duration: 5,
  },
  {
    name: 'fired-and-resolved-before-first-flush',
    config: config({ timers: '  group_wait: 2s\n  group_interval: 2s\n  repeat_interval: 1h' }),
    steps: [
      { at: 0.2, alerts: fire('alertname=A,instance=1', 'alertname=A,instance=2') },
      { at: 1.2, alerts: fire('!alertname=A,instance=2') },
    ],
    duration: 4,
  },
  {
    name: 'repeat-interval',
    config: config({ timers: '  group_wait: 1s\n  group_interval: 1s\n  repeat_interval: 2500ms' }),
    steps: [{ at: 0.5, alerts: fire('alertname=A,instance=1') }],
    duration: 9,
  },
  {
    name: 'group-by-all',
    config: config({ groupBy: "['...']" }),
    steps: [{ at: 0.2, alerts: fire('alertname=A,instance=1', 'alertname=A,instance=2') }],
    duration: 3,
  },
  {
    name: 'group-by-nothing',
    config: config({ groupBy: '[]' }),
    steps: [{ at: 0.2, alerts: fire('alertname=A,instance=1', 'alertname=B,instance=2') }],
    duration: 3,
  },
  {
    name: 'nested-route',
    config: config({ receivers: ['default', 'db'], route: '  routes:\n    - receiver: db\n      matchers: [team="db"]' }),
    steps: [{ at: 0.2, alerts: fire('alertname=A,team=db', 'alertname=A,team=web') }],
    duration: 3,
  },
  {
    name: 'continue',
    config: config({
      receivers: ['default', 'pager', 'db'],
      route: '  routes:\n    - receiver: pager\n      matchers: [severity="critical"]\n      continue: true\n    - receiver: db\n      matchers: [team="db"]',
    }),
    steps: [{ at: 0.2, alerts: fire('alertname=A,team=db,severity=critical', 'alertname=B,team=db,severity=warning', 'alertname=C,severity=critical') }],
    duration: 3,
  },
  {
    name: 'first-match-stops',
    config: config({
      receivers: ['default', 'first', 'second'],
      route: '  routes:\n    - receiver: first\n      matchers: [team="db"]\n    - receiver: second\n      matchers: [team=~"d.*"]',
    }),
    steps: [{ at: 0.2, alerts: fire('alertname=A,team=db', 'alertname=A,team=dev') }],
    duration: 3,
  },
  {
    name: 'deep-nesting-inheritance',
    config: config({
      receivers: ['default', 'db', 'db-critical'],
      route: [
        '  routes:',
        '    - receiver: db',
        '      matchers: [team="db"]',
        '      group_by: [alertname, cluster]',
        '      group_wait: 2s',
        '      routes:',
        '        - receiver: db-critical',
        '          matchers: [severity="critical"]',
        '          group_interval: 1s',
      ].join('\n'),
    }),
    steps: [
      { at: 0.2, alerts: fire('alertname=A,team=db,cluster=x', 'alertname=A,team=db,cluster=y', 'alertname=A,team=db,cluster=x,severity=critical') },
      { at: 2.6, alerts: fire('alertname=A,team=db,cluster=x,severity=critical,instance=2') },
    ],
    duration: 5,
  },
  {
    name: 'legacy-match-and-match-re',
    config: config({
      receivers: ['default', 'exact', 'regex'],
      route: '  routes:\n    - receiver: exact\n      match: {service: api}\n    - receiver: regex\n      match_re: {service: "web|front.*"}',
    }),
    steps: [{ at: 0.2, alerts: fire('alertname=A,service=api', 'alertname=A,service=frontend', 'alertname=A,service=webx') }],
    duration: 3,
  },
  {
    name: 'negative-matchers',
    config: config({
      receivers: ['default', 'nonprod'],
      route: '  routes:\n    - receiver: nonprod\n      matchers: [env!="prod", region!~"eu-.*"]',
    }),
    steps: [{ at: 0.2, alerts: fire('alertname=A,env=prod', 'alertname=B,env=dev,region=us-1', 'alertname=C,region=eu-1', 'alertname=D') }],
    duration: 3,
  },
  {
    name: 'two-webhooks-one-receiver',
    config: `
route:
  receiver: both
  group_by: [alertname]
  group_wait: 1s
  group_interval: 2s
receivers:
  - name: both
    webhook_configs:
      - url: HOOK/one
      - url: HOOK/two
        send_resolved: false
`,
    steps: [
      { at: 0.2, alerts: fire('alertname=A') },
      { at: 2.2, alerts: fire('!alertname=A') },
    ],
    duration: 5,
  },
  {
    name: 'inhibition',
    config: config({
      extra: 'inhibit_rules:\n  - source_matchers: [severity="critical"]\n    target_matchers: [severity="warning"]\n    equal: [cluster]',
    }),
    steps: [
      { at: 0.2, alerts: fire('alertname=Down,severity=critical,cluster=a') },
      { at: 0.4, alerts: fire('alertname=Slow,severity=warning,cluster=a', 'alertname=Slow,severity=warning,cluster=b') },
    ],
    duration: 4,
  },
  {
    name: 'inhibition-missing-equal-label',
    config: config({
      extra: 'inhibit_rules:\n  - source_matchers: [severity="critical"]\n    target_matchers: [severity="warning"]\n    equal: [cluster]',
    }),
    steps: [
      { at: 0.2, alerts: fire('alertname=Down,severity=critical') },
      { at: 0.4, alerts: fire('alertname=Slow,severity=warning', 'alertname=Slow,severity=warning,cluster=a') },
    ],
    duration: 4,
  },
  {
    name: 'inhibition-ends-when-source-resolves',
    config: config({
      extra: 'inhibit_rules:\n  - source_match: {severity: critical}\n    target_match_re: {severity: "warn.*"}',
    }),
    steps: [
      { at: 0.2, alerts: fire('alertname=Down,severity=critical', 'alertname=Slow,severity=warning') },
      { at: 2.2, alerts: fire('!alertname=Down,severity=critical') },
    ],
    duration: 6,
  },
  {
    name: 'inhibition-not-by-itself',
    config: config({
      extra: 'inhibit_rules:\n  - source_matchers: [team="db"]\n    target_matchers: [team="db"]',
    }),
    steps: [{ at: 0.2, alerts: fire('alertname=A,team=db', 'alertname=B,team=db') }],
    duration: 3,
  },
  {
    name: 'silence-before-alert',
    config: config({}),
    steps: [
      { at: 0.1, silence: { ref: 's', matchers: [{ name: 'alertname', value: 'A' }] } },
      { at: 0.3, alerts: fire('alertname=A,instance=1', 'alertname=B,instance=1') },
    ],
    duration: 3,
  },
  {
    name: 'silence-mid-stream-then-resolve',
    config: config({}),
    steps: [
      { at: 0.2, alerts: fire('alertname=A,instance=1') },
      { at: 2.0, silence: { ref: 's', matchers: [{ name: 'instance', value: '1' }] } },
      { at: 2.2, alerts: fire('!alertname=A,instance=1') },
    ],
    duration: 5,
  },
  {
    name: 'silence-expired-mid-stream',
    config: config({}),
    steps: [
      { at: 0.1, silence: { ref: 's', matchers: [{ name: 'alertname', value: 'A|B', isRegex: true }] } },
      { at: 0.3, alerts: fire('alertname=A,instance=1') },
      { at: 2.3, expire: 's' },
    ],
    duration: 5,
  },
  {
    name: 'silence-part-of-group',
    config: config({}),
    steps: [
      { at: 0.1, silence: { ref: 's', matchers: [{ name: 'instance', value: '2' }] } },
      { at: 0.3, alerts: fire('alertname=A,instance=1', 'alertname=A,instance=2') },
      { at: 2.3, expire: 's' },
    ],
    duration: 5,
  },
  {
    name: 'mute-time-interval-always',
    config: config({
      receivers: ['default', 'muted'],
      route: '  routes:\n    - receiver: muted\n      matchers: [team="db"]\n      mute_time_intervals: [always]',
      extra: "time_intervals:\n  - name: always\n    time_intervals:\n      - times: [{start_time: '00:00', end_time: '24:00'}]",
    }),
    steps: [{ at: 0.2, alerts: fire('alertname=A,team=db', 'alertname=A,team=web') }],
    duration: 3,
  },
  {
    name: 'mute-time-interval-never',
    config: config({
      receivers: ['default', 'db'],
      route: '  routes:\n    - receiver: db\n      matchers: [team="db"]\n      mute_time_intervals: [past]',
      extra: "mute_time_intervals:\n  - name: past\n    time_intervals:\n      - years: ['2000:2001']",
    }),
    steps: [{ at: 0.2, alerts: fire('alertname=A,team=db') }],
    duration: 3,
  },
  {
    name: 'active-time-intervals',
    config: config({
      receivers: ['default', 'office', 'never'],
      route: [
        '  routes:',
        '    - receiver: office',
        '      matchers: [team="db"]',
        '      active_time_intervals: [every-day]',
        '    - receiver: never',
        '      matchers: [team="web"]',
        '      active_time_intervals: [past]',
      ].join('\n'),
      extra: [
        'time_intervals:',
        '  - name: every-day',
        "    time_intervals: [{weekdays: ['monday:saturday', sunday], days_of_month: ['1:-1'], months: ['january:december'], location: Europe/Berlin}]",
        '  - name: past',
        "    time_intervals: [{years: ['1999']}]",
      ].join('\n'),
    }),
    steps: [{ at: 0.2, alerts: fire('alertname=A,team=db', 'alertname=A,team=web') }],
    duration: 3,
  },
  {
    name: 'group-wait-zero',
    config: config({ timers: '  group_wait: 0s\n  group_interval: 2s\n  repeat_interval: 1h' }),
    steps: [
      { at: 0.2, alerts: fire('alertname=A,instance=1') },
      { at: 1.2, alerts: fire('alertname=A,instance=2') },
    ],
    duration: 4,
  },
  {
    name: 'joiner-then-resolve',
    config: config({ timers: '  group_wait: 1s\n  group_interval: 1s\n  repeat_interval: 1h' }),
    steps: [
      { at: 0.5, alerts: fire('alertname=A,instance=1') },
      { at: 2.0, alerts: fire('alertname=A,instance=2') },
      { at: 4.0, alerts: fire('!alertname=A,instance=2') },
    ],
    duration: 6,
  },
  {
    name: 'silence-negative-regex-matcher',
    config: config({}),
    steps: [
      { at: 0.1, silence: { ref: 's', matchers: [{ name: 'alertname', value: 'A' }, { name: 'instance', value: '1|2', isRegex: true, isEqual: false }] } },
      { at: 0.3, alerts: fire('alertname=A,instance=1', 'alertname=A,instance=2', 'alertname=A,instance=3', 'alertname=A') },
    ],
    duration: 3,
  },
  {
    name: 'silenced-source-still-inhibits',
    config: config({
      extra: 'inhibit_rules:\n  - source_matchers: [severity="critical"]\n    target_matchers: [severity="warning"]',
    }),
    steps: [
      { at: 0.1, silence: { ref: 's', matchers: [{ name: 'severity', value: 'critical' }] } },
      { at: 0.3, alerts: fire('alertname=Down,severity=critical', 'alertname=Slow,severity=warning', 'alertname=Info,severity=info') },
    ],
    duration: 3,
  },
  {
    name: 'refire-after-resolve',
    config: config({}),
    // resolved at ≈3.2 s; the alert fires again at 4.2 s and joins the (now empty) group,
    // which Alertmanager still holds: it is sent with the next tick at ≈5.2 s
    steps: [
      { at: 0.2, alerts: fire('alertname=A,instance=1') },
      { at: 2.2, alerts: fire('!alertname=A,instance=1') },
      { at: 4.2, alerts: fire('alertname=A,instance=1') },
    ],
    duration: 7,
  },
];
