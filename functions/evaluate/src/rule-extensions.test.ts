import { ManualClock, parseRuleGroupYaml } from '@vigil/core';
import { openLocalContext } from '@vigil/adapter-local';
import { evaluateGroup, groupId } from '.';

/** The evaluate handler over the real local store, on virtual time. */
describe('evaluate: ALERTS within a group, M of N in the store, keep_firing_while', () => {
  const clock = new ManualClock(1_763_800_000_000);
  const { ctx, store, close } = openLocalContext(clock, { prefix: 'vigil-eval-ext-' });
  afterAll(close);

  async function states(group: string) {
    return (await ctx.services.alertStates.load('default', groupId('ns', group))).map((s) => `${s.record.rule}:${s.record.state}`).sort();
  }

  it('a later rule reads the ALERTS an earlier rule of the group wrote in the same evaluation', async () => {
    const group = parseRuleGroupYaml(`
name: chain
rules:
- alert: Hot
  expr: temp > 50
- alert: HotAndFiring
  expr: ALERTS{alertname="Hot", alertstate="firing"}
`);
    await ctx.services.ruleGroups.put('default', 'ns', group, clock.now());
    await ctx.services.series.write('default', [{ labels: { __name__: 'temp', room: 'a' }, t: clock.now(), v: 60 }]);
    const stored = (await ctx.services.ruleGroups.get('default', 'ns', 'chain'))!;
    expect(await evaluateGroup('default', stored, clock.now(), true, ctx)).toBe(2);
    expect(await states('chain')).toEqual(['Hot:firing', 'HotAndFiring:firing']);
    const forState = await ctx.services.series.source('default').select([{ name: '__name__', type: '=', value: 'ALERTS_FOR_STATE' }, { name: 'alertname', type: '=', value: 'Hot' }], clock.now() - 1, clock.now());
    expect(forState.map((s) => [s.labels, s.samples])).toEqual([[{ __name__: 'ALERTS_FOR_STATE', alertname: 'Hot', room: 'a' }, [{ t: clock.now(), v: Math.floor(clock.now() / 1000) }]]]);
  });

  it('keeps the M-of-N history in the alert state, across handler invocations', async () => {
    const group = parseRuleGroupYaml('name: mofn\nrules:\n- alert: Flaky\n  expr: errors > 0\n  datapoints_to_alert: 2\n  evaluation_periods: 3\n');
    await ctx.services.ruleGroups.put('default', 'ns', group, clock.now());
    const stored = (await ctx.services.ruleGroups.get('default', 'ns', 'mofn'))!;
    const start = clock.now() + 60_000;
    const results: string[][] = [];
    for (const [i, v] of [1, 0, 1].entries()) {
      const t = start + i * 60_000;
      await ctx.services.series.write('default', [{ labels: { __name__: 'errors', job: 'x' }, t, v }]);
      await evaluateGroup('default', stored, t, true, ctx);
      results.push(await states('mofn'));
    }
    expect(results).toEqual([['Flaky:inactive'], ['Flaky:inactive'], ['Flaky:firing']]);
  });

  it('keep_firing_while holds a firing alert until the recovery expression lets go', async () => {
    const group = parseRuleGroupYaml('name: hyst\nrules:\n- alert: Busy\n  expr: cpu > 80\n  keep_firing_while: cpu > 70\n');
    await ctx.services.ruleGroups.put('default', 'ns', group, clock.now());
    const stored = (await ctx.services.ruleGroups.get('default', 'ns', 'hyst'))!;
    const start = clock.now() + 10 * 60_000;
    const seen: string[][] = [];
    for (const [i, v] of [90, 75, 60].entries()) {
      const t = start + i * 60_000;
      await ctx.services.series.write('default', [{ labels: { __name__: 'cpu', host: 'a' }, t, v }]);
      await evaluateGroup('default', stored, t, true, ctx);
      seen.push(await states('hyst'));
    }
    expect(seen).toEqual([['Busy:firing'], ['Busy:firing'], ['Busy:inactive']]);
  });
});
