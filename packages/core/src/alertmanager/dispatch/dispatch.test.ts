import { parseAlertmanagerConfig } from '../config';
import { buildRouteTree, matchRoutes, walkRouteTree, type RouteMatch } from './route';
import { compareAlertLabels, formatLabelSet, groupKey, groupLabels, sortAlertsForNotification } from './group';

// The routing tree of Alertmanager's own route tests.
const TREE = `
route:
  receiver: notify-def
  routes:
    - match: { owner: team-A }
      receiver: notify-A
      routes:
        - match: { env: testing }
          receiver: notify-testing
          group_by: ['...']
        - match: { env: production }
          receiver: notify-productionA
          group_wait: 1m
          continue: true
        - match_re: { env: "produ.*", job: ".*" }
          receiver: notify-productionB
          group_wait: 30s
          group_interval: 5m
          repeat_interval: 1h
          group_by: [job]
    - match_re: { owner: 'team-(B|C)' }
      group_by: [foo, bar]
      group_wait: 2m
      receiver: notify-BC
    - match: { group_by: role }
      group_by: [role]
      routes:
        - match: { env: testing }
          receiver: notify-testing
          routes:
            - match: { wait: long }
              group_wait: 2m
receivers:
  - name: notify-def
  - name: notify-A
  - name: notify-testing
  - name: notify-productionA
  - name: notify-productionB
  - name: notify-BC
`;

const config = parseAlertmanagerConfig(TREE);
const tree = buildRouteTree(config.route);

const summary = (ms: RouteMatch[]) =>
  ms.map((m) => ({ receiver: m.receiver, key: m.routeKey, groupBy: m.groupBy, all: m.groupByAll, wait: m.groupWait, interval: m.groupInterval, repeat: m.repeatInterval }));

const S = 1000;
const M = 60 * S;
const H = 60 * M;

describe('matchRoutes', () => {
  it.each<[Record<string, string>, ReturnType<typeof summary>]>([
    [{ owner: 'team-A' }, [{ receiver: 'notify-A', key: '{}/{owner="team-A"}', groupBy: [], all: false, wait: 30 * S, interval: 5 * M, repeat: 4 * H }]],
    [{ owner: 'team-A', env: 'unset' }, [{ receiver: 'notify-A', key: '{}/{owner="team-A"}', groupBy: [], all: false, wait: 30 * S, interval: 5 * M, repeat: 4 * H }]],
    [{ owner: 'team-C' }, [{ receiver: 'notify-BC', key: '{}/{owner=~"^(?:team-(B|C))$"}', groupBy: ['bar', 'foo'], all: false, wait: 2 * M, interval: 5 * M, repeat: 4 * H }]],
    [{ owner: 'team-A', env: 'testing' }, [{ receiver: 'notify-testing', key: '{}/{owner="team-A"}/{env="testing"}', groupBy: [], all: true, wait: 30 * S, interval: 5 * M, repeat: 4 * H }]],
    [
      { owner: 'team-A', env: 'production' },
      [
        { receiver: 'notify-productionA', key: '{}/{owner="team-A"}/{env="production"}', groupBy: [], all: false, wait: 1 * M, interval: 5 * M, repeat: 4 * H },
        { receiver: 'notify-productionB', key: '{}/{owner="team-A"}/{env=~"^(?:produ.*)$",job=~"^(?:.*)$"}', groupBy: ['job'], all: false, wait: 30 * S, interval: 5 * M, repeat: 1 * H },
      ],
    ],
    [{ group_by: 'role' }, [{ receiver: 'notify-def', key: '{}/{group_by="role"}', groupBy: ['role'], all: false, wait: 30 * S, interval: 5 * M, repeat: 4 * H }]],
    [{ group_by: 'role', env: 'testing' }, [{ receiver: 'notify-testing', key: '{}/{group_by="role"}/{env="testing"}', groupBy: ['role'], all: false, wait: 30 * S, interval: 5 * M, repeat: 4 * H }]],
    [
      { group_by: 'role', env: 'testing', wait: 'long' },
      [{ receiver: 'notify-testing', key: '{}/{group_by="role"}/{env="testing"}/{wait="long"}', groupBy: ['role'], all: false, wait: 2 * M, interval: 5 * M, repeat: 4 * H }],
    ],
    [{ alertname: 'Other' }, [{ receiver: 'notify-def', key: '{}', groupBy: [], all: false, wait: 30 * S, interval: 5 * M, repeat: 4 * H }]],
  ])('%j', (labels, expected) => {
    expect(summary(matchRoutes(tree, labels))).toEqual(expected);
  });

  it('gives every node a unique id with its sibling position', () => {
    const ids: string[] = [];
    walkRouteTree(tree, (r) => ids.push(r.id));
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toContain('{}');
    expect(ids).toContain('{}/{owner="team-A"}/0/{env="production"}/1');
    expect(matchRoutes(tree, { owner: 'team-A', env: 'production' }).map((m) => m.routeId)).toEqual([
      '{}/{owner="team-A"}/0/{env="production"}/1',
      '{}/{owner="team-A"}/0/{env=~"^(?:produ.*)$",job=~"^(?:.*)$"}/2',
    ]);
  });

  it('accepts a route config directly', () => {
    expect(matchRoutes(config.route, { owner: 'team-C' })[0]?.receiver).toBe('notify-BC');
  });

  it('reads continue on the child it descended into, and falls back to the parent', () => {
    const c = parseAlertmanagerConfig(`
route:
  receiver: root
  group_by: [alertname]
  routes:
    - matchers: ['team="db"']
      receiver: db
      continue: true
      routes:
        - matchers: ['severity="page"']
          receiver: db-pager
    - matchers: ['severity=~"page|critical"']
      receiver: pager
      group_by: []
      mute_time_intervals: [night]
      routes:
        - matchers: ['env="dev"']
          receiver: dev
    - matchers: ['team="db"']
      receiver: never
receivers: [{name: root}, {name: db}, {name: db-pager}, {name: pager}, {name: dev}, {name: never}]
time_intervals: [{name: night, time_intervals: []}]
`);
    const recv = (labels: Record<string, string>) => matchRoutes(c.route, labels).map((m) => m.receiver);
    expect(recv({ team: 'db', severity: 'page' })).toEqual(['db-pager', 'pager']);
    expect(recv({ team: 'db', severity: 'info' })).toEqual(['db', 'never']);
    expect(recv({ severity: 'critical' })).toEqual(['pager']);
    expect(recv({ team: 'web' })).toEqual(['root']);
    const dev = matchRoutes(c.route, { severity: 'page', env: 'dev' })[0]!;
    expect(dev.receiver).toBe('dev');
    // group_by: [] sets no names, so grouping is inherited; mute intervals are not inherited.
    expect(dev.groupBy).toEqual(['alertname']);
    expect(dev.muteTimeIntervals).toEqual([]);
    expect(matchRoutes(c.route, { severity: 'page' })[0]?.muteTimeIntervals).toEqual(['night']);
  });

  it('sorts a route\'s matchers from match, match_re and matchers together', () => {
    const c = parseAlertmanagerConfig(`
route:
  receiver: r
  routes:
    - match: { z: "1" }
      match_re: { a: "x|y" }
      matchers: ['m!="q"', 'a="x"']
receivers: [{name: r}]
`);
    expect(matchRoutes(c.route, { z: '1', a: 'x', m: 'p' })[0]?.routeKey).toBe('{}/{a=~"^(?:x|y)$",a="x",m!="q",z="1"}');
  });

  it('group_by ... on a child overrides named grouping, and named grouping overrides ... below it', () => {
    const c = parseAlertmanagerConfig(`
route:
  receiver: r
  group_by: ['...']
  routes:
    - matchers: ['a="1"']
      group_by: [b]
      routes:
        - matchers: ['c="1"']
          group_by: ['...']
receivers: [{name: r}]
`);
    expect(matchRoutes(c.route, {})[0]).toMatchObject({ groupByAll: true, groupBy: [] });
    expect(matchRoutes(c.route, { a: '1' })[0]).toMatchObject({ groupByAll: false, groupBy: ['b'] });
    expect(matchRoutes(c.route, { a: '1', c: '1' })[0]).toMatchObject({ groupByAll: true, groupBy: ['b'] });
  });
});

