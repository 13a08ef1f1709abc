import type { Context } from '@vigil/core';
import type { NotifyMessage } from '@vigil/events';
import { dispatchAlerts } from './dispatch';
import { flushGroup } from './flush';

export { dispatchAlerts } from './dispatch';
export { flushGroup } from './flush';
export { compileConfig, type CompiledConfig } from './shared';
export { Muter, type MuteStatus } from './muting';

/**
 * notify: `alerts` messages update the alert store and aggregation groups; `flush`
 * messages, delayed by group_wait / group_interval, send one group's notification.
 * No process has to stay alive between the two: the timers are queue delays.
 */
export async function handle(input: NotifyMessage, ctx: Context): Promise<void> {
  if (input.kind === 'alerts') await dispatchAlerts(input.tenant, input.alerts, ctx);
  else await flushGroup(input.tenant, input.groupId, input.due, ctx);
}
