import { alertmanager, delaySecondsUntil, type Context } from '@vigil/core';

/** What a configuration compiles to once per warm instance: the route tree, inhibit rules and time intervals. */
export interface CompiledConfig {
  tree: alertmanager.Route;
  routesById: Map<string, alertmanager.Route>;
  inhibitRules: alertmanager.InhibitRule[];
  timeIntervals: alertmanager.TimeIntervalSet;
}

const compiled = new WeakMap<alertmanager.AlertmanagerConfig, CompiledConfig>();

export function compileConfig(config: alertmanager.AlertmanagerConfig): CompiledConfig {
  let c = compiled.get(config);
  if (!c) {
    const tree = alertmanager.buildRouteTree(config.route);
    const routesById = new Map<string, alertmanager.Route>();
    alertmanager.walkRouteTree(tree, (r) => routesById.set(r.id, r));
    c = {
      tree,
      routesById,
      inhibitRules: alertmanager.compileInhibitRules(config.inhibit_rules),
      timeIntervals: alertmanager.compileTimeIntervals(config.time_intervals, config.mute_time_intervals),
    };
    compiled.set(config, c);
  }
  return c;
}

export function routeTree(config: alertmanager.AlertmanagerConfig): alertmanager.Route {
  return compileConfig(config).tree;
}

export async function enqueueFlush(ctx: Context, tenant: string, groupId: string, due: number): Promise<void> {
  const delaySeconds = delaySecondsUntil(due, ctx.clock.now());
  await ctx.queue.send('notify', { body: { kind: 'flush', tenant, groupId, due }, delaySeconds, dedupKey: `flush:${tenant}:${groupId}:${due}` });
}
