import type { heal } from '@vigil/core';

/** What one heal message led to; `skipped` says why nothing happened (duplicate, stale, no runbook). */
export interface HealResult {
  executionId?: string;
  status: heal.ExecutionStatus | 'skipped';
  reason?: string;
}
