/**
 * Heal state in the StateStore: runbooks, executions and their audit trails. An execution
 * changes only through {@link ExecutionRepository.update}, which writes the new state and its
 * audit entries in one conditional transaction — a state without its audit entry, or two
 * workers both moving the same execution, cannot happen.
 */
import { createHash } from 'node:crypto';
import type { JsonValue, StateStore, WriteOp } from '../ports';
import { ConditionFailedError, queryAll } from '../ports';
import type { Labels } from '../model/labels';
import { ValidationError } from '../errors';
import { MAX_RUNBOOKS_PER_TENANT, toRunbook, type Runbook, type RunbookDocument } from './runbook';

/** Executions and their audit trails are kept this long after their last change. */
export const EXECUTION_RETENTION_MS = 30 * 24 * 3_600_000;

export const healKeys = {
  runbooks: (tenant: string) => `rb#${tenant}`,
  executions: (tenant: string) => `hx#${tenant}`,
  audit: (tenant: string, id: string) => `hxa#${tenant}#${id}`,
  limits: (tenant: string) => `hlim#${tenant}`,
};

export interface StoredRunbook {
  /** As written (header values included: never returned unredacted). */
  document: RunbookDocument;
  updatedAt: number;
}

export class RunbookRepository {
  private readonly parsed = new Map<string, { version: number; runbook: Runbook }>();
  constructor(private readonly store: StateStore) {}

  /** Stores a runbook; returns whether it replaced one. */
  async put(tenant: string, document: RunbookDocument, now: number): Promise<{ created: boolean }> {
    const name = document.name;
    const existing = await this.store.get(healKeys.runbooks(tenant), name);
    if (!existing) {
      const count = (await queryAll(this.store, healKeys.runbooks(tenant))).length;
      if (count >= MAX_RUNBOOKS_PER_TENANT) throw ValidationError.single('name', `a tenant may have at most ${MAX_RUNBOOKS_PER_TENANT} runbooks`, 422);
    }
    await this.store.put(healKeys.runbooks(tenant), name, { document, updatedAt: now } as never);
    return { created: !existing };
  }

  async get(tenant: string, name: string): Promise<StoredRunbook | undefined> {
    return (await this.store.get<StoredRunbook>(healKeys.runbooks(tenant), name))?.value;
  }

  async list(tenant: string): Promise<StoredRunbook[]> {
    return (await queryAll<StoredRunbook>(this.store, healKeys.runbooks(tenant))).map((i) => i.value);
  }

  async delete(tenant: string, name: string): Promise<boolean> {
    if (!(await this.store.get(healKeys.runbooks(tenant), name))) return false;
    await this.store.delete(healKeys.runbooks(tenant), name);
    return true;
  }

  /** Every runbook of the tenant, parsed; a document is re-parsed only when its version changes. */
  async loadAll(tenant: string): Promise<Runbook[]> {
    const items = await queryAll<StoredRunbook>(this.store, healKeys.runbooks(tenant));
    return items.map((item) => {
      const key = `${tenant}\u0000${item.sk}`;
      const cached = this.parsed.get(key);
      if (cached && cached.version === item.version) return cached.runbook;
      const runbook = toRunbook(item.value.document);
      if (this.parsed.size > 10_000) this.parsed.clear();
      this.parsed.set(key, { version: item.version, runbook });
      return runbook;
    });
  }
}

export type ExecutionStatus =
  /** Waiting for an operator (`approval: required`). */
  | 'awaiting_approval'
  /** Approved; the heal handler has not started it yet. */
  | 'approved'
  /** Created for a runbook without approval; not started yet. */
  | 'pending'
  | 'running'
  /** Actions done; waiting for the delayed verification. */
  | 'verifying'
  | 'rolling_back'
  | 'succeeded'
  | 'failed'
  | 'failed_verification'
  | 'dry_run'
  /** Refused by the runbook's blast-radius limits. */
  | 'limited'
  /** The alert resolved before the execution started. */
  | 'cancelled'
  | 'rejected';

export const TERMINAL_STATUSES: ReadonlySet<ExecutionStatus> = new Set(['succeeded', 'failed', 'failed_verification', 'dry_run', 'limited', 'cancelled', 'rejected']);

/** The alert an execution answers, as evaluate handed it over (times in epoch ms). */
export interface ExecutionAlert {
  labels: Labels;
  annotations: Labels;
  startsAt: number;
  endsAt: number;
  generatorURL: string;
}

/** How one action went. */
export interface StepOutcome {
  index: number;
  name: string;
  ok: boolean;
  attempts: number;
  httpStatus?: number;
  error?: string;
  at: number;
}

