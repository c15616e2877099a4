/**
 * Time is stored in UTC and shown in Asia/Shanghai, which has been UTC+8 all year since 1991, so
 * the conversion is a fixed offset rather than a time-zone database lookup.
 */
const SHANGHAI_OFFSET_MS = 8 * 60 * 60 * 1000;
const BARE_DATE = /^\d{4}-\d{2}-\d{2}$/;
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;

/**
 * Whether `text` starts with a day the calendar has, and its time (if any) is a time of day. `Date`
 * would read 2026-02-30 as 2 March and 24:30 as the next day: a typo must be refused, not moved.
 */
export function isCalendarDate(text: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2}))?)?/.exec(text);
  if (!m) return false;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  const dayExists = date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
  return dayExists && Number(m[4] ?? 0) < 24 && Number(m[5] ?? 0) < 60 && Number(m[6] ?? 0) < 60;
}

/** `2026-11-28` → that day's start in Asia/Shanghai; a full ISO 8601 time as written. Invalid → undefined. */
export function parseInstant(text: string): Date | undefined {
  const value = BARE_DATE.test(text) ? `${text}T00:00:00+08:00` : ISO.test(text) ? text : undefined;
  if (!value || !isCalendarDate(value)) return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** `2026-11-28 20:05:03` in Asia/Shanghai, for people and spreadsheets. */
export function formatShanghai(date: Date): string {
  return new Date(date.getTime() + SHANGHAI_OFFSET_MS).toISOString().slice(0, 19).replace('T', ' ');
}

/** `20261128-200503` in Asia/Shanghai, for file names. */
export function fileStamp(date: Date): string {
  return formatShanghai(date).replace(/-/g, '').replace(' ', '-').replace(/:/g, '');
}

/** `2026-11-28`: the Asia/Shanghai calendar day of an instant. */
export function shanghaiDay(date: Date): string {
  return formatShanghai(date).slice(0, 10);
}
