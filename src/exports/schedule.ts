import cron, { type ScheduledTask } from 'node-cron';
import type { FastifyBaseLogger } from 'fastify';
import { AppError } from '../errors.ts';
import type { ExportFile, Store } from '../store/store.ts';
import { fileStamp } from '../time.ts';

export const EXPORT_KINDS = ['orders.csv', 'orders.xlsx', 'tallies.csv', 'tallies.xlsx'] as const;
export type ExportKind = (typeof EXPORT_KINDS)[number];

export interface ExportSchedule {
  /** A cron expression in Asia/Shanghai time, e.g. `0 22 * * *` for every evening at ten. */
  cron: string;
  kinds: ExportKind[];
  /** How many files of each kind to keep; older ones are deleted. */
  retain: number;
}

const SETTING = 'export_schedule';
/** The last cron tick some instance ran, so that a tick runs once however many instances see it. */
const LAST_TICK = 'export_last_tick';

/**
 * Writes the chosen exports on a cron schedule and keeps the newest `retain` of each kind. The
 * schedule and the files live in the database, so they survive restarts and every instance of a
 * scale-out deployment lists and serves the same files; each tick runs on one instance only.
 */
export class ExportScheduler {
  private task: ScheduledTask | undefined;

  constructor(
    private readonly store: Store,
    private readonly build: (kind: ExportKind) => Promise<Buffer>,
    private readonly log: FastifyBaseLogger,
  ) {}

  async start(): Promise<void> {
    const schedule = await this.get();
    if (schedule) this.arm(schedule);
  }

  async get(): Promise<ExportSchedule | null> {
    const text = await this.store.settings.get(SETTING);
    return text ? (JSON.parse(text) as ExportSchedule) : null;
  }

  /** Replaces the schedule (null turns it off). Refuses an invalid cron expression, changing nothing. */
  async set(schedule: ExportSchedule | null): Promise<void> {
    if (schedule && !cron.validate(schedule.cron)) throw new AppError('EXPORT_CRON_INVALID', schedule.cron);
    await this.store.settings.set(SETTING, schedule ? JSON.stringify(schedule) : '');
    this.stop();
    if (schedule) this.arm(schedule);
  }

  /** Writes one file per kind now; returns their names. */
  async runNow(kinds: readonly ExportKind[], retain: number, at = new Date()): Promise<string[]> {
    const written: string[] = [];
    for (const kind of kinds) {
      const name = `nongbo-${fileStamp(at)}-${kind.replace('.', '-')}.${kind.split('.')[1]}`;
      const bytes = await this.build(kind);
      await this.store.exportFiles.put({ name, kind, bytes, size: bytes.length, createdAt: at });
      written.push(name);
      await this.store.exportFiles.prune(kind, retain);
    }
    return written;
  }

  files(): Promise<ExportFile[]> {
    return this.store.exportFiles.list();
  }

  file(name: string): Promise<Buffer | undefined> {
    return this.store.exportFiles.get(name);
  }

  stop(): void {
    void this.task?.stop();
    this.task = undefined;
  }

  /** The scheduled run for the tick at `at`: skipped when another instance runs it or already did. */
  async tick(schedule: ExportSchedule, at: Date): Promise<string[]> {
    // Every instance's cron names the same scheduled second for the same tick.
    const tick = fileStamp(at);
    let written: string[] = [];
    await this.store.exclusively('exports', async () => {
      if ((await this.store.settings.get(LAST_TICK)) === tick) return;
      written = await this.runNow(schedule.kinds, schedule.retain, at);
      await this.store.settings.set(LAST_TICK, tick);
    });
    return written;
  }

  private arm(schedule: ExportSchedule): void {
    this.task = cron.schedule(
      schedule.cron,
      async (context) => {
        try {
          const written = await this.tick(schedule, context.date ?? new Date());
          if (written.length) this.log.info({ written }, 'scheduled export written');
        } catch (err) {
          this.log.error({ err }, 'scheduled export failed');
        }
      },
      { timezone: 'Asia/Shanghai', noOverlap: true, name: 'nongbo-exports' },
    );
  }
}
