import { ManualClock, parseUserYaml } from '@vigil/core';
import type { LocalRuntime } from '@vigil/adapter-local';
import { client, startManual, tempDir } from '../../../../test/helpers/local';

/** JSON conditions and SLO rules through the HTTP API of the local runtime. */
describe('POST /v1/rules/conditions and slo rules', () => {
  const clock = new ManualClock(Date.parse('2026-03-02T10:00:00Z'));
  const { dir, remove } = tempDir();
  let vigil: LocalRuntime;
  let api: ReturnType<typeof client>;
  const seed = { type: 'threshold', metric_path: 'current_metrics.cpu_usage', operator: '>', threshold: 80, name: 'HighCPU', description: 'CPU high', severity: 'critical', category: 'infra', tenant_id: 'default' };

  beforeAll(async () => {
    vigil = await startManual(dir, clock);
    api = client(vigil.url);
  });
  afterAll(async () => {
    await vigil.stop();
    remove();
  });

  it('converts and stores conditions, answering with the YAML', async () => {
    const res = await api.post('/v1/rules/conditions', { namespace: 'infra', group: 'cpu', conditions: [seed, { type: 'anomaly', metric_path: 'latency', threshold: 0.95, name: 'LatencyAnomaly' }] });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/yaml');
    const file = parseUserYaml(res.text) as { groups: { name: string; rules: { alert: string; expr: string }[] }[] };
    expect(file.groups[0]!.rules.map((r) => [r.alert, r.expr])).toEqual([
      ['HighCPU', 'cpu_usage > 80'],
      ['LatencyAnomaly', 'anomaly_score(latency) > 0.95'],
    ]);
    const stored = await api.get('/prometheus/config/v1/rules/infra/cpu');
    expect(stored.status).toBe(200);
    expect(stored.text).toContain('expr: cpu_usage > 80');
    expect(stored.text).toContain('severity: critical');
  });

  it('refuses bad conditions and another tenant with field paths, storing nothing', async () => {
    const bad = await api.post('/v1/rules/conditions', [seed, { ...seed, name: 'Low', operator: '=<' }]);
    expect(bad.status).toBe(400);
    expect(bad.json.issues).toEqual([{ path: '[1].operator', message: 'operator must be one of > >= < <= == !=' }]);
    const other = await api.post('/v1/rules/conditions', { ...seed, tenant_id: 'acme' });
    expect(other.status).toBe(400);
    expect(other.json.issues[0].path).toBe('tenant_id');
    expect((await api.get('/prometheus/config/v1/rules/conditions')).status).toBe(404);
  });

  it('expands an slo rule at upload, so /api/v1/rules shows the PromQL that runs', async () => {
    const group = 'name: availability\nrules:\n- alert: ErrorBudgetBurn\n  slo: {objective: 0.999, errors: \'http_requests_total{code=~"5.."}\', total: http_requests_total, by: [job]}\n';
    expect((await api.post('/prometheus/config/v1/rules/slo', group)).status).toBe(202);
    const rules = await api.get('/prometheus/api/v1/rules');
    const found = rules.json.data.groups.find((g: { name: string }) => g.name === 'availability');
    expect(found.rules.map((r: { labels: { severity: string } }) => r.labels.severity)).toEqual(['page', 'ticket']);
    expect(found.rules[0].query).toContain('sum by (job) (rate(http_requests_total{code=~"5.."}[1h])) / sum by (job) (rate(http_requests_total[1h])) > (14.4 * 0.001)');
  });
});
