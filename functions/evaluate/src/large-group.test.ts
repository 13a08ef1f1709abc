import { ManualClock, parseRuleGroupYaml } from '@vigil/core';
import { openLocalContext } from '@vigil/adapter-local';
import { evaluateGroup, groupId } from '.';

/** More transitions in one group than one store transaction may hold (100). */
describe('a group with more transitions than one transaction holds', () => {
  const clock = new ManualClock(1_763_800_000_000);
  const { ctx, store, queue, close } = openLocalContext(clock, { prefix: 'vigil-large-group-' });
  afterAll(close);

  it('commits all 150 transitions and notifies them once', async () => {
    const group = parseRuleGroupYaml('name: big\nrules:\n  - alert: Hot\n    expr: temp > 50\n');
    await ctx.services.ruleGroups.put('default', 'ns', group, clock.now());
    await ctx.services.series.write(
      'default',
      Array.from({ length: 150 }, (_, i) => ({ labels: { __name__: 'temp', room: `r${i}` }, t: clock.now(), v: 60 })),
    );
    const stored = (await ctx.services.ruleGroups.get('default', 'ns', 'big'))!;
    expect(await evaluateGroup('default', stored, clock.now(), false, ctx)).toBe(150);
    const states = await ctx.services.alertStates.load('default', groupId('ns', 'big'));
    expect(states.filter((s) => s.record.state === 'firing')).toHaveLength(150);
    const notify = await queue.receive('notify', 10, 60_000);
    expect(notify).toHaveLength(1);
    expect((notify[0]!.body as { alerts: unknown[] }).alerts).toHaveLength(150);
    // Evaluated again: nothing moves, nothing is sent.
    expect(await evaluateGroup('default', stored, clock.now() + 15_000, false, ctx)).toBe(0);
  });
});
