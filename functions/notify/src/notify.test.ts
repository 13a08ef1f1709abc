import { alertmanager, ManualClock, type Context, type Queue } from '@vigil/core';
import type { LocalRuntime } from '@vigil/adapter-local';
import { client, startManual, tempDir } from '../../../test/helpers/local';
import { WebhookReceiver } from '../../../test/helpers/webhook-receiver';
import { dispatchAlerts, flushGroup } from '.';
import { EMPTY_GROUP_LINGER_MS } from './flush';

/**
 * notify's delivery guarantees on the local runtime and virtual time: a group state is sent
 * once whatever the redeliveries and concurrent flushes, a crash between writing a group and
 * scheduling its flush is repaired by redelivery, and empty groups linger as in Alertmanager.
 */
const T0 = Date.parse('2026-03-02T10:00:00Z');
const TENANT = 'default';
const GROUP_KEY = '{}:{alertname="A"}';

describe('notify delivery', () => {
  const clock = new ManualClock(T0);
  const { dir, remove } = tempDir();
  const one = new WebhookReceiver();
  const two = new WebhookReceiver();
  let vigil: LocalRuntime;
  let ctx: Context;
  const groupId = alertmanager.aggregationGroupId('r', GROUP_KEY);
  const group = async () => (await ctx.store.get<alertmanager.AggregationGroup>(alertmanager.notifyKeys.groups(TENANT), groupId))?.value;
  const fire = (labels: Record<string, string>, endsAt = clock.now() + 300_000) => ({ labels, annotations: {}, startsAt: clock.now(), endsAt, generatorURL: '' });
  const run = async (ms: number) => {
    for (let t = 0; t < ms; t += 1000) {
      clock.advance(1000);
      await vigil.drain();
    }
  };

  beforeAll(async () => {
    await one.start();
    await two.start();
    vigil = await startManual(dir, clock);
    ctx = vigil.ctx;
    const yaml = `
alertmanager_config: |
  route: {receiver: r, group_by: [alertname], group_wait: 2s, group_interval: 10s, repeat_interval: 1h}
  receivers:
    - name: r
      webhook_configs: [{url: '${one.url}/one'}, {url: '${two.url}/two'}]
`;
    expect((await client(vigil.url).post('/api/v1/alerts', yaml)).status).toBe(201);
  });
  afterAll(async () => {
    await vigil.stop();
    await one.stop();
    await two.stop();
    remove();
  });

  it('sends a group state once under concurrent and repeated deliveries of its flush', async () => {
    await dispatchAlerts(TENANT, [fire({ alertname: 'A', instance: '1' })], ctx);
    const due = (await group())!.nextFlushAt;
    expect(due).toBe(T0 + 2000);
    clock.set(due);
    await Promise.all([flushGroup(TENANT, groupId, due, ctx), flushGroup(TENANT, groupId, due, ctx), flushGroup(TENANT, groupId, due, ctx)]);
    await flushGroup(TENANT, groupId, due, ctx);
    expect(one.requests).toHaveLength(1);
    expect(two.requests).toHaveLength(1);
    await vigil.drain(); // the scheduled next flush finds nothing new
    clock.advance(10_000);
    await vigil.drain();
    expect(one.requests).toHaveLength(1);
  });

  it('retries a failed integration by redelivery without resending to the one that succeeded', async () => {
    await dispatchAlerts(TENANT, [fire({ alertname: 'A', instance: '2' })], ctx);
    const due = (await group())!.nextFlushAt;
    clock.set(due);
    two.statuses = Array(50).fill(500); // more failures than one flush retries in-call
    await expect(flushGroup(TENANT, groupId, due, ctx)).rejects.toThrow();
    expect(one.requests).toHaveLength(2);
    const failed = two.requests.length;
    expect(failed).toBeGreaterThan(1);
    two.statuses = [];
    await flushGroup(TENANT, groupId, due, ctx); // the queue's redelivery of the claimed flush
    expect(one.requests).toHaveLength(2);
    expect(two.requests).toHaveLength(failed + 1);
    expect(two.requests[failed]!.json.alerts.map((a: any) => a.labels.instance).sort()).toEqual(['1', '2']);
  });

  it('repairs a crash between creating a group and scheduling its flush when the alerts are redelivered', async () => {
    const failing: Queue = {
      send: async () => {
        throw new Error('crash');
      },
      sendBatch: async () => {
        throw new Error('crash');
      },
    };
    const labels = { alertname: 'B' };
    await expect(dispatchAlerts(TENANT, [fire(labels)], { ...ctx, queue: failing })).rejects.toThrow('crash');
    const id = alertmanager.aggregationGroupId('r', '{}:{alertname="B"}');
    expect(await ctx.store.get(alertmanager.notifyKeys.groups(TENANT), id)).toBeDefined();
    await dispatchAlerts(TENANT, [fire(labels)], ctx); // redelivery
    const before = one.requests.length;
    await run(3000);
    expect(one.requests.slice(before).map((r) => r.json.groupKey)).toEqual(['{}:{alertname="B"}']);
  });

  it('keeps an emptied group for a while: a re-fire joins it and waits for its next tick, not group_wait', async () => {
    const labels = { alertname: 'C' };
    const id = alertmanager.aggregationGroupId('r', '{}:{alertname="C"}');
    const get = async () => (await ctx.store.get<alertmanager.AggregationGroup>(alertmanager.notifyKeys.groups(TENANT), id))?.value;
    await dispatchAlerts(TENANT, [fire(labels)], ctx);
    await run(2000); // group_wait: firing sent
    await dispatchAlerts(TENANT, [fire(labels, clock.now())], ctx); // resolved
    await run(10_000); // next tick: resolved sent, the group is empty
    const emptied = await get();
    expect(emptied?.fingerprints).toEqual([]);
    expect(emptied?.emptySince).toBeDefined();
    const sent = () => one.requests.filter((r) => r.json.groupKey === '{}:{alertname="C"}').map((r) => r.json.status);
    expect(sent()).toEqual(['firing', 'resolved']);
    const nextTick = emptied!.nextFlushAt;
    await run(3000);
    await dispatchAlerts(TENANT, [fire(labels)], ctx); // fires again
    expect((await get())?.nextFlushAt).toBe(nextTick);
    await run(2000);
    expect(sent()).toEqual(['firing', 'resolved']); // group_wait alone would have sent it by now
    clock.set(nextTick);
    await vigil.drain();
    expect(sent()).toEqual(['firing', 'resolved', 'firing']);
    // Resolved and left empty past the linger time, the group ends.
    await dispatchAlerts(TENANT, [fire(labels, clock.now())], ctx);
    await run(10_000 + EMPTY_GROUP_LINGER_MS + 10_000);
    expect(await get()).toBeUndefined();
  });
});
