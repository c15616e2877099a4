/**
 * The knowledge base as a spreadsheet: one entry a row, the contract's fields as columns, the
 * questions and tags of an entry separated by `|`. Exported cells that a spreadsheet would read as
 * a formula get an apostrophe, which importing takes off again, so a round trip changes nothing.
 */
import { AppError } from '../errors.ts';
import { toCsv, type Table } from '../exports/table.ts';
import { CsvError, parseCsv } from '../imports/csv.ts';
import { checkUniqueIds, readEntry, type PolicyEntry } from './entry.ts';

export const KB_COLUMNS = ['id', 'title', 'questions', 'short', 'answer', 'source', 'tags', 'region', 'effectiveFrom', 'effectiveTo', 'status'] as const;

export function entriesToCsv(entries: readonly PolicyEntry[]): Buffer {
  const table: Table = {
    title: '政策知识库',
    columns: KB_COLUMNS.map((header) => ({ header, kind: 'text' as const })),
    rows: entries.map((e) =>
      [e.id, e.title, e.questions.join('|'), e.short, e.answer, e.source, e.tags.join('|'), e.region, e.effectiveFrom, e.effectiveTo, e.status].map(keepApostrophe),
    ),
  };
  return toCsv(table);
}

/** A value that starts with an apostrophe gets one more, so that importing, which takes one off, keeps it ('=SUM stays '=SUM). */
const keepApostrophe = (value: string | null) => (value?.startsWith("'") ? `'${value}` : value);
const undefang = (cell: string) => (/^'[=+\-@\t\r']/.test(cell) ? cell.slice(1) : cell);

/** Refused whole, naming the line, at the first row that is wrong. */
export function entriesFromCsv(text: string): PolicyEntry[] {
  let rows;
  try {
    rows = parseCsv(text);
  } catch (err) {
    if (err instanceof CsvError) throw new AppError('POLICY_IMPORT_INVALID', err.message);
    throw err;
  }
  const [header, ...body] = rows;
  if (!header) throw new AppError('POLICY_IMPORT_INVALID', 'line 1: the file is empty');
  const names = header.cells.map((c) => c.trim());
  for (const required of ['id', 'title', 'questions', 'short', 'answer', 'source']) {
    if (!names.includes(required)) throw new AppError('POLICY_IMPORT_INVALID', `line ${header.line}: no column "${required}"`);
  }
  names.forEach((name, i) => {
    if (!(KB_COLUMNS as readonly string[]).includes(name)) throw new AppError('POLICY_IMPORT_INVALID', `line ${header.line}: unknown column "${name}"`);
    // Two columns of one name: which one holds the entry is a guess, and the other would be lost.
    if (names.indexOf(name) !== i) throw new AppError('POLICY_IMPORT_INVALID', `line ${header.line}: column "${name}" appears twice`);
  });
  const entries = body.map(({ line, cells }) => {
    if (cells.length !== names.length) throw new AppError('POLICY_IMPORT_INVALID', `line ${line}: ${cells.length} cells where the header has ${names.length}`);
    const raw: Record<string, unknown> = {};
    names.forEach((name, i) => {
      const cell = undefang(cells[i]!);
      if (name === 'questions' || name === 'tags') raw[name] = cell === '' ? [] : cell.split('|').filter((s) => s.trim() !== '');
      else if (cell !== '') raw[name] = cell;
    });
    return readEntry(raw, `line ${line}`);
  });
  checkUniqueIds(entries, (i) => `line ${body[i]!.line}`);
  return entries;
}
