import type { StateStore } from '../ports';
import { queryAll } from '../ports';
import { registerTenant } from '../tenants';
import type { RuleGroup } from './schema';

export interface StoredRuleGroup {
  namespace: string;
  group: RuleGroup;
  updatedAt: number;
}

const pk = (tenant: string) => `rg#${tenant}`;
// Names may contain '/', so each part is encoded; the sort key still orders by namespace then group.
const sk = (namespace: string, group: string) => `${encodeURIComponent(namespace)}/${encodeURIComponent(group)}`;

/** Rule groups per tenant, addressed as the Mimir ruler API does: namespace and group name. */
export class RuleGroupRepository {
  constructor(private readonly store: StateStore) {}

  async put(tenant: string, namespace: string, group: RuleGroup, now: number): Promise<void> {
    const value: StoredRuleGroup = { namespace, group, updatedAt: now };
    await this.store.put(pk(tenant), sk(namespace, group.name), value as never);
    await registerTenant(this.store, tenant);
  }

  async get(tenant: string, namespace: string, group: string): Promise<StoredRuleGroup | undefined> {
    return (await this.store.get<StoredRuleGroup>(pk(tenant), sk(namespace, group)))?.value;
  }

  async list(tenant: string, namespace?: string): Promise<StoredRuleGroup[]> {
    const items = await queryAll<StoredRuleGroup>(this.store, pk(tenant), namespace === undefined ? {} : { skPrefix: `${encodeURIComponent(namespace)}/` });
    return items.map((i) => i.value);
  }

  /** Returns whether the group existed. */
  async delete(tenant: string, namespace: string, group: string): Promise<boolean> {
    const existing = await this.store.get(pk(tenant), sk(namespace, group));
    if (!existing) return false;
    await this.store.delete(pk(tenant), sk(namespace, group));
    return true;
  }

  async deleteNamespace(tenant: string, namespace: string): Promise<number> {
    const groups = await this.list(tenant, namespace);
    if (groups.length > 0) await this.store.batchWrite(groups.map((g) => ({ type: 'delete' as const, pk: pk(tenant), sk: sk(namespace, g.group.name) })));
    return groups.length;
  }
}

export { listTenants, registerTenant } from '../tenants';
