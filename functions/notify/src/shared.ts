import { alertmanager, type Context } from '@vigil/core';

/** SQS caps message delays at 15 minutes; longer waits hop through several messages. */
export const MAX_QUEUE_DELAY_S = 900;

const trees = new WeakMap<alertmanager.AlertmanagerConfig, alertmanager.Route>();
export function routeTree(config: alertmanager.AlertmanagerConfig): alertmanager.Route {
  let tree = trees.get(config);
  if (!tree) trees.set(config, (tree = alertmanager.buildRouteTree(config.route)));
  return tree;
}

export async function enqueueFlush(ctx: Context, tenant: string, groupId: string, due: number): Promise<void> {
  const delaySeconds = Math.min(MAX_QUEUE_DELAY_S, Math.max(0, Math.ceil((due - ctx.clock.now()) / 1000)));
  await ctx.queue.send('notify', { body: { kind: 'flush', tenant, groupId, due }, delaySeconds, dedupKey: `flush:${tenant}:${groupId}:${due}` });
}
