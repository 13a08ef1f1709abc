import { createHash } from 'node:crypto';
import type { StateStore } from '../../ports';
import { ConditionFailedError } from '../../ports';
import type { Labels } from '../../model/labels';
import { parseAlertmanagerConfig, type AlertmanagerConfig } from '../config';

/**
 * Notify-side state in the StateStore: the tenant's Alertmanager configuration, the alerts
 * notify has been told about, aggregation groups and the notification log. Each is
 * updated with conditional writes, so concurrent notify invocations never lose an update.
 */

export interface StoredAlertmanagerConfig {
  /** The `alertmanager_config` YAML as uploaded (secrets included: never returned unredacted). */
  config: string;
  templateFiles: Record<string, string>;
  updatedAt: number;
}

export class AlertmanagerConfigRepository {
  private readonly parsed = new Map<string, { version: number; config: AlertmanagerConfig }>();
  constructor(private readonly store: StateStore) {}

  async put(tenant: string, value: StoredAlertmanagerConfig): Promise<void> {
    await this.store.put(`amcfg#${tenant}`, 'config', value as never);
  }
  async get(tenant: string): Promise<StoredAlertmanagerConfig | undefined> {
    return (await this.store.get<StoredAlertmanagerConfig>(`amcfg#${tenant}`, 'config'))?.value;
  }
  async delete(tenant: string): Promise<boolean> {
    if (!(await this.store.get(`amcfg#${tenant}`, 'config'))) return false;
    await this.store.delete(`amcfg#${tenant}`, 'config');
    return true;
  }
  /** The parsed configuration, re-parsed only when its stored version changes. */
  async load(tenant: string): Promise<AlertmanagerConfig | undefined> {
    const item = await this.store.get<StoredAlertmanagerConfig>(`amcfg#${tenant}`, 'config');
    if (!item) return undefined;
    const cached = this.parsed.get(tenant);
    if (cached && cached.version === item.version) return cached.config;
    const config = parseAlertmanagerConfig(item.value.config);
    this.parsed.set(tenant, { version: item.version, config });
    return config;
  }
}

/** An alert as notify keeps it (Alertmanager's types.Alert), times in epoch ms. */
export interface NotifyAlert {
  fingerprint: string;
  labels: Labels;
  annotations: Labels;
  startsAt: number;
  endsAt: number;
  generatorURL: string;
  updatedAt: number;
}

/** One aggregation group: the alerts of one route and group-label set. */
export interface AggregationGroup {
  groupKey: string;
  receiver: string;
  routeId: string;
  groupLabels: Labels;
  fingerprints: string[];
  groupWaitMs: number;
  groupIntervalMs: number;
  repeatIntervalMs: number;
  sendResolved?: boolean;
  createdAt: number;
  /** When the next flush is due; a flush message carrying another time is stale. */
  nextFlushAt: number;
  /** The due time of the flush that currently owns sending (kept so a redelivery can retry it). */
  claimedDue?: number;
  lastFlushedDue?: number;
  /** Set when the last alert left the group: an empty group lives on briefly, as in Alertmanager. */
  emptySince?: number;
}

/** What was last sent to one integration of a receiver for one group. */
export interface NotificationLogEntry {
  firing: string[];
  resolved: string[];
  sentAt: number;
}

/** Stable ID of an aggregation group, safe as a key anywhere. */
export function aggregationGroupId(receiver: string, groupKey: string): string {
  return createHash('sha256').update(receiver).update('\u0000').update(groupKey).digest('hex').slice(0, 32);
}

const MAX_CAS_ATTEMPTS = 10;

/**
 * Read-modify-write with optimistic concurrency: `update` gets the current value (or
 * undefined) and returns the next one, or undefined to leave it as it is.
 */
export async function casUpdate<V>(
  store: StateStore,
  pk: string,
  sk: string,
  update: (current: V | undefined) => V | undefined,
  expiresAt?: (next: V) => number | undefined,
): Promise<V | undefined> {
  for (let attempt = 1; ; attempt++) {
    const item = await store.get<V>(pk, sk);
    const next = update(item?.value);
    if (next === undefined) return item?.value;
    try {
      await store.put(pk, sk, next as never, { ifVersion: item?.version ?? 0, expiresAt: expiresAt?.(next) });
      return next;
    } catch (err) {
      if (!(err instanceof ConditionFailedError) || attempt >= MAX_CAS_ATTEMPTS) throw err;
    }
  }
}

export const notifyKeys = {
  alerts: (tenant: string) => `na#${tenant}`,
  groups: (tenant: string) => `ag#${tenant}`,
  log: (tenant: string) => `nl#${tenant}`,
};
