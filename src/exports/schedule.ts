import fs from 'node:fs/promises';
import path from 'node:path';
import cron, { type ScheduledTask } from 'node-cron';
import type { FastifyBaseLogger } from 'fastify';
import { AppError } from '../errors.ts';
import type { Store } from '../store/store.ts';
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

/**
 * Writes the chosen exports into the data folder on a cron schedule and keeps the newest
 * `retain` of each kind. The schedule lives in the database, so it survives restarts.
 */
export class ExportScheduler {
  private task: ScheduledTask | undefined;

  constructor(
    private readonly store: Store,
    readonly dir: string,
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
    await fs.mkdir(this.dir, { recursive: true });
    const written: string[] = [];
    for (const kind of kinds) {
      const name = `nongbo-${fileStamp(at)}-${kind.replace('.', '-')}.${kind.split('.')[1]}`;
      const file = path.join(this.dir, name);
      // Write then rename, so a crash never leaves half a spreadsheet under the final name.
      await fs.writeFile(`${file}.tmp`, await this.build(kind));
      await fs.rename(`${file}.tmp`, file);
      written.push(name);
      await this.prune(kind, retain);
    }
    return written;
  }

  async files(): Promise<{ name: string; size: number; createdAt: Date }[]> {
    const names = await fs.readdir(this.dir).catch(() => [] as string[]);
    const files = await Promise.all(
      names.filter((n) => n.startsWith('nongbo-') && !n.endsWith('.tmp')).map(async (name) => {
        const stat = await fs.stat(path.join(this.dir, name));
        return { name, size: stat.size, createdAt: stat.mtime };
      }),
    );
    return files.sort((a, b) => b.name.localeCompare(a.name));
  }

  stop(): void {
    void this.task?.stop();
    this.task = undefined;
  }

  private arm(schedule: ExportSchedule): void {
    this.task = cron.schedule(
      schedule.cron,
      async () => {
        try {
          const written = await this.runNow(schedule.kinds, schedule.retain);
          this.log.info({ written }, 'scheduled export written');
        } catch (err) {
          this.log.error({ err }, 'scheduled export failed');
        }
      },
      { timezone: 'Asia/Shanghai', noOverlap: true, name: 'nongbo-exports' },
    );
  }

  private async prune(kind: ExportKind, retain: number): Promise<void> {
    const suffix = `-${kind.replace('.', '-')}.${kind.split('.')[1]}`;
    const mine = (await this.files()).filter((f) => f.name.endsWith(suffix));
    for (const old of mine.slice(retain)) await fs.rm(path.join(this.dir, old.name), { force: true });
  }
}
