import { ManualClock, parseRuleGroupYaml } from '@vigil/core';
import { openLocalContext } from '@vigil/adapter-local';
import { evaluateGroup, groupId } from '.';

/** Rules of one group share reads, yet a rule sees what an earlier rule wrote at the same instant, as in Prometheus. */
describe('shared reads within one group evaluation', () => {
  const clock = new ManualClock(1_763_800_000_000);
  const { ctx, close } = openLocalContext(clock, { prefix: 'vigil-shared-reads-' });
  afterAll(close);

  it('a recording rule written mid-group is read by the rules after it, even when an earlier rule read it first', async () => {
    const group = parseRuleGroupYaml(`
name: g
rules:
  - alert: NoTotal              # reads job:req:sum before it exists at this instant
    expr: absent(job:req:sum)
  - record: job:req:sum
    expr: sum by (job) (req)
  - alert: HighTotal
    expr: job:req:sum > 5
`);
    await ctx.services.ruleGroups.put('t', 'ns', group, clock.now());
    await ctx.services.series.write('t', [
      { labels: { __name__: 'req', job: 'api', i: 'a' }, t: clock.now(), v: 4 },
      { labels: { __name__: 'req', job: 'api', i: 'b' }, t: clock.now(), v: 3 },
    ]);
    const stored = (await ctx.services.ruleGroups.get('t', 'ns', 'g'))!;
    await evaluateGroup('t', stored, clock.now(), true, ctx);
    const states = (await ctx.services.alertStates.load('t', groupId('ns', 'g'))).map((s) => `${s.record.rule}:${s.record.state}`).sort();
    expect(states).toEqual(['HighTotal:firing', 'NoTotal:firing']);
  });
});
