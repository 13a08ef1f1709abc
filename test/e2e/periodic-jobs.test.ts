/** @jest-environment ./packages/ml/jest/onnx-environment.js */
import { ManualClock, SLICE_MS } from '@vigil/core';
import type { LocalRuntime } from '@vigil/adapter-local';
import { client, startManual, tempDir } from '../helpers/local';

const MIN = 60_000;

/**
 * The local runtime's stand-in for cloud schedules: predict writes scores for the series an
 * anomaly rule reads, and compaction turns closed slices into chunks, each once per slot.
 */
describe('local periodic jobs', () => {
  const tmp = tempDir('vigil-periodic-');
  // Just before a predict slot (5 min) and inside the second hour slice.
  const start = Math.floor(1_763_800_000_000 / SLICE_MS) * SLICE_MS + 30 * MIN - 15_000;
  const clock = new ManualClock(start);
  let runtime: LocalRuntime;
  let api: ReturnType<typeof client>;

  beforeAll(async () => {
    runtime = await startManual(tmp.dir, clock);
    api = client(runtime.url);
    const rules = await api.post('/prometheus/config/v1/rules/ml', 'name: ml\nrules:\n- alert: LatencyAnomaly\n  expr: anomaly_score(latency) > 0.999\n');
    expect(rules.status).toBe(202);
    const samples = [];
    for (let t = start - 60 * MIN; t <= start; t += 15_000) samples.push({ metric: 'latency', labels: { instance: 'a' }, value: t === start ? 9 : 0.2 + 0.001 * ((t / 15_000) % 7), timestamp: t });
    expect((await api.post('/v1/metrics', { samples })).status).toBe(200);
  });
  afterAll(async () => {
    await runtime.stop();
    tmp.remove();
  });

  const scores = async () => (await api.get('/prometheus/api/v1/query?query=vigil_anomaly_score')).json.data.result as { metric: Record<string, string>; value: [number, string] }[];

  it('runs predict once per slot, at the slot time', async () => {
    // The current slot began at :25, before the spike at :29:45: a low score.
    await runtime.periodic.runDue();
    const first = await scores();
    expect(first).toHaveLength(1);
    expect(first[0]!.metric).toEqual({ __name__: 'vigil_anomaly_score', instance: 'a', source_metric: 'latency' });
    expect(Number(first[0]!.value[1])).toBeLessThan(0.9);
    clock.advance(10_000);
    await runtime.periodic.runDue();
    // The query runs at the new time; the score it finds is still the one written at :25.
    expect((await scores()).map((r) => r.value[1])).toEqual(first.map((r) => r.value[1]));
    clock.advance(5_000); // the :30 slot begins and sees the spike
    await runtime.periodic.runDue();
    expect(Number((await scores())[0]!.value[1])).toBeGreaterThan(0.999);
  });

  it('compacts a closed slice once the grace has passed; the data reads the same', async () => {
    const query = `/prometheus/api/v1/query?query=${encodeURIComponent('count_over_time(latency[2h])')}&time=${(start + 15_000) / 1000}`;
    const before = (await api.get(query)).json.data.result;
    const report = jest.spyOn(runtime.ctx.services.series, 'compact');
    clock.set(Math.ceil(clock.now() / SLICE_MS) * SLICE_MS + 20 * MIN);
    await runtime.periodic.runDue();
    expect(report).toHaveBeenCalled();
    const compacted = await report.mock.results[0]!.value;
    expect(compacted.chunks).toBeGreaterThan(0);
    expect((await api.get(query)).json.data.result).toEqual(before);
  });
});
