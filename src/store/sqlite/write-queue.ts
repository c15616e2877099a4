import type Database from 'better-sqlite3';

interface Job<T> {
  work: () => Promise<T>;
  resolve: (value: T) => void;
  reject: (err: unknown) => void;
}

/** Bodies per commit: enough to amortize one fsync, few enough to keep latency low. */
const MAX_BATCH = 256;

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/**
 * Group commit for the embedded engine. Write transactions queued in the same turn of the event
 * loop share one BEGIN … COMMIT (one fsync). If any of them fails, the whole batch is rolled back
 * and its bodies run again one transaction each, so a failure takes back only its own writes.
 * (A savepoint per body would do the same in one pass, but SQLite journals every page a savepoint
 * touches: measured, it cut the write path's throughput by more than half.) Every promise settles
 * only after its COMMIT has returned, so nothing is acknowledged before it is on disk.
 *
 * Bodies may therefore run twice, and must await only the store's own (synchronous underneath)
 * operations: if the event loop turned while a batch is open, another request could read or
 * write inside it.
 */
export class WriteQueue {
  private pending: Job<unknown>[] = [];
  private scheduled = false;
  private running = false;
  private idle: (() => void)[] = [];

  constructor(
    private readonly sqlite: Database.Database,
    private readonly onInterleave: (detail: string) => void,
    /** Called when a transaction ends, committed or not: what it cached no longer holds. */
    private readonly onTransactionEnd: () => void = () => {},
  ) {}

  run<T>(work: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ work, resolve, reject } as Job<unknown>);
      this.schedule();
    });
  }

  /** Resolves once everything queued so far is committed (for shutdown). */
  drain(): Promise<void> {
    if (!this.running && this.pending.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  private schedule(): void {
    if (this.scheduled || this.running) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.running = true;
    const batch = this.pending.splice(0, MAX_BATCH);
    let turned = false;
    setImmediate(() => (turned = true));
    const together = await this.inOneTransaction(batch);
    const outcomes: Outcome[] = together.ok ? together.values.map((value) => ({ ok: true, value })) : [];
    if (!together.ok) {
      for (const job of batch) {
        const alone = await this.inOneTransaction([job]);
        outcomes.push(alone.ok ? { ok: true, value: alone.values[0] } : alone);
      }
    }
    if (turned) this.onInterleave(`a write batch of ${batch.length} yielded to the event loop`);
    batch.forEach((job, i) => {
      const outcome = outcomes[i]!;
      if (outcome.ok) job.resolve(outcome.value);
      else job.reject(outcome.error);
    });
    this.running = false;
    if (this.pending.length > 0) this.schedule();
    else for (const resolve of this.idle.splice(0)) resolve();
  }

  /** Runs the jobs in one transaction: all their results once committed, or the first error after a rollback. */
  private async inOneTransaction(jobs: Job<unknown>[]): Promise<{ ok: true; values: unknown[] } | { ok: false; error: unknown }> {
    const values: unknown[] = [];
    try {
      this.sqlite.exec('BEGIN IMMEDIATE');
      for (const job of jobs) values.push(await job.work());
      this.sqlite.exec('COMMIT');
      return { ok: true, values };
    } catch (error) {
      if (this.sqlite.inTransaction) this.sqlite.exec('ROLLBACK');
      return { ok: false, error };
    } finally {
      this.onTransactionEnd();
    }
  }
}
