import { alertmanager, queryAll, type Context } from '@vigil/core';
import type { CompiledConfig } from './shared';

type NotifyAlert = alertmanager.NotifyAlert;

/** Why an alert is held back at one moment (Alertmanager's marker status). */
export interface MuteStatus {
  inhibitedBy: string[];
  silencedBy: string[];
}

/**
 * The inhibitor and silencer of a tenant at one moment. Inhibition looks at every alert the
 * tenant has (not only the group's), as Alertmanager's inhibitor reads its whole alert store;
 * the tenant's alerts are read only when the configuration has inhibit rules.
 */
export class Muter {
  private constructor(
    private readonly inhibitor: alertmanager.Inhibitor | undefined,
    private readonly silencer: alertmanager.Silencer,
  ) {}

  /**
   * `alerts`: the tenant's alerts when the caller has them already. `targets`: the only alerts
   * the caller will ask about; when no inhibit rule can mute any of them, the tenant's alerts
   * are not read at all (the common case for a flush).
   */
  static async load(
    ctx: Context,
    tenant: string,
    compiled: CompiledConfig | undefined,
    now: number,
    options: { alerts?: NotifyAlert[]; targets?: ReadonlyArray<{ labels: Record<string, string> }> } = {},
  ): Promise<Muter> {
    const silences = await new alertmanager.SilenceRepository(ctx.store).list(tenant);
    let inhibitor: alertmanager.Inhibitor | undefined;
    const rules = compiled?.inhibitRules ?? [];
    const needed = rules.length > 0 && (!options.targets || options.targets.some((a) => alertmanager.mayBeInhibited(rules, a.labels)));
    if (needed) {
      const all = options.alerts ?? (await queryAll<NotifyAlert>(ctx.store, alertmanager.notifyKeys.alerts(tenant))).map((i) => i.value);
      inhibitor = new alertmanager.Inhibitor(rules, all, now);
    }
    return new Muter(inhibitor, new alertmanager.Silencer(silences, now));
  }

  status(labels: Record<string, string>): MuteStatus {
    return { inhibitedBy: this.inhibitor?.inhibitedBy(labels) ?? [], silencedBy: this.silencer.silencedBy(labels) };
  }

  /** Alertmanager's InhibitStage then SilenceStage: the alerts that may be notified. */
  unmuted<A extends { labels: Record<string, string> }>(alerts: A[]): A[] {
    return alerts.filter((a) => !(this.inhibitor?.mutes(a.labels) ?? false) && !this.silencer.mutes(a.labels));
  }
}
