import type Database from 'better-sqlite3';

interface Job<T> {
  work: () => Promise<T>;
  resolve: (value: T) => void;
  reject: (err: unknown) => void;
}

/** Bodies per commit: enough to amortize one fsync, few enough to keep latency low. */
const MAX_BATCH = 256;

/**
 * Group commit for the embedded engine. Write transactions queued in the same turn of the event
 * loop share one BEGIN … COMMIT (one fsync), each inside its own SAVEPOINT so that one body's
 * failure rolls back only what that body wrote. Every promise settles only after the COMMIT has
 * returned, so nothing is acknowledged before it is on disk.
 *
 * Bodies must await only the store's own (synchronous underneath) operations: if the event loop
 * turned while a batch is open, another request could read or write inside it.
 */
export class WriteQueue {
  private pending: Job<unknown>[] = [];
  private scheduled = false;
  private running = false;
  private idle: (() => void)[] = [];

  constructor(
    private readonly sqlite: Database.Database,
    private readonly onInterleave: (detail: string) => void,
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
    const results: { ok: boolean; value: unknown }[] = [];
    try {
      this.sqlite.exec('BEGIN IMMEDIATE');
      for (const job of batch) {
        this.sqlite.exec('SAVEPOINT job');
        try {
          results.push({ ok: true, value: await job.work() });
          this.sqlite.exec('RELEASE job');
        } catch (err) {
          this.sqlite.exec('ROLLBACK TO job');
          this.sqlite.exec('RELEASE job');
          results.push({ ok: false, value: err });
        }
      }
      if (turned) this.onInterleave(`a write batch of ${batch.length} yielded to the event loop`);
      this.sqlite.exec('COMMIT');
    } catch (err) {
      if (this.sqlite.inTransaction) this.sqlite.exec('ROLLBACK');
      for (const job of batch) job.reject(err);
      this.finish();
      return;
    }
    batch.forEach((job, i) => (results[i]!.ok ? job.resolve(results[i]!.value) : job.reject(results[i]!.value)));
    this.finish();
  }

  private finish(): void {
    this.running = false;
    if (this.pending.length > 0) this.schedule();
    else for (const resolve of this.idle.splice(0)) resolve();
  }
}
