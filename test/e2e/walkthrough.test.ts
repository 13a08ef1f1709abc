import { ManualClock } from '@vigil/core';
import type { LocalRuntime } from '@vigil/adapter-local';
import { WebhookReceiver } from '../helpers/webhook-receiver';
import { client, startManual, tempDir } from '../helpers/local';

/**
 * The README walkthrough on virtual time: rule group and Alertmanager config through the
 * API, samples pushed, the alert fires and reaches a real webhook, survives a restart
 * without being notified twice, then resolves.
 */
const T0 = 1_763_800_000_000;
const RULES = `
name: node
interval: 10s
rules:
  - alert: HighCPU
    expr: cpu_usage > 90
    for: 30s
    labels:
      severity: page
    annotations:
      summary: "CPU on {{ $labels.host }} is {{ $value }}%"
`;
const amConfig = (url: string) => `
alertmanager_config: |
  route:
    receiver: ops
    group_by: [alertname]
    group_wait: 0s
    group_interval: 5s
    repeat_interval: 1h
  receivers:
    - name: ops
      webhook_configs:
        - url: ${url}/hook
`;

describe('walkthrough: ingest → evaluate → notify on the embedded store', () => {
  const clock = new ManualClock(T0);
  const { dir, remove } = tempDir();
  const hook = new WebhookReceiver();
  let vigil: LocalRuntime;
  let api: ReturnType<typeof client>;
  const notifications: { at: number; status: string; alerts: number }[] = [];

  const push = (value: number) => api.post('/v1/metrics', { samples: [{ metric: 'cpu_usage', labels: { host: 'a' }, value, timestamp: clock.now() }] });
  /** Advance virtual time in 1 s steps, pushing a sample every 5 s, running the scheduler and every queue. */
  const run = async (ms: number, value: number) => {
    for (let t = 0; t < ms; t += 1000) {
      clock.advance(1000);
      if ((clock.now() - T0) % 5000 === 0) expect((await push(value)).status).toBe(200);
      await vigil.scheduler.tick();
      await vigil.drain();
      while (notifications.length < hook.requests.length) {
        const r = hook.requests[notifications.length]!;
        notifications.push({ at: clock.now(), status: r.json.status, alerts: r.json.alerts.length });
      }
    }
  };

  beforeAll(async () => {
    await hook.start();
    vigil = await startManual(dir, clock);
    api = client(vigil.url);
  });
  afterAll(async () => {
    await vigil.stop();
    await hook.stop();
    remove();
  });

  it('loads the rule group and the Alertmanager config', async () => {
    expect((await api.post('/prometheus/config/v1/rules/infra', RULES)).status).toBe(202);
    expect((await api.post('/api/v1/alerts', amConfig(hook.url))).status).toBe(201);
    const back = await api.get('/prometheus/config/v1/rules/infra/node');
    expect(back.status).toBe(200);
    expect(back.text).toContain('alert: HighCPU');
    vigil.scheduler.refresh('default');
  });

  it('goes pending first, then fires and reaches the webhook within one interval after `for`', async () => {
    expect((await push(95)).status).toBe(200);
    await vigil.drain();
    let alerts = (await api.get('/prometheus/api/v1/alerts')).json.data.alerts;
    expect(alerts).toEqual([expect.objectContaining({ state: 'pending', labels: { alertname: 'HighCPU', host: 'a', severity: 'page' } })]);

    await run(45_000, 95);
    alerts = (await api.get('/prometheus/api/v1/alerts')).json.data.alerts;
    expect(alerts[0].state).toBe('firing');
    expect(alerts[0].annotations.summary).toBe('CPU on a is 95%');

    expect(notifications).toHaveLength(1);
    expect(notifications[0]).toMatchObject({ status: 'firing', alerts: 1 });
    // `for` is 30 s from the first sample; the evaluation interval is 10 s.
    expect(notifications[0]!.at).toBeLessThanOrEqual(T0 + 30_000 + 10_000);

    const payload = hook.requests[0]!.json;
    expect(payload).toMatchObject({
      version: '4',
      receiver: 'ops',
      status: 'firing',
      groupLabels: { alertname: 'HighCPU' },
      commonLabels: { alertname: 'HighCPU', host: 'a', severity: 'page' },
      commonAnnotations: { summary: 'CPU on a is 95%' },
      groupKey: '{}:{alertname="HighCPU"}',
      truncatedAlerts: 0,
    });
    expect(payload.alerts[0]).toMatchObject({ status: 'firing', endsAt: '0001-01-01T00:00:00Z', fingerprint: expect.stringMatching(/^[0-9a-f]{16}$/) });
    expect(payload.alerts[0].generatorURL).toContain('cpu_usage');
  });

  it('keeps the alert firing across a restart and does not notify it again', async () => {
    await vigil.stop();
    vigil = await startManual(dir, clock);
    api = client(vigil.url);
    const alerts = (await api.get('/prometheus/api/v1/alerts')).json.data.alerts;
    expect(alerts).toEqual([expect.objectContaining({ state: 'firing' })]);
    await run(60_000, 96);
    expect(notifications).toHaveLength(1);
  });

  it('sends resolved once the condition clears, and nothing after', async () => {
    const clearedAt = clock.now();
    await run(30_000, 40);
    expect(notifications).toHaveLength(2);
    expect(notifications[1]).toMatchObject({ status: 'resolved', alerts: 1 });
    expect(notifications[1]!.at - clearedAt).toBeLessThanOrEqual(10_000 + 5_000 + 5_000);
    const resolved = hook.requests[1]!.json.alerts[0];
    expect(resolved.status).toBe('resolved');
    expect(Date.parse(resolved.endsAt)).toBeGreaterThan(Date.parse(resolved.startsAt));
    expect((await api.get('/prometheus/api/v1/alerts')).json.data.alerts).toEqual([]);
    await run(60_000, 40);
    expect(notifications).toHaveLength(2);
  });

  it('reports the rule in the Prometheus rules API', async () => {
    const rules = (await api.get('/prometheus/api/v1/rules')).json.data.groups;
    expect(rules).toHaveLength(1);
    expect(rules[0]).toMatchObject({ name: 'node', file: 'infra', interval: 10 });
    expect(rules[0].rules[0]).toMatchObject({ name: 'HighCPU', query: 'cpu_usage > 90', duration: 30, health: 'ok', type: 'alerting', state: 'inactive' });
  });
});
