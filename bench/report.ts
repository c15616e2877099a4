import os from 'node:os';

/** One benchmark's result: its figures, and where it has one, the baseline it is measured against. */
export interface Result {
  name: string;
  figures: Record<string, number | string>;
  baseline?: Record<string, number | string>;
  /** The headline ratio against the baseline measured in the same run. */
  ratio?: number;
  note?: string;
}

const json = process.argv.includes('--json');

/** `--json`: one JSON object a line on stdout and nothing else; otherwise a short readable report. */
export function report(r: Result): void {
  if (json) {
    process.stdout.write(
      `${JSON.stringify({ name: r.name, cpus: os.cpus().length, ...r.figures, ...(r.baseline && { baseline: r.baseline }), ...(r.ratio !== undefined && { ratio: round(r.ratio, 3) }) })}\n`,
    );
    return;
  }
  const line = (o: Record<string, number | string>) => Object.entries(o).map(([k, v]) => `${k}=${v}`).join('  ');
  process.stdout.write(`\n${r.name}\n  ${line(r.figures)}\n`);
  if (r.baseline) process.stdout.write(`  baseline: ${line(r.baseline)}\n`);
  if (r.ratio !== undefined) process.stdout.write(`  ratio: ${round(r.ratio, 3)}\n`);
  if (r.note) process.stdout.write(`  ${r.note}\n`);
}

/** Progress for people; silent with --json so stdout stays machine-readable. */
export function progress(text: string): void {
  if (!json) process.stderr.write(`${text}\n`);
}

export function round(n: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
