import { ValidationError } from '../errors';
import { RuleGroupEngine } from './engine/group';
import { MemorySeries } from './engine/memory';
import { parseRuleFileYaml, parseRuleGroupYaml } from './load';
import { checkRuleFileText } from './check';
import { hasNoData } from './alert-inputs';
import { parsePromQL } from '../promql';

const MIN = 60_000;

function issuesOf(yaml: string): string[] {
  try {
    parseRuleGroupYaml(yaml);
  } catch (err) {
    if (err instanceof ValidationError) return err.issues.map((i) => `${i.path}: ${i.message}`);
    throw err;
  }
  return [];
}

describe('rule fields of Vigil', () => {
  it('accepts no_data (CloudWatch spellings), M of N, keep_firing_while and extension calls', () => {
    const g = parseRuleGroupYaml(`
name: g
rules:
- alert: A
  expr: anomaly_score(latency{job="api"}) > 0.9
  no_data: not_breaching
  datapoints_to_alert: 2
  evaluation_periods: 3
  keep_firing_while: anomaly_score(latency{job="api"}) > 0.7
- alert: B
  expr: up == 0
  no_data: breaching
  evaluation_periods: 4
`);
    expect(g.rules[0]).toMatchObject({ no_data: 'notBreaching', datapoints_to_alert: 2, evaluation_periods: 3 });
    expect(g.rules[1]).toMatchObject({ no_data: 'breaching', evaluation_periods: 4 });
  });

  it('refuses bad values with the field path', () => {
    expect(
      issuesOf(`
name: g
rules:
- alert: A
  expr: up == 0
  no_data: sometimes
  keep_firing_while: up ==
- alert: B
  expr: up == 0
  datapoints_to_alert: 5
  evaluation_periods: 3
- record: r
  expr: up
  no_data: ignore
- alert: C
  expr: up
  datapoints_to_alert: 1
`),
    ).toEqual([
      'rules[0].no_data: no_data must be one of missing, breaching, notBreaching, ignore',
      expect.stringMatching(/^rules\[0\]\.keep_firing_while: invalid PromQL: unexpected end of input at line 1, column 6/),
      'rules[1].datapoints_to_alert: datapoints_to_alert (5) must not exceed evaluation_periods (3)',
      'rules[2].no_data: invalid field "no_data" in recording rule',
      'rules[3].evaluation_periods: datapoints_to_alert needs evaluation_periods',
    ]);
  });

  it('rules check reports extension call problems with line and column', () => {
    const text = 'groups:\n- name: g\n  rules:\n  - alert: A\n    expr: anomaly_score(rate(x[5m])) > 0.9\n';
    expect(checkRuleFileText(text).errors).toEqual([
      '5:11: groups[0].rules[0].expr: invalid PromQL: expected a vector selector as the first argument of "anomaly_score" at line 1, column 15',
    ]);
  });
});

