import type { StateStore } from '../ports';
import { queryAll } from '../ports';

/**
 * Tenants that own data or configuration, so scheduled sweeps (evaluation, compaction,
 * predict, drift-detect) find them all. Registered on first rule upload and first sample.
 */
export async function registerTenant(store: StateStore, tenant: string): Promise<void> {
  if (await store.get('tenants', tenant)) return;
  await store.put('tenants', tenant, {});
}

export async function listTenants(store: StateStore): Promise<string[]> {
  return (await queryAll(store, 'tenants')).map((i) => i.sk);
}
