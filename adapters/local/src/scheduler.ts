import { createHash } from 'node:crypto';
import { groupIntervalMs, listTenants, type Context } from '@vigil/core';
import { groupId } from '@vigil/fn-evaluate';

interface ScheduledGroup {
  tenant: string;
  namespace: string;
  name: string;
  intervalMs: number;
  offsetMs: number;
  lastSlot: number;
}

/**
 * Puts an `evaluate` message on the queue for each rule group at every multiple of its
 * interval, shifted by a stable per-group offset (as Prometheus spreads groups so they do
 * not all run at once). Each slot is sent once, with a dedup key, so a restart mid-slot
 * does not evaluate twice.
 */
export class RuleScheduler {
  private groups = new Map<string, ScheduledGroup>();
  private timer: NodeJS.Timeout | undefined;
  private loading: Promise<void> = Promise.resolve();

  constructor(
    private readonly ctx: Context,
    private readonly tickMs = 1000,
  ) {}

  async start(): Promise<void> {
    await this.reloadAll();
    this.timer = setInterval(() => void this.tick().catch((err) => this.ctx.logger.error('scheduler tick failed', { error: String(err) })), this.tickMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Re-reads one tenant's groups after they changed. */
  refresh(tenant: string): void {
    this.loading = this.loading.then(() => this.reloadTenant(tenant)).catch((err) => this.ctx.logger.error('scheduler reload failed', { tenant, error: String(err) }));
  }

  async reloadAll(): Promise<void> {
    for (const tenant of await listTenants(this.ctx.store)) await this.reloadTenant(tenant);
  }

  private async reloadTenant(tenant: string): Promise<void> {
    const now = this.ctx.clock.now();
    const fresh = new Map([...this.groups].filter(([, g]) => g.tenant !== tenant));
    for (const stored of await this.ctx.services.ruleGroups.list(tenant)) {
      const key = `${tenant}/${groupId(stored.namespace, stored.group.name)}`;
      const intervalMs = groupIntervalMs(stored.group);
      const offsetMs = Number.parseInt(createHash('sha256').update(key).digest('hex').slice(0, 8), 16) % intervalMs;
      const previous = this.groups.get(key);
      const lastSlot = previous && previous.intervalMs === intervalMs ? previous.lastSlot : Math.floor((now - offsetMs) / intervalMs) - 1;
      fresh.set(key, { tenant, namespace: stored.namespace, name: stored.group.name, intervalMs, offsetMs, lastSlot });
    }
    this.groups = fresh;
  }

  /** Sends the evaluations that are due at the clock's current time. */
  async tick(): Promise<number> {
    await this.loading;
    const now = this.ctx.clock.now();
    let sent = 0;
    for (const [key, g] of this.groups) {
      const slot = Math.floor((now - g.offsetMs) / g.intervalMs);
      if (slot <= g.lastSlot) continue;
      g.lastSlot = slot;
      const at = slot * g.intervalMs + g.offsetMs;
      await this.ctx.queue.send('evaluate', {
        body: { kind: 'group', tenant: g.tenant, namespace: g.namespace, group: g.name, at },
        dedupKey: `${key}@${at}`,
      });
      sent++;
    }
    return sent;
  }
}