describe('slo rules', () => {
  const file = parseRuleFileYaml(`
groups:
- name: slo
  rules:
  - alert: ErrorBudgetBurn
    slo:
      objective: 0.999
      errors: http_requests_total{code=~"5.."}
      total: http_requests_total
      by: [job]
    labels: {team: web}
    annotations: {summary: 'budget burning'}
`);
  it('expand into a page and a ticket rule with the workbook windows and factors', () => {
    const rules = file.groups[0]!.rules;
    expect(rules.map((r) => [r.alert, r.labels])).toEqual([
      ['ErrorBudgetBurn', { team: 'web', severity: 'page' }],
      ['ErrorBudgetBurn', { team: 'web', severity: 'ticket' }],
    ]);
    const ratio = (w: string) => `sum by (job) (rate(http_requests_total{code=~"5.."}[${w}])) / sum by (job) (rate(http_requests_total[${w}]))`;
    expect(rules[0]!.expr).toBe(`(\n  ${ratio('1h')} > (14.4 * 0.001)\n  and\n  ${ratio('5m')} > (14.4 * 0.001)\n)\nor\n(\n  ${ratio('6h')} > (6 * 0.001)\n  and\n  ${ratio('30m')} > (6 * 0.001)\n)\n`);
    expect(rules[1]!.expr).toContain(`${ratio('1d')} > (3 * 0.001)`);
    expect(rules[1]!.expr).toContain(`${ratio('6h')} > (1 * 0.001)`);
    expect(rules[0]).not.toHaveProperty('slo');
  });
  it.each([
    [20, ['page', 'ticket']],
    [5, ['ticket']],
    [0.5, []],
  ])('at %s failures in 1000 requests, fire %j (evaluated on virtual time)', async (failing, severities) => {
    const store = new MemorySeries();
    // 1000 requests/min for 3 hours.
    for (let t = 0; t <= 180 * MIN; t += MIN) {
      store.append({ __name__: 'http_requests_total', job: 'api', code: '200' }, t, (t / MIN) * (1000 - failing));
      store.append({ __name__: 'http_requests_total', job: 'api', code: '500' }, t, (t / MIN) * failing);
    }
    const engine = new RuleGroupEngine(file.groups[0]!, store, store);
    await engine.evaluate(180 * MIN);
    expect(engine.alerts('ErrorBudgetBurn').map((a) => a.labels.severity).sort()).toEqual(severities);
  });
  it('accept an expression with [$window] and refuse one without it', () => {
    const ok = parseRuleGroupYaml(`
name: g
rules:
- alert: Burn
  slo: {objective: 0.99, errors: 'sum(rate(errs[$window]))', total: 'sum(rate(reqs[$window]))'}
`);
    expect(ok.rules[0]!.expr).toContain('(sum(rate(errs[1h]))) / (sum(rate(reqs[1h]))) > (14.4 * 0.01)');
    expect(issuesOf('name: g\nrules:\n- alert: Burn\n  slo: {objective: 1.5, errors: "sum(rate(errs[5m]))", total: reqs}\n  labels: {severity: x}\n')).toEqual([
      'rules[0].slo.objective: objective must be between 0 and 1 (e.g. 0.999)',
      'rules[0].slo.errors: must be a counter selector (e.g. http_requests_total{code=~"5.."}) or an expression with [$window] where the window goes',
      'rules[0].labels.severity: an slo rule sets severity itself (page and ticket)',
    ]);
  });
});

describe('hasNoData', () => {
  const store = new MemorySeries();
  store.append({ __name__: 'a', i: '1' }, 0, 1);
  it.each([
    ['a > 5', MIN, false], // data, nothing over the threshold
    ['a > 5', 6 * MIN, true], // older than the 5m lookback
    ['rate(a[10m]) > 0 or b', 6 * MIN, false], // the range selector still has the sample
    ['b', 0, true],
    ['vector(1)', 6 * MIN, false], // nothing to lack
  ])('%s at %d ms: %s', async (expr, ts, expected) => {
    expect(await hasNoData(parsePromQL(expr as string), ts as number, store)).toBe(expected);
  });
});

describe('no_data, M of N and keep_firing_while in the rule engine', () => {
  it('no data means every selector returned nothing; breaching raises the rule alert only then', async () => {
    const store = new MemorySeries();
    const group = parseRuleGroupYaml('name: g\nrules:\n- alert: QueueStuck\n  expr: queue_depth > 100\n  no_data: breaching\n  labels: {severity: page}\n');
    const engine = new RuleGroupEngine(group, store, store);
    store.append({ __name__: 'queue_depth', q: 'a' }, 0, 5);
    await engine.evaluate(0);
    expect(engine.alerts('QueueStuck')).toEqual([]); // data, below the threshold
    await engine.evaluate(10 * MIN); // the last sample is older than the 5m lookback
    expect(engine.alerts('QueueStuck').map((a) => [a.labels, a.state])).toEqual([[{ alertname: 'QueueStuck', severity: 'page' }, 'firing']]);
    store.append({ __name__: 'queue_depth', q: 'a' }, 11 * MIN, 5);
    await engine.evaluate(11 * MIN);
    expect(engine.alerts('QueueStuck').map((a) => a.state)).toEqual(['inactive']);
  });
  it('keep_firing_while holds a firing alert above the recovery level', async () => {
    const store = new MemorySeries();
    const group = parseRuleGroupYaml('name: g\nrules:\n- alert: HighCPU\n  expr: cpu > 80\n  keep_firing_while: cpu > 70\n');
    const engine = new RuleGroupEngine(group, store, store);
    const states: string[] = [];
    for (const [i, v] of [85, 75, 72, 65, 75].entries()) {
      store.append({ __name__: 'cpu', host: 'a' }, i * MIN, v);
      await engine.evaluate(i * MIN);
      states.push(engine.alerts('HighCPU')[0]?.state ?? 'none');
    }
    expect(states).toEqual(['firing', 'firing', 'firing', 'inactive', 'inactive']);
  });
});
