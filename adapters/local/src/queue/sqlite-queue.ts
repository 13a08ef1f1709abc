import { randomUUID } from 'node:crypto';
import type { Statement } from 'better-sqlite3';
import type {
  Clock,
  DeliveredMessage,
  OutgoingMessage,
  Queue,
  QueueName,
} from '@vigil/core';
import { openDatabase, type SqliteDatabase } from '../store/database';

export interface SqliteQueueOptions {
  busyTimeoutMs?: number;
  /** Receives after which a failed or abandoned message goes to the dead-letter table. */
  maxReceives?: number;
  /** A message whose dedup key was sent to the same queue within this window is dropped. */
  dedupWindowMs?: number;
  /** Longest accepted `delaySeconds`; SQS refuses more than 900. */
  maxDelaySeconds?: number;
}

export interface DeadLetter {
  id: string;
  queue: QueueName;
  body: unknown;
  dedupKey?: string;
  attempts: number;
  firstEnqueuedAt: number;
  deadAt: number;
  lastError?: string;
}

export interface QueueStats {
  /** Receivable now. */
  visible: number;
  /** Delayed, leased, or backing off after a failure. */
  invisible: number;
  dead: number;
}

interface MessageRow {
  seq: number;
  id: string;
  body: string;
  attempts: number;
}

const MAX_ERROR_CHARS = 4096;

/**
 * A durable queue in SQLite. Messages are leased, not removed, on receive: a lease that is
 * never acked (the consumer crashed, the process was killed) simply runs out and the message
 * is received again, so delivery is at-least-once across restarts. Several processes may
 * share the file; every multi-statement step runs in an IMMEDIATE transaction, so two
 * receivers never lease the same message.
 */
export class SqliteQueue implements Queue {
  private readonly db: SqliteDatabase;
  private readonly maxReceives: number;
  private readonly dedupWindowMs: number;
  private readonly maxDelaySeconds: number;
  private readonly listeners = new Set<(queue: QueueName) => void>();
  private nextDedupSweepAt = -Infinity;
  private readonly stmts: {
    insert: Statement<[Record<string, unknown>]>;
    dedupGet: Statement<[{ queue: string; key: string; now: number }], { one: number }>;
    dedupPut: Statement<[{ queue: string; key: string; expiresAt: number }]>;
    dedupSweep: Statement<[{ now: number }]>;
    reapToDead: Statement<[{ queue: string; now: number; maxReceives: number }]>;
    reapDelete: Statement<[{ queue: string; now: number; maxReceives: number }]>;
    selectVisible: Statement<[{ queue: string; now: number; max: number }], MessageRow>;
    lease: Statement<[{ seq: number; until: number }]>;
    ack: Statement<[{ id: string }]>;
    attempts: Statement<[{ id: string }], { attempts: number }>;
    retry: Statement<[{ id: string; visibleAt: number; error: string }]>;
    toDead: Statement<[{ id: string; now: number; error: string }]>;
    deleteById: Statement<[{ id: string }]>;
    listDead: Statement<[{ queue: string }], DeadRow>;
    redriveInsert: Statement<[{ queue: string; now: number }]>;
    redriveDelete: Statement<[{ queue: string }]>;
    stats: Statement<[{ queue: string; now: number }], { visible: number; invisible: number }>;
    deadCount: Statement<[{ queue: string }], { dead: number }>;
  };
  private readonly sendTx: (queue: QueueName, messages: PreparedMessage[], now: number) => number;
  private readonly receiveTx: (queue: QueueName, max: number, visibilityTimeoutMs: number, now: number) => MessageRow[];
  private readonly nackTx: (id: string, delayMs: number, error: string, now: number, final: boolean) => void;
  private readonly reapTx: (queue: QueueName, now: number) => void;
  private readonly redriveTx: (queue: QueueName, now: number) => number;

