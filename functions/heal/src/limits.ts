import { alertmanager, heal, type Context } from '@vigil/core';

/**
 * Blast-radius limits of one runbook, as one item per runbook updated with conditional
 * writes: the executions holding a concurrency slot and the starts of the last hour. Entries
 * are execution IDs, so a redelivered start that already holds its slot is let through instead
 * of counted twice.
 */
interface LimitState {
  active: { id: string; at: number }[];
  recent: { id: string; at: number }[];
}

const HOUR_MS = 3_600_000;
/**
 * A slot whose execution never finished (its messages dead-lettered) is given up after this:
 * longer than any execution can take (actions, rollback, and a verification up to 24 h).
 */
export const STALE_SLOT_MS = 26 * HOUR_MS;

export type LimitDecision = { ok: true } | { ok: false; reason: string };

export async function acquireSlot(ctx: Context, tenant: string, runbook: string, id: string, limits: heal.Runbook['limits']): Promise<LimitDecision> {
  const now = ctx.clock.now();
  let decision: LimitDecision = { ok: true };
  await alertmanager.casUpdate<LimitState>(
    ctx.store,
    heal.healKeys.limits(tenant),
    runbook,
    (current) => {
      const active = (current?.active ?? []).filter((s) => s.at > now - STALE_SLOT_MS);
      const recent = (current?.recent ?? []).filter((s) => s.at > now - HOUR_MS);
      if (active.some((s) => s.id === id)) {
        decision = { ok: true };
        return undefined;
      }
      if (active.length >= limits.max_concurrent) {
        decision = { ok: false, reason: `max_concurrent: ${active.length} execution(s) of this runbook already running (limit ${limits.max_concurrent})` };
        return undefined;
      }
      if (recent.length >= limits.max_per_hour) {
        decision = { ok: false, reason: `max_per_hour: ${recent.length} execution(s) of this runbook started in the last hour (limit ${limits.max_per_hour})` };
        return undefined;
      }
      decision = { ok: true };
      return { active: [...active, { id, at: now }], recent: [...recent, { id, at: now }] };
    },
    () => now + STALE_SLOT_MS,
  );
  return decision;
}

/** Gives the slot back; releasing one not held is a no-op, so a redelivered finish is harmless. */
export async function releaseSlot(ctx: Context, tenant: string, runbook: string, id: string): Promise<void> {
  const now = ctx.clock.now();
  await alertmanager.casUpdate<LimitState>(
    ctx.store,
    heal.healKeys.limits(tenant),
    runbook,
    (current) => {
      if (!current || !current.active.some((s) => s.id === id)) return undefined;
      return { ...current, active: current.active.filter((s) => s.id !== id) };
    },
    () => now + STALE_SLOT_MS,
  );
}
