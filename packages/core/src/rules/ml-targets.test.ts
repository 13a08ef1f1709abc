import { parseRuleGroupYaml } from './load';
import { mlTargetsOf, mlTargetsOfGroups } from './ml-targets';

describe('mlTargetsOf', () => {
  it('names the source selectors and horizons the extension calls read', () => {
    expect(mlTargetsOf('anomaly_score(latency{job="api"}) > 0.9 and forecast_breach_probability(disk{host=~"db.*"}, "4h", 90) > 0.5')).toEqual([
      { kind: 'anomaly', selector: 'latency{job="api"}', metric: 'latency', matchers: [{ name: 'job', type: '=', value: 'api' }], horizonsMs: [] },
      { kind: 'forecast', selector: 'disk{host=~"db.*"}', metric: 'disk', matchers: [{ name: 'host', type: '=~', value: 'db.*' }], horizonsMs: [4 * 3_600_000] },
    ]);
    expect(mlTargetsOf('rate(x[5m]) > 1')).toEqual([]);
  });
  it('merges horizons of the same selector across rules and keep_firing_while', () => {
    const group = parseRuleGroupYaml(`
name: g
rules:
- alert: DiskFull
  expr: forecast_breach_probability(disk, "4h", 90) > 0.9
  keep_firing_while: forecast_breach_probability(disk, "1h", 90) > 0.5
- alert: DiskEmpty
  expr: forecast_drop_probability(disk, "240m", 5) > 0.9
`);
    expect(mlTargetsOfGroups([group])).toEqual([{ kind: 'forecast', selector: 'disk', metric: 'disk', matchers: [], horizonsMs: [3_600_000, 4 * 3_600_000] }]);
  });
});