  /**
   * `path` may be the state store's file (the tables do not collide), but a file of its own
   * (e.g. `queue.db` beside `state.db`) is the better default: SQLite allows one writer per
   * file, so separate files keep queue churn from queueing behind state writes.
   */
  constructor(
    path: string,
    private readonly clock: Clock,
    options: SqliteQueueOptions = {},
  ) {
    this.maxReceives = options.maxReceives ?? 5;
    this.dedupWindowMs = options.dedupWindowMs ?? 5 * 60_000;
    this.maxDelaySeconds = options.maxDelaySeconds ?? 900;
    if (!Number.isInteger(this.maxReceives) || this.maxReceives < 1) {
      throw new RangeError(`maxReceives must be a positive integer, got ${this.maxReceives}`);
    }
    this.db = openDatabase(path, { busyTimeoutMs: options.busyTimeoutMs });
    try {
      this.db.exec(`
        CREATE TABLE IF NOT EXISTS queue_messages (
          seq INTEGER PRIMARY KEY,
          id TEXT NOT NULL UNIQUE,
          queue TEXT NOT NULL,
          body TEXT NOT NULL,
          dedup_key TEXT NULL,
          visible_at INTEGER NOT NULL,
          attempts INTEGER NOT NULL DEFAULT 0,
          first_enqueued_at INTEGER NOT NULL,
          last_error TEXT NULL
        );
        CREATE INDEX IF NOT EXISTS queue_messages_visible ON queue_messages (queue, visible_at);
        CREATE TABLE IF NOT EXISTS queue_dedup (
          queue TEXT NOT NULL,
          dedup_key TEXT NOT NULL,
          expires_at INTEGER NOT NULL,
          PRIMARY KEY (queue, dedup_key)
        ) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS queue_dedup_expires_at ON queue_dedup (expires_at);
        CREATE TABLE IF NOT EXISTS queue_dead_letters (
          id TEXT PRIMARY KEY,
          queue TEXT NOT NULL,
          body TEXT NOT NULL,
          dedup_key TEXT NULL,
          attempts INTEGER NOT NULL,
          first_enqueued_at INTEGER NOT NULL,
          last_error TEXT NULL,
          dead_at INTEGER NOT NULL
        );
        CREATE INDEX IF NOT EXISTS queue_dead_letters_queue ON queue_dead_letters (queue, dead_at);
      `);
      const exhausted = 'queue = @queue AND visible_at <= @now AND attempts >= @maxReceives';
      this.stmts = {
        insert: this.db.prepare(`
          INSERT INTO queue_messages (id, queue, body, dedup_key, visible_at, attempts, first_enqueued_at)
          VALUES (@id, @queue, @body, @dedupKey, @visibleAt, 0, @now)`),
        dedupGet: this.db.prepare(
          'SELECT 1 AS one FROM queue_dedup WHERE queue = @queue AND dedup_key = @key AND expires_at > @now',
        ),
        dedupPut: this.db.prepare(
          'INSERT OR REPLACE INTO queue_dedup (queue, dedup_key, expires_at) VALUES (@queue, @key, @expiresAt)',
        ),
        dedupSweep: this.db.prepare('DELETE FROM queue_dedup WHERE expires_at <= @now'),
        // A lease that ran out on the last allowed receive means the consumer died or hung
        // every time: treat it like a failed attempt rather than leasing it again.
        reapToDead: this.db.prepare(`
          INSERT OR REPLACE INTO queue_dead_letters
            (id, queue, body, dedup_key, attempts, first_enqueued_at, last_error, dead_at)
          SELECT id, queue, body, dedup_key, attempts, first_enqueued_at,
                 'lease expired without ack' || COALESCE(' (earlier error: ' || last_error || ')', ''), @now
          FROM queue_messages WHERE ${exhausted}`),
        reapDelete: this.db.prepare(`DELETE FROM queue_messages WHERE ${exhausted}`),
        selectVisible: this.db.prepare(`
          SELECT seq, id, body, attempts FROM queue_messages
          WHERE queue = @queue AND visible_at <= @now
          ORDER BY visible_at, seq LIMIT @max`),
        lease: this.db.prepare('UPDATE queue_messages SET visible_at = @until, attempts = attempts + 1 WHERE seq = @seq'),
        ack: this.db.prepare('DELETE FROM queue_messages WHERE id = @id'),
        attempts: this.db.prepare('SELECT attempts FROM queue_messages WHERE id = @id'),
        retry: this.db.prepare('UPDATE queue_messages SET visible_at = @visibleAt, last_error = @error WHERE id = @id'),
        toDead: this.db.prepare(`
          INSERT OR REPLACE INTO queue_dead_letters
            (id, queue, body, dedup_key, attempts, first_enqueued_at, last_error, dead_at)
          SELECT id, queue, body, dedup_key, attempts, first_enqueued_at, @error, @now
          FROM queue_messages WHERE id = @id`),
        deleteById: this.db.prepare('DELETE FROM queue_messages WHERE id = @id'),
        listDead: this.db.prepare(`
          SELECT id, queue, body, dedup_key, attempts, first_enqueued_at, last_error, dead_at
          FROM queue_dead_letters WHERE queue = @queue ORDER BY dead_at, id`),
        // Redriven messages get a fresh receive budget; their history stays in last_error.
        redriveInsert: this.db.prepare(`
          INSERT INTO queue_messages (id, queue, body, dedup_key, visible_at, attempts, first_enqueued_at, last_error)
          SELECT id, queue, body, dedup_key, @now, 0, first_enqueued_at, last_error
          FROM queue_dead_letters WHERE queue = @queue ORDER BY dead_at, id`),
        redriveDelete: this.db.prepare('DELETE FROM queue_dead_letters WHERE queue = @queue'),
        stats: this.db.prepare(`
          SELECT COALESCE(SUM(visible_at <= @now), 0) AS visible, COALESCE(SUM(visible_at > @now), 0) AS invisible
          FROM queue_messages WHERE queue = @queue`),
        deadCount: this.db.prepare('SELECT COUNT(*) AS dead FROM queue_dead_letters WHERE queue = @queue'),
      };

      this.sendTx = this.db.transaction((queue: QueueName, messages: PreparedMessage[], now: number) => {
        if (now >= this.nextDedupSweepAt) {
          this.stmts.dedupSweep.run({ now });
          this.nextDedupSweepAt = now + this.dedupWindowMs;
        }
        let inserted = 0;
        for (const { body, dedupKey: key, delayMs } of messages) {
          if (key !== undefined) {
            if (this.stmts.dedupGet.get({ queue, key, now })) continue;
            this.stmts.dedupPut.run({ queue, key, expiresAt: now + this.dedupWindowMs });
          }
          this.stmts.insert.run({
            id: randomUUID(),
            queue,
            body,
            dedupKey: key ?? null,
            visibleAt: now + delayMs,
            now,
          });
          inserted++;
        }
        return inserted;
      }).immediate as (queue: QueueName, messages: PreparedMessage[], now: number) => number;

      this.reapTx = this.db.transaction((queue: QueueName, now: number) => {
        const params = { queue, now, maxReceives: this.maxReceives };
        this.stmts.reapToDead.run(params);
        this.stmts.reapDelete.run(params);
      }).immediate as (queue: QueueName, now: number) => void;

      this.receiveTx = this.db.transaction((queue: QueueName, max: number, visibilityTimeoutMs: number, now: number) => {
        const params = { queue, now, maxReceives: this.maxReceives };
        this.stmts.reapToDead.run(params);
        this.stmts.reapDelete.run(params);
        const rows = this.stmts.selectVisible.all({ queue, now, max });
        for (const row of rows) this.stmts.lease.run({ seq: row.seq, until: now + visibilityTimeoutMs });
        return rows;
      }).immediate as (queue: QueueName, max: number, visibilityTimeoutMs: number, now: number) => MessageRow[];

      this.nackTx = this.db.transaction((id: string, delayMs: number, error: string, now: number, final: boolean) => {
        const row = this.stmts.attempts.get({ id });
        if (!row) return;
        if (final || row.attempts >= this.maxReceives) {
          this.stmts.toDead.run({ id, now, error });
          this.stmts.deleteById.run({ id });
        } else {
          this.stmts.retry.run({ id, visibleAt: now + delayMs, error });
        }
      }).immediate as (id: string, delayMs: number, error: string, now: number, final: boolean) => void;

      this.redriveTx = this.db.transaction((queue: QueueName, now: number) => {
        const { changes } = this.stmts.redriveInsert.run({ queue, now });
        this.stmts.redriveDelete.run({ queue });
        return changes;
      }).immediate as (queue: QueueName, now: number) => number;
    } catch (err) {
      this.db.close();
      throw err;
    }
  }

