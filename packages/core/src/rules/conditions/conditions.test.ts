import { ValidationError } from '../../errors';
import { parseRuleFileYaml } from '../load';
import { conditionsGroup, conditionToRule, parseConditionsRequest, ruleGroupYaml } from './convert';

const seed = {
  type: 'threshold',
  metric_path: 'current_metrics.cpu_usage',
  operator: '>',
  threshold: 80,
  name: 'HighCPU',
  description: 'CPU above 80%',
  severity: 'critical',
  category: 'infra',
  tenant_id: 'acme',
};

function issues(body: unknown): string[] {
  try {
    parseConditionsRequest(body);
  } catch (err) {
    if (err instanceof ValidationError) return err.issues.map((i) => `${i.path}: ${i.message}`);
    throw err;
  }
  return [];
}

describe('JSON conditions', () => {
  it('convert the seed threshold form into a Prometheus alerting rule', () => {
    const { conditions } = parseConditionsRequest(seed);
    expect(conditionToRule(conditions[0]!)).toEqual({
      alert: 'HighCPU',
      expr: 'cpu_usage > 80',
      labels: { severity: 'critical', category: 'infra' },
      annotations: { description: 'CPU above 80%' },
    });
  });
  it('convert recovery thresholds, label matchers, anomaly and forecast forms', () => {
    const { conditions } = parseConditionsRequest([
      { ...seed, match: { host: 'web-1' }, recovery_threshold: 70, for: '5m', evaluation_periods: 5, datapoints_to_alert: 3, no_data: 'breaching' },
      { type: 'anomaly', metric_path: 'latency', threshold: 0.9, recovery_threshold: 0.6, name: 'LatencyAnomaly' },
      { type: 'forecast', metric_path: 'm.disk_used_percent', operator: '>=', threshold: 95, horizon: '4h', name: 'DiskFull' },
      { type: 'forecast', metric_path: 'free_bytes', operator: '<', threshold: 0, horizon: '1d', probability: 0.5, name: 'OutOfSpace' },
    ]);
    const rules = conditions.map(conditionToRule);
    expect(rules[0]).toMatchObject({
      expr: 'cpu_usage{host="web-1"} > 80',
      keep_firing_while: 'cpu_usage{host="web-1"} > 70',
      for: '5m',
      evaluation_periods: 5,
      datapoints_to_alert: 3,
      no_data: 'breaching',
    });
    expect(rules[1]).toMatchObject({ expr: 'anomaly_score(latency) > 0.9', keep_firing_while: 'anomaly_score(latency) > 0.6' });
    expect(rules[2]!.expr).toBe('forecast_breach_probability(disk_used_percent, "4h", 95) > 0.9');
    expect(rules[3]!.expr).toBe('forecast_drop_probability(free_bytes, "1d", 0) > 0.5');
  });
  it('produce a rule file that checks and round-trips', () => {
    const group = conditionsGroup(parseConditionsRequest(seed).conditions, 'infra');
    const yaml = ruleGroupYaml(group);
    expect(parseRuleFileYaml(yaml).groups[0]).toEqual(group);
    expect(yaml).toContain('expr: cpu_usage > 80');
  });
  it('replace rules of the same alert name in an existing group and keep the others', () => {
    const first = conditionsGroup(parseConditionsRequest([seed, { ...seed, name: 'Other', threshold: 10 }]).conditions, 'g');
    const second = conditionsGroup(parseConditionsRequest({ ...seed, threshold: 90 }).conditions, 'g', first);
    expect(second.rules.map((r) => `${r.alert}: ${r.expr}`)).toEqual(['Other: cpu_usage > 10', 'HighCPU: cpu_usage > 90']);
  });
  it('refuse bad input with field paths', () => {
    expect(issues({ ...seed, operator: '=>', metric_path: 'a..b', threshold: 'high', extra: 1 })).toEqual([
      'metric_path: metric_path must be dot-separated names, e.g. current_metrics.cpu_usage',
      'operator: operator must be one of > >= < <= == !=',
      'threshold: Invalid input: expected number, received string',
      expect.stringMatching(/^: Unrecognized key: "extra"|^extra/),
    ]);
    expect(issues({ conditions: [seed, { ...seed, recovery_threshold: 90 }] })).toEqual([
      'conditions[1].recovery_threshold: recovery_threshold (90) must not be above threshold (80) for operator >',
    ]);
    expect(issues([{ ...seed, type: 'magic' }])).toEqual(['[0].type: type must be one of threshold, anomaly, forecast']);
    expect(issues([{ type: 'forecast', metric_path: 'x', operator: '>', threshold: 1, horizon: 'soon', name: 'F' }])[0]).toMatch(/^\[0\]\.horizon: invalid duration "soon"/);
  });
});
