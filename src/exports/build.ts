import type { TallyFilter } from '../attribution/ledger.ts';
import type { OrderFilter, QuestionFilter, Store } from '../store/store.ts';
import { ordersTable, questionsTable, talliesTable } from './reports.ts';
import { toCsv, toXlsx, type Table } from './table.ts';

export type Format = 'csv' | 'xlsx';

const EVERYTHING = { limit: Number.MAX_SAFE_INTEGER, offset: 0 };

const write = (table: Table, format: Format) => (format === 'csv' ? Promise.resolve(toCsv(table)) : toXlsx(table));

/** Every order line matching the filter: exports are never paged. */
export async function exportOrders(store: Store, filter: Omit<OrderFilter, 'limit' | 'offset'>, format: Format): Promise<Buffer> {
  const [orders, rooms] = await Promise.all([store.orders.list({ ...filter, ...EVERYTHING }), store.rooms.list(EVERYTHING)]);
  return write(ordersTable(orders, new Map(rooms.map((r) => [r.id, r]))), format);
}

export async function exportTallies(store: Store, filter: TallyFilter, format: Format, fullPhones = false): Promise<Buffer> {
  const [rows, households] = await Promise.all([store.tallies(filter), store.households.list(EVERYTHING)]);
  return write(talliesTable(filter.groupBy, rows, new Map(households.map((h) => [h.id, h])), fullPhones), format);
}

export async function exportQuestions(store: Store, filter: QuestionFilter, format: Format): Promise<Buffer> {
  const [questions, rooms, entries] = await Promise.all([store.questions.list({ ...filter, ...EVERYTHING }), store.rooms.list(EVERYTHING), store.policy.entries()]);
  return write(questionsTable(questions, new Map(rooms.map((r) => [r.id, r])), new Map(entries.map((e) => [e.id, e.title]))), format);
}
