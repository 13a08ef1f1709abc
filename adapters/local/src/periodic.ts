import { listTenants, type Context } from '@vigil/core';
import * as predict from '@vigil/fn-predict';
import * as driftDetect from '@vigil/fn-drift-detect';

/** How often the scheduled handlers run on one machine; the cloud stacks declare the same cadences as schedules. */
export interface PeriodicIntervals {
  predictMs: number;
  driftMs: number;
  compactMs: number;
}

export const DEFAULT_INTERVALS: PeriodicIntervals = { predictMs: 5 * 60_000, driftMs: 60 * 60_000, compactMs: 10 * 60_000 };

type Job = { name: keyof PeriodicIntervals; run: (at: number) => Promise<unknown> };

/**
 * The local stand-in for EventBridge / Cloud Scheduler / Azure timers: predict, drift-detect
 * and sample compaction on fixed cadences. Each job runs at most once at a time; a failure is
 * logged and retried at the next slot, as a cloud schedule would.
 */
export class PeriodicJobs {
  private timer: NodeJS.Timeout | undefined;
  private readonly lastSlot = new Map<string, number>();
  private readonly running = new Set<string>();
  private readonly jobs: Job[];

  constructor(
    private readonly ctx: Context,
    private readonly intervals: PeriodicIntervals = DEFAULT_INTERVALS,
    private readonly tickMs = 1000,
  ) {
    this.jobs = [
      { name: 'predictMs', run: (at) => predict.handle({ kind: 'tick', at }, ctx) },
      { name: 'driftMs', run: (at) => driftDetect.handle({ kind: 'tick', at }, ctx) },
      {
        name: 'compactMs',
        run: async (at) => {
          for (const tenant of await listTenants(ctx.store)) await ctx.services.series.compact(tenant, at);
        },
      },
    ];
  }

  start(): void {
    // The first slot counts as done: a restart does not run every job at once.
    const now = this.ctx.clock.now();
    for (const job of this.jobs) this.lastSlot.set(job.name, Math.floor(now / this.intervals[job.name]));
    this.timer = setInterval(() => void this.runDue(), this.tickMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Runs every job whose next slot has come (tests call this on virtual time). */
  async runDue(): Promise<void> {
    const now = this.ctx.clock.now();
    await Promise.all(
      this.jobs.map(async (job) => {
        const slot = Math.floor(now / this.intervals[job.name]);
        if (this.running.has(job.name) || (this.lastSlot.get(job.name) ?? -1) >= slot) return;
        this.running.add(job.name);
        try {
          await job.run(slot * this.intervals[job.name]);
          this.lastSlot.set(job.name, slot);
        } catch (err) {
          this.ctx.logger.error('periodic job failed', { job: job.name, error: String(err) });
        } finally {
          this.running.delete(job.name);
        }
      }),
    );
  }
}
