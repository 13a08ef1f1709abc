import { ManualClock, parseRuleGroupYaml, type Sample } from '@vigil/core';
import type { LocalRuntime } from '@vigil/adapter-local';
import { client, startManual, tempDir } from '../../../test/helpers/local';
import { WebhookReceiver } from '../../../test/helpers/webhook-receiver';
import { handle } from '.';

const MIN = 60_000;
const WEEK = 7 * 24 * 60 * MIN;

/** Drift alerts go through notify like any alert: routed, grouped, and muted by a silence. */
describe('drift-detect → notify on the local runtime', () => {
  const clock = new ManualClock(Date.parse('2026-03-02T10:00:00Z'));
  const { dir, remove } = tempDir();
  const receiver = new WebhookReceiver();
  let vigil: LocalRuntime;

  beforeAll(async () => {
    await receiver.start();
    vigil = await startManual(dir, clock);
    const api = client(vigil.url);
    const config = `
alertmanager_config: |
  route: {receiver: r, group_by: [alertname, test], group_wait: 2s, group_interval: 10s, repeat_interval: 1h}
  receivers:
    - name: r
      webhook_configs: [{url: '${receiver.url}/drift'}]
`;
    expect((await api.post('/api/v1/alerts', config)).status).toBe(201);
    const silence = await api.post('/alertmanager/api/v2/silences', {
      matchers: [{ name: 'test', value: 'psi', isRegex: false, isEqual: true }],
      startsAt: new Date(clock.now()).toISOString(),
      endsAt: new Date(clock.now() + 3_600_000).toISOString(),
      createdBy: 'ops',
      comment: 'PSI is noisy for this metric',
    });
    expect(silence.status).toBe(200);
  });
  afterAll(async () => {
    await vigil.stop();
    await receiver.stop();
    remove();
  });

  it('delivers the KS drift alert and keeps the silenced PSI one back', async () => {
    const ctx = vigil.ctx;
    const at = clock.now();
    await ctx.services.ruleGroups.put('default', 'ns', parseRuleGroupYaml('name: d\nrules:\n- alert: Drift\n  expr: vigil_drift_detected{source_metric="queue_depth"} == 1\n'), at);
    const samples: Sample[] = [];
    // A step in the level: 10..19 a week ago, 40..49 now.
    for (let i = 0; i < 60; i++) {
      samples.push({ labels: { __name__: 'queue_depth', queue: 'q1' }, t: at - WEEK - i * MIN, v: 10 + (i % 10) });
      samples.push({ labels: { __name__: 'queue_depth', queue: 'q1' }, t: at - i * MIN, v: 40 + (i % 10) });
    }
    await ctx.services.series.write('default', samples);
    const r = await handle({ kind: 'tick', tenant: 'default', at }, ctx);
    expect(r.detected).toBe(2);
    for (let t = 0; t < 5_000; t += 1000) {
      clock.advance(1000);
      await vigil.drain();
    }
    const alerts = receiver.requests.flatMap((req) => req.json.alerts as { labels: Record<string, string>; annotations: Record<string, string> }[]);
    expect(alerts.map((a) => a.labels)).toEqual([{ alertname: 'DriftDetected', queue: 'q1', severity: 'warning', source_metric: 'queue_depth', test: 'ks' }]);
    expect(Number(alerts[0]!.annotations.statistic)).toBe(1);
  });
});
