/**
 * Orders placed in a platform's own shop (抖店, 快手小店, …) arrive as the shop's CSV export. A
 * mapping says which columns hold what and which shop product is which of our codes; the file is
 * checked whole before anything is written, and refused with the first line that is wrong.
 */
import { AppError } from '../errors.ts';
import type { OrderStatus } from '../orders/order.ts';
import { parseInstant } from '../time.ts';
import { CsvError, parseCsv } from './csv.ts';

export interface ShopMapping {
  /** Column headers in the shop's file. `orderId`, `productId` and `qty` are required. */
  columns: {
    orderId: string;
    productId: string;
    qty: string;
    buyerId?: string;
    buyerName?: string;
    time?: string;
    status?: string;
  };
  /** Shop product id → our product code. */
  products: Record<string, string>;
  /** Shop status text → what it means here; rows whose status maps to `skip` are left out. Default: every row is paid. */
  statuses?: Record<string, 'confirmed' | 'shipped' | 'completed' | 'skip'>;
}

export interface ShopOrder {
  /** The shop's order number, kept so importing the same file again adds nothing. */
  ref: string;
  line: number;
  buyerId: string;
  buyerName: string;
  createdAt: Date | null;
  status: Extract<OrderStatus, 'confirmed' | 'shipped' | 'completed'>;
  lines: { code: string; qty: number }[];
}

const MAX_ROWS = 100_000;
const SHANGHAI_OFFSET_MS = 8 * 3600_000;

/** Shops write local time without a zone: `2026-11-28 20:05:03` is Asia/Shanghai. */
function shopTime(text: string): Date | undefined {
  const local = /^(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$/.exec(text);
  if (!local) return parseInstant(text);
  const [y, mo, d, h, mi, s] = local.slice(1).map((v) => Number(v ?? 0)) as [number, number, number, number, number, number];
  const date = new Date(Date.UTC(y, mo - 1, d, h, mi, s) - SHANGHAI_OFFSET_MS);
  const wall = new Date(date.getTime() + SHANGHAI_OFFSET_MS);
  // Date.UTC rolls 2月30日 over into March; a shop file that says so is wrong, not early.
  if (wall.getUTCMonth() !== mo - 1 || wall.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) return undefined;
  return date;
}

export function readShopOrders(csv: string, mapping: ShopMapping, knownCodes: ReadonlySet<string>): { orders: ShopOrder[]; skipped: number } {
  const fail = (line: number, why: string): never => {
    throw new AppError('IMPORT_INVALID', `line ${line}: ${why}`);
  };
  let rows;
  try {
    rows = parseCsv(csv);
  } catch (err) {
    if (err instanceof CsvError) fail(err.line, err.message.replace(/^line \d+: /, ''));
    throw err;
  }
  if (rows.length === 0) fail(1, 'the file is empty');
  if (rows.length - 1 > MAX_ROWS) fail(MAX_ROWS + 2, `more than ${MAX_ROWS} rows`);
  const [header, ...body] = rows;
  const index = (name: string | undefined, required: boolean) => {
    if (name === undefined) return -1;
    const i = header!.cells.findIndex((h) => h.trim() === name);
    if (i < 0 && required) fail(header!.line, `no column "${name}"`);
    if (i >= 0 && header!.cells.findLastIndex((h) => h.trim() === name) !== i) fail(header!.line, `column "${name}" appears twice`);
    return i;
  };
  const col = mapping.columns;
  const at = {
    orderId: index(col.orderId, true),
    productId: index(col.productId, true),
    qty: index(col.qty, true),
    buyerId: index(col.buyerId, true),
    buyerName: index(col.buyerName, true),
    time: index(col.time, true),
    status: index(col.status, true),
  };

  const mapped = <T>(table: Record<string, T>, key: string): T | undefined => (Object.hasOwn(table, key) ? table[key] : undefined);
  const byRef = new Map<string, ShopOrder>();
  let skipped = 0;
  for (const { line, cells } of body) {
    if (cells.length !== header!.cells.length) fail(line, `${cells.length} cells where the header has ${header!.cells.length}`);
    const cell = (i: number) => (i < 0 ? '' : cells[i]!.trim());
    const statusText = cell(at.status);
    // Own keys only: a cell reading "constructor" or "__proto__" must not find Object's.
    const status = at.status < 0 ? 'confirmed' : mapping.statuses ? mapped(mapping.statuses, statusText) : 'confirmed';
    if (status === undefined) fail(line, `status "${statusText}" is not in the mapping`);
    if (status === 'skip') {
      skipped++;
      continue;
    }
    const ref = cell(at.orderId);
    if (!ref) fail(line, 'no order number');
    const shopProduct = cell(at.productId);
    const code = mapped(mapping.products, shopProduct);
    if (!code) fail(line, `shop product "${shopProduct}" is not in the mapping`);
    if (!knownCodes.has(code!.toUpperCase())) fail(line, `product code "${code}" does not exist`);
    const qtyText = cell(at.qty);
    const qty = Number(qtyText);
    if (!/^\d+$/.test(qtyText) || qty < 1 || qty > 9999) fail(line, `quantity "${qtyText}" is not a whole number from 1 to 9999`);
    let createdAt: Date | null = null;
    if (at.time >= 0) {
      createdAt = shopTime(cell(at.time)) ?? null;
      if (!createdAt) fail(line, `time "${cell(at.time)}" is not a date`);
    }
    const order = byRef.get(ref);
    if (order) {
      order.lines.push({ code: code!.toUpperCase(), qty });
    } else {
      const buyerName = cell(at.buyerName);
      byRef.set(ref, {
        ref,
        line,
        // Without a buyer id the shop order itself is the buyer: never a nickname alone.
        buyerId: cell(at.buyerId) || `shop-order:${ref}`,
        buyerName,
        createdAt,
        status: status as ShopOrder['status'],
        lines: [{ code: code!.toUpperCase(), qty }],
      });
    }
  }
  return { orders: [...byRef.values()], skipped };
}
