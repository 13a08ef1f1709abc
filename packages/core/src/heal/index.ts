/** Guarded remediation: the runbook format, heal's state in the store, and the seams evaluate and the API use. */
export * from './runbook';
export * from './store';
export * from './enqueue';
export * from './approve';
