import type { StateStore } from '@vigil/core';

export interface RuleStatus {
  name: string;
  health: 'ok' | 'err' | 'unknown';
  lastError?: string;
  evaluationMs: number;
}

export interface GroupStatus {
  lastEvaluation: number;
  evaluationMs: number;
  rules: RuleStatus[];
}

/** Group IDs keep namespace and name apart even when they contain '/'. */
export function groupId(namespace: string, group: string): string {
  return `${encodeURIComponent(namespace)}/${encodeURIComponent(group)}`;
}

const pk = (tenant: string) => `gs#${tenant}`;

/** Health and timing of a group's last scheduled evaluation, for `/api/v1/rules`. */
export async function writeGroupStatus(store: StateStore, tenant: string, id: string, status: GroupStatus): Promise<void> {
  await store.put(pk(tenant), id, status as never);
}

export async function readGroupStatus(store: StateStore, tenant: string, id: string): Promise<GroupStatus | undefined> {
  return (await store.get<GroupStatus>(pk(tenant), id))?.value;
}