  async send(queue: QueueName, message: OutgoingMessage): Promise<void> {
    await this.sendBatch(queue, [message]);
  }

  /** All messages of one call are enqueued in one transaction: all of them or none. */
  async sendBatch(queue: QueueName, messages: OutgoingMessage[]): Promise<void> {
    checkQueueName(queue);
    const prepared = messages.map((message) => this.prepare(message));
    if (prepared.length === 0) return;
    const inserted = this.sendTx(queue, prepared, this.clock.now());
    if (inserted > 0) this.notify(queue);
  }

  /**
   * Leases up to `max` visible messages for `visibilityTimeoutMs`. Each receive counts as an
   * attempt; messages whose lease ran out on their last allowed attempt are dead-lettered here.
   */
  async receive(queue: QueueName, max: number, visibilityTimeoutMs: number): Promise<DeliveredMessage[]> {
    checkQueueName(queue);
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`max must be a positive integer, got ${max}`);
    checkMs('visibilityTimeoutMs', visibilityTimeoutMs);
    const rows = this.receiveTx(queue, max, visibilityTimeoutMs, this.clock.now());
    return rows.map((row) => ({ id: row.id, body: JSON.parse(row.body) as unknown, attempt: row.attempts + 1 }));
  }

  /** Deletes a processed message. Acking an unknown or already-acked id does nothing. */
  async ack(id: string): Promise<void> {
    this.stmts.ack.run({ id });
  }

  /**
   * Gives a message back after a failed attempt: visible again after `delayMs`, or into the
   * dead-letter table once it has used up its receives — or at once when `final` (the handler
   * knows retrying cannot help).
   */
  async nack(id: string, delayMs: number, error: string, options: { final?: boolean } = {}): Promise<void> {
    checkMs('delayMs', delayMs);
    this.nackTx(id, Math.round(delayMs), String(error).slice(0, MAX_ERROR_CHARS), this.clock.now(), options.final === true);
  }

  async deadLetters(queue: QueueName): Promise<DeadLetter[]> {
    checkQueueName(queue);
    this.reapTx(queue, this.clock.now());
    return this.stmts.listDead.all({ queue }).map(fromDeadRow);
  }

  /** Moves every dead letter of `queue` back to it, visible now. Returns how many moved. */
  async redrive(queue: QueueName): Promise<number> {
    checkQueueName(queue);
    const moved = this.redriveTx(queue, this.clock.now());
    if (moved > 0) this.notify(queue);
    return moved;
  }

  async stats(queue: QueueName): Promise<QueueStats> {
    checkQueueName(queue);
    const now = this.clock.now();
    this.reapTx(queue, now);
    const counts = this.stmts.stats.get({ queue, now }) ?? { visible: 0, invisible: 0 };
    const dead = this.stmts.deadCount.get({ queue })?.dead ?? 0;
    return { visible: counts.visible, invisible: counts.invisible, dead };
  }

  /**
   * Called after messages are committed to a queue by this instance, so an in-process worker
   * can poll at once instead of waiting out its interval. Returns an unsubscribe function.
   */
  onSend(listener: (queue: QueueName) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  close(): void {
    this.listeners.clear();
    if (this.db.open) this.db.close();
  }

  private notify(queue: QueueName): void {
    for (const listener of this.listeners) {
      try {
        listener(queue);
      } catch {
        // A listener is a wake-up hint; its failure must not fail a committed send.
      }
    }
  }

  private prepare(message: OutgoingMessage): PreparedMessage {
    const delay = message.delaySeconds;
    if (delay !== undefined && (!Number.isFinite(delay) || delay < 0 || delay > this.maxDelaySeconds)) {
      throw new RangeError(`delaySeconds must be between 0 and ${this.maxDelaySeconds}, got ${delay}`);
    }
    if (message.dedupKey !== undefined && (typeof message.dedupKey !== 'string' || message.dedupKey === '')) {
      throw new TypeError('dedupKey must be a non-empty string');
    }
    return { body: serializeBody(message.body), dedupKey: message.dedupKey, delayMs: Math.round((delay ?? 0) * 1000) };
  }
}

interface PreparedMessage {
  body: string;
  dedupKey: string | undefined;
  delayMs: number;
}

interface DeadRow {
  id: string;
  queue: string;
  body: string;
  dedup_key: string | null;
  attempts: number;
  first_enqueued_at: number;
  last_error: string | null;
  dead_at: number;
}

function fromDeadRow(row: DeadRow): DeadLetter {
  const out: DeadLetter = {
    id: row.id,
    queue: row.queue as QueueName,
    body: JSON.parse(row.body) as unknown,
    attempts: row.attempts,
    firstEnqueuedAt: row.first_enqueued_at,
    deadAt: row.dead_at,
  };
  if (row.dedup_key !== null) out.dedupKey = row.dedup_key;
  if (row.last_error !== null) out.lastError = row.last_error;
  return out;
}

function serializeBody(body: unknown): string {
  const text = JSON.stringify(body) as string | undefined;
  if (text === undefined) throw new TypeError('message body is not JSON-serializable');
  return text;
}

function checkQueueName(queue: string): void {
  if (typeof queue !== 'string' || queue === '') throw new TypeError('queue name must be a non-empty string');
}

function checkMs(name: string, ms: number): void {
  if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`${name} must be a non-negative number of milliseconds, got ${ms}`);
}