describe('groupLabels and groupKey', () => {
  const alert = { alertname: 'HighLatency', job: 'api', instance: 'a:9090', owner: 'team-A', env: 'production' };

  it('keeps only grouping labels, or all under ...', () => {
    const [a, b] = matchRoutes(tree, alert);
    expect(groupLabels(a!, alert)).toEqual({});
    expect(groupLabels(b!, alert)).toEqual({ job: 'api' });
    const all = matchRoutes(tree, { ...alert, env: 'testing' })[0]!;
    expect(groupLabels(all, { ...alert, env: 'testing' })).toEqual({ ...alert, env: 'testing' });
    expect(groupLabels({ groupBy: ['missing', 'job'], groupByAll: false }, alert)).toEqual({ job: 'api' });
  });

  it('prints the key exactly as Alertmanager does', () => {
    expect(groupKey('{}/{severity="page"}', { alertname: 'X' })).toBe('{}/{severity="page"}:{alertname="X"}');
    expect(groupKey('{}', {})).toBe('{}:{}');
    expect(groupKey('{}/{env=~"produ.*",job=~".*"}', { job: 'api', alertname: 'A "quoted"\n' })).toBe(
      '{}/{env=~"produ.*",job=~".*"}:{alertname="A \\"quoted\\"\\n", job="api"}',
    );
    const [, b] = matchRoutes(tree, alert);
    expect(groupKey(b!.routeKey, groupLabels(b!, alert))).toBe('{}/{owner="team-A"}/{env=~"^(?:produ.*)$",job=~"^(?:.*)$"}:{job="api"}');
    expect(formatLabelSet({ b: '2', a: '1' })).toBe('{a="1", b="2"}');
  });
});

describe('notification order', () => {
  it('sorts by job, then instance, then label set', () => {
    const alerts: Array<{ labels: Record<string, string> }> = [
      { labels: { alertname: 'B' } },
      { labels: { alertname: 'A', job: 'z' } },
      { labels: { alertname: 'A', job: 'a', instance: '2' } },
      { labels: { alertname: 'A', job: 'a', instance: '1' } },
      { labels: { alertname: 'A' } },
      { labels: { alertname: 'A', x: '1' } },
    ];
    expect(sortAlertsForNotification(alerts).map((a) => a.labels)).toEqual([
      { alertname: 'A', job: 'a', instance: '1' },
      { alertname: 'A', job: 'a', instance: '2' },
      { alertname: 'A', job: 'z' },
      { alertname: 'A' },
      { alertname: 'B' },
      { alertname: 'A', x: '1' },
    ]);
    expect(compareAlertLabels({ a: '1' }, { a: '1' })).toBe(0);
  });
});
