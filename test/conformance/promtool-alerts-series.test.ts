import { ManualClock } from '@vigil/core';
import type { LocalRuntime } from '@vigil/adapter-local';
import { client, startManual, tempDir } from '../helpers/local';

/**
 * The ALERTS series through the service, as promtool's tests see it in Prometheus: the evaluate
 * handler writes ALERTS{alertstate="pending"|"firing"} for active alerts and ends a series with a
 * staleness marker, so queries and rules reading ALERTS follow alert state at once.
 */
const T0 = 1_763_800_000_000;
const RULES = `
name: cpu
interval: 10s
rules:
  - alert: HighCPU
    expr: cpu_usage > 90
    for: 20s
  - alert: HighCPUFiring
    expr: ALERTS{alertname="HighCPU", alertstate="firing"} == 1
`;

describe('ALERTS series written by the evaluate handler', () => {
  const clock = new ManualClock(T0);
  const { dir, remove } = tempDir();
  let vigil: LocalRuntime;
  let api: ReturnType<typeof client>;

  const push = (value: number) => api.post('/v1/metrics', { samples: [{ metric: 'cpu_usage', labels: { host: 'a' }, value, timestamp: clock.now() }] });
  const run = async (ms: number, value: number) => {
    for (let t = 0; t < ms; t += 1000) {
      clock.advance(1000);
      if ((clock.now() - T0) % 5000 === 0) expect((await push(value)).status).toBe(200);
      await vigil.scheduler.tick();
      await vigil.drain();
    }
  };
  const alertsSeries = async () => {
    const res = await api.get(`/prometheus/api/v1/query?query=${encodeURIComponent('ALERTS')}&time=${clock.now() / 1000}`);
    expect(res.status).toBe(200);
    const result = (JSON.parse(res.text) as { data: { result: { metric: Record<string, string> }[] } }).data.result;
    return result.map((r) => `${r.metric.alertname}/${r.metric.alertstate}`).sort();
  };

  beforeAll(async () => {
    vigil = await startManual(dir, clock);
    api = client(vigil.url);
    expect((await api.post('/prometheus/config/v1/rules/infra', RULES)).status).toBe(202);
    vigil.scheduler.refresh('default');
  });
  afterAll(async () => {
    await vigil.stop();
    remove();
  });

  it('is pending, then firing (read by another rule), then gone at once when the alert resolves', async () => {
    await run(10_000, 95);
    expect(await alertsSeries()).toEqual(['HighCPU/pending']);
    await run(30_000, 95);
    expect(await alertsSeries()).toEqual(['HighCPU/firing', 'HighCPUFiring/firing']);
    await run(15_000, 40);
    expect(await alertsSeries()).toEqual([]);
  });
});
