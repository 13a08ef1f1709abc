import { ManualClock, parseRuleGroupYaml, type DomainEvent } from '@vigil/core';
import { openLocalContext } from '@vigil/adapter-local';
import { evaluateGroup, groupId } from '.';

/** Domain events commit with their transitions and survive a crash before they are published. */
describe('the event outbox', () => {
  const clock = new ManualClock(1_763_800_000_000);
  const published: DomainEvent[] = [];
  let crashes = 0;
  const events = {
    publish: async (list: DomainEvent[]) => {
      if (crashes > 0) {
        crashes--;
        throw new Error('process died before publishing');
      }
      published.push(...list);
    },
  };
  const { ctx, close } = openLocalContext(clock, { prefix: 'vigil-outbox-', events });
  const id = groupId('ns', 'g');
  afterAll(close);

  it('publishes each transition once, with a stable ID, and leaves the outbox empty', async () => {
    await ctx.services.ruleGroups.put('t', 'ns', parseRuleGroupYaml('name: g\nrules:\n  - alert: Hot\n    expr: temp > 50\n'), clock.now());
    await ctx.services.series.write('t', [{ labels: { __name__: 'temp', room: 'a' }, t: clock.now(), v: 60 }]);
    const stored = (await ctx.services.ruleGroups.get('t', 'ns', 'g'))!;
    expect(await evaluateGroup('t', stored, clock.now(), true, ctx)).toBe(1);
    expect(published.map((e) => e.type)).toEqual(['AlertFired']);
    expect(published[0]!.detail.eventId).toEqual(expect.stringContaining('AlertFired'));
    expect(await ctx.services.alertStates.pendingEvents('t', id)).toEqual([]);
    // The outbox is not alert state.
    expect((await ctx.services.alertStates.load('t', id)).map((s) => s.record.state)).toEqual(['firing']);
  });

  it('an event stranded by a crash after the commit goes out at a later scheduled evaluation, once', async () => {
    published.length = 0;
    clock.advance(60_000);
    await ctx.services.series.write('t', [{ labels: { __name__: 'temp', room: 'a' }, t: clock.now(), v: 10 }]);
    const stored = (await ctx.services.ruleGroups.get('t', 'ns', 'g'))!;
    crashes = 1;
    await expect(evaluateGroup('t', stored, clock.now(), true, ctx)).rejects.toThrow('process died');
    expect(published).toEqual([]);
    const stranded = await ctx.services.alertStates.pendingEvents('t', id);
    expect(stranded.map((e) => e.event.type)).toEqual(['AlertResolved']);

    // Within the minute an evaluation may still be publishing it: left alone.
    clock.advance(30_000);
    await evaluateGroup('t', stored, clock.now(), true, ctx);
    expect(published).toEqual([]);
    clock.advance(60_000);
    await evaluateGroup('t', stored, clock.now(), true, ctx);
    expect(published.map((e) => [e.type, e.detail.eventId])).toEqual([['AlertResolved', stranded[0]!.id]]);
    expect(await ctx.services.alertStates.pendingEvents('t', id)).toEqual([]);
    await evaluateGroup('t', stored, clock.now() + 60_000, true, ctx);
    expect(published).toHaveLength(1);
  });
});