/** What a dry run would have sent (header values redacted). */
export interface PlannedRequest {
  phase: 'action' | 'rollback';
  index: number;
  name: string;
  method: string;
  url?: string;
  headers?: Record<string, string>;
  body?: string;
  /** The template could not be rendered for this alert. */
  error?: string;
}

export interface Execution {
  id: string;
  tenant: string;
  runbook: string;
  fingerprint: string;
  alert: ExecutionAlert;
  /** The rule group whose alert state verification reads. */
  group?: string;
  /** The runbook as it was when the execution was created: what is approved is what runs. */
  document: RunbookDocument;
  status: ExecutionStatus;
  dryRun: boolean;
  createdAt: number;
  updatedAt: number;
  approvedBy?: string;
  approvedAt?: number;
  actions: StepOutcome[];
  rollback: StepOutcome[];
  plan?: PlannedRequest[];
  /** When the verification is due (status verifying). */
  verifyDue?: number;
  /** Why a rollback runs, and the status once it is done. */
  failure?: { status: 'failed' | 'failed_verification'; reason: string };
  /** Set while a worker runs the execution; another delivery waits until it passes. */
  leaseUntil?: number;
  /** Whether the execution counts against max_concurrent. */
  holdsSlot?: boolean;
  reason?: string;
  /** Audit entries written so far (the next entry's sequence number). */
  seq: number;
}

export interface AuditEntry {
  seq: number;
  at: number;
  event: string;
  status: ExecutionStatus;
  detail?: Record<string, JsonValue>;
}

export type AuditInput = Omit<AuditEntry, 'seq' | 'at' | 'status'>;

export interface StoredExecution {
  execution: Execution;
  version: number;
}

/**
 * The execution ID: one per (tenant, runbook, alert fingerprint, alert start), so every
 * delivery of the same alert firing lands on the same execution. The start time leads, so
 * listing in reverse key order shows the latest first.
 */
export function executionId(tenant: string, runbook: string, fingerprint: string, startsAt: number): string {
  const hash = createHash('sha256').update(tenant).update('\u0000').update(runbook).update('\u0000').update(fingerprint).update('\u0000').update(String(startsAt)).digest('hex');
  return `${String(Math.max(0, startsAt)).padStart(13, '0')}-${hash.slice(0, 20)}`;
}

export const EXECUTION_ID_RE = /^\d{13}-[0-9a-f]{20}$/;

const auditSk = (seq: number) => String(seq).padStart(6, '0');

export class ExecutionRepository {
  constructor(private readonly store: StateStore) {}

  async get(tenant: string, id: string): Promise<StoredExecution | undefined> {
    const item = await this.store.get<Execution>(healKeys.executions(tenant), id);
    return item && { execution: item.value, version: item.version };
  }

  /** Creates the execution unless it exists; returns undefined when it already did. */
  async create(execution: Execution, audit: AuditInput[]): Promise<StoredExecution | undefined> {
    try {
      return await this.write(execution, 0, audit);
    } catch (err) {
      if (err instanceof ConditionFailedError) return undefined;
      throw err;
    }
  }

  /**
   * Moves an execution to `next` with its audit entries, on the condition that nobody else
   * moved it since it was read. Throws ConditionFailedError otherwise.
   */
  async update(current: StoredExecution, next: Execution, audit: AuditInput[]): Promise<StoredExecution> {
    return this.write(next, current.version, audit);
  }

  private async write(execution: Execution, ifVersion: number, audit: AuditInput[]): Promise<StoredExecution> {
    const now = execution.updatedAt;
    const expiresAt = now + EXECUTION_RETENTION_MS;
    let seq = execution.seq;
    const entries: WriteOp[] = audit.map((a) => {
      const entry: AuditEntry = { seq, at: now, status: execution.status, ...a };
      return { type: 'put', pk: healKeys.audit(execution.tenant, execution.id), sk: auditSk(seq++), value: entry as never, ifVersion: 0, expiresAt };
    });
    const next: Execution = { ...execution, seq };
    await this.store.transact([{ type: 'put', pk: healKeys.executions(execution.tenant), sk: execution.id, value: next as never, ifVersion, expiresAt }, ...entries]);
    return { execution: next, version: ifVersion + 1 };
  }

  /** The latest executions first. */
  async list(tenant: string, options: { limit?: number; cursor?: string } = {}): Promise<{ executions: Execution[]; cursor?: string }> {
    const page = await this.store.query<Execution>(healKeys.executions(tenant), { reverse: true, limit: options.limit ?? 100, cursor: options.cursor });
    return { executions: page.items.map((i) => i.value), cursor: page.cursor };
  }

  async audit(tenant: string, id: string): Promise<AuditEntry[]> {
    return (await queryAll<AuditEntry>(this.store, healKeys.audit(tenant, id))).map((i) => i.value);
  }
}
