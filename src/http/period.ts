import { Type } from 'typebox';
import { AppError } from '../errors.ts';
import { parseInstant } from '../time.ts';

/** `from` (inclusive) and `to` (exclusive): ISO 8601, or a bare date meaning that day's start in Asia/Shanghai. */
export const PeriodQuery = Type.Object({
  from: Type.Optional(Type.String({ maxLength: 40 })),
  to: Type.Optional(Type.String({ maxLength: 40 })),
});

export function periodOf(q: { from?: string; to?: string }): { from?: Date; to?: Date } {
  const read = (key: 'from' | 'to') => {
    const text = q[key];
    if (text === undefined) return undefined;
    const date = parseInstant(text);
    if (!date) throw new AppError('PERIOD_INVALID', `${key}=${text}`);
    return date;
  };
  const from = read('from');
  const to = read('to');
  if (from && to && from > to) throw new AppError('PERIOD_INVALID', 'from is after to', '开始时间晚于结束时间');
  return { from, to };
}
