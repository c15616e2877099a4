import type ExcelJS from 'exceljs';
import { formatYuan } from '../attribution/money.ts';
import { formatShanghai } from '../time.ts';

/** How a column's values are written: text is hostile and defanged, money is fen shown as yuan. */
export type ColumnKind = 'text' | 'int' | 'yuan' | 'time';

export interface Column {
  header: string;
  kind: ColumnKind;
  width?: number;
}

export type Cell = string | number | Date | null;

export interface Table {
  /** The sheet's name in Excel. */
  title: string;
  columns: Column[];
  rows: Cell[][];
  /** Per-column totals for the spreadsheet's last row (CSV stays one row per record). */
  totals?: Cell[];
}

/**
 * Text that Excel or WPS would read as a formula (`=`, `+`, `-`, `@`, or a leading tab or CR)
 * gets an apostrophe in front: nicknames and product names come from strangers.
 */
export function defang(text: string): string {
  return /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
}

function textOf(kind: ColumnKind, value: Cell): string {
  if (value === null) return '';
  switch (kind) {
    case 'yuan':
      return formatYuan(value as number);
    case 'int':
      return String(value);
    case 'time':
      return formatShanghai(value as Date);
    case 'text':
      return defang(String(value));
  }
}

const quote = (field: string) => (/[",\r\n]/.test(field) ? `"${field.replace(/"/g, '""')}"` : field);

/** RFC 4180 CSV with a UTF-8 byte-order mark, so Excel on Windows reads the Chinese headers right. */
export function toCsv(table: Table): Buffer {
  const lines = [table.columns.map((c) => quote(defang(c.header))).join(',')];
  for (const row of table.rows) lines.push(row.map((v, i) => quote(textOf(table.columns[i]!.kind, v))).join(','));
  return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(`${lines.join('\r\n')}\r\n`, 'utf8')]);
}

const SHANGHAI_OFFSET_MS = 8 * 3600_000;

/**
 * Characters XML 1.0 does not allow (U+FFFE, U+FFFF, lone surrogates, C0 controls): exceljs
 * writes them as they are, and one nickname holding one made the whole workbook unreadable.
 * Shown as U+FFFD; the database keeps what was sent.
 */
const NOT_XML = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;
const xmlText = (text: string) => text.replace(NOT_XML, '\uFFFD');

/** XLSX with typed cells: text stays text (never a formula), yuan are numbers shown with two decimals. */
export async function toXlsx(table: Table): Promise<Buffer> {
  // exceljs weighs some 20 MB: loaded when the first spreadsheet is asked for.
  const { default: Excel } = await import('exceljs');
  const book = new Excel.Workbook();
  book.creator = '农播 Nongbo';
  const sheet = book.addWorksheet(xmlText(table.title).slice(0, 31));
  sheet.columns = table.columns.map((c) => ({
    header: xmlText(c.header),
    width: c.width ?? (c.kind === 'text' ? 18 : c.kind === 'time' ? 20 : 12),
    // Text cells carry Excel's Text format (@): a cell someone edits and confirms stays text
    // instead of becoming the formula a nickname spelled.
    style: c.kind === 'yuan' ? { numFmt: '0.00' } : c.kind === 'time' ? { numFmt: 'yyyy-mm-dd hh:mm:ss' } : c.kind === 'text' ? { numFmt: '@' } : {},
  }));
  sheet.getRow(1).font = { bold: true };
  const cellOf = (kind: ColumnKind, v: Cell): ExcelJS.CellValue => {
    if (v === null) return null;
    switch (kind) {
      case 'yuan':
        return (v as number) / 100;
      // Excel has no time zones: show the Asia/Shanghai wall-clock time. Whole seconds, as shown:
      // Excel rounds 23:59:59.999 up to the next day's 00:00:00, the CSV and the tallies do not.
      case 'time':
        return new Date(Math.floor(((v as Date).getTime() + SHANGHAI_OFFSET_MS) / 1000) * 1000);
      case 'int':
        return v as number;
      case 'text':
        // A plain string value is never evaluated on opening, so it needs no apostrophe here.
        return xmlText(String(v));
    }
  };
  for (const row of table.rows) sheet.addRow(row.map((v, i) => cellOf(table.columns[i]!.kind, v)));
  if (table.totals) {
    const total = sheet.addRow(table.totals.map((v, i) => cellOf(table.columns[i]!.kind, v)));
    total.font = { bold: true };
  }
  sheet.views = [{ state: 'frozen', ySplit: 1 }];
  return Buffer.from(await book.xlsx.writeBuffer());
}
