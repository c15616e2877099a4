import ExcelJS from 'exceljs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.ts';
import { toXlsx } from '../../src/exports/table.ts';
import { auth, buildTestApp, call, say, setupShop, type Shop } from '../helper.ts';

let app: App;
let shop: Shop;
beforeEach(async () => {
  app = await buildTestApp();
  shop = await setupShop(app);
});
afterEach(() => app.close());

const download = async (url: string) => {
  const res = await app.inject({ url, headers: auth });
  return { status: res.statusCode, headers: res.headers, buf: res.rawPayload };
};

/** RFC 4180, as Excel reads it. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (field += '"'), i++;
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') row.push(field), (field = '');
    else if (c === '\n') row.push(field), rows.push(row), (row = []), (field = '');
    else if (c !== '\r') field += c;
  }
  if (field || row.length) row.push(field), rows.push(row);
  return rows;
}

const HOSTILE = ['=HYPERLINK("http://x","点我")', '+1+1', '-2+3', '@SUM(A1)', '\tTAB', '\rCR', '"quoted, with comma"', '多行\n昵称'];

describe('orders export', () => {
  it('is CSV with a BOM and Chinese headers, one row per order line, hostile cells defanged', async () => {
    for (const [i, name] of HOSTILE.entries()) await say(app, shop.room.id, '买1号 2份', { user: `evil${i}`, name });
    await say(app, shop.room.id, '+1', { name: '正常买家' });

    const res = await download(`/api/exports/orders.csv?roomId=${shop.room.id}`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toContain('text/csv');
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename="nongbo-orders-\d{8}-\d{6}\.csv"/);
    expect([...res.buf.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);

    const rows = parseCsv(res.buf.subarray(3).toString('utf8'));
    const [head, ...body] = rows;
    for (const column of ['订单号', '时间', '直播间', '平台', '买家', '商品编码', '商品', '数量', '金额(元)', '状态']) expect(head).toContain(column);
    expect(body).toHaveLength(HOSTILE.length + 1);
    const cells = body.flat();
    const formulaLike = cells.filter((c) => /^[=+\-@\t\r]/.test(c) && !/^-?\d+(\.\d+)?$/.test(c));
    expect(formulaLike).toEqual([]);
    const buyers = body.map((r) => r[head!.indexOf('买家')]);
    expect(buyers).toContain(`'=HYPERLINK("http://x","点我")`);
    expect(buyers).toContain("'\tTAB");
    expect(buyers).toContain('"quoted, with comma"');
    expect(buyers).toContain('多行\n昵称');
    const amount = body.map((r) => r[head!.indexOf('金额(元)')]);
    expect(amount).toContain('39.98');
    expect(body.map((r) => r[head!.indexOf('时间')])[0]).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
  });

  it('is XLSX whose hostile text stays text and whose amounts are numbers', async () => {
    await say(app, shop.room.id, '买1号 2份', { name: '=1+2' });
    const res = await download('/api/exports/orders.xlsx');
    expect(res.status).toBe(200);
    expect(res.buf.subarray(0, 2).toString()).toBe('PK');
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(res.buf as unknown as ArrayBuffer);
    const sheet = book.worksheets[0]!;
    const head = (sheet.getRow(1).values as string[]).slice(1);
    const row = sheet.getRow(2);
    const buyer = row.getCell(head.indexOf('买家') + 1);
    expect(buyer.type).toBe(ExcelJS.ValueType.String);
    expect(buyer.value).toBe('=1+2');
    // Formatted as Text, so editing the cell in Excel does not make it a formula either.
    expect(buyer.numFmt).toBe('@');
    expect(row.getCell(head.indexOf('金额(元)') + 1).value).toBe(39.98);
  });

  it('stays a readable workbook when a nickname holds characters XML forbids', async () => {
    await say(app, shop.room.id, '买1号', { name: '坏\uFFFF名\uFFFE' });
    const book = new ExcelJS.Workbook();
    // exceljs refuses to load what it wrote with U+FFFF in it ("disallowed character"), as Excel does.
    await book.xlsx.load((await download('/api/exports/orders.xlsx')).buf as unknown as ArrayBuffer);
    const sheet = book.worksheets[0]!;
    const head = (sheet.getRow(1).values as string[]).slice(1);
    expect(sheet.getRow(2).getCell(head.indexOf('买家') + 1).value).toBe('坏\uFFFD名\uFFFD');
    // The order itself keeps the name as sent.
    expect((await call(app, 'GET', '/api/orders')).body[0].buyer.name).toBe('坏\uFFFF名\uFFFE');
  });

  it('shows times to the second, as the CSV does: 23:59:59.999 stays on its day', async () => {
    const xlsx = await toXlsx({ title: 't', columns: [{ header: '时间', kind: 'time' }], rows: [[new Date('2026-11-28T15:59:59.999Z')]] });
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(xlsx as unknown as ArrayBuffer);
    expect((book.worksheets[0]!.getRow(2).getCell(1).value as Date).toISOString()).toBe('2026-11-28T23:59:59.000Z');
  });

  it('holds every matching row, beyond the list routes’ default page', async () => {
    await call(app, 'PATCH', `/api/rooms/${shop.room.id}`, { limits: { orderMessagesPerSecond: 1000, maxOpenOrdersPerBuyer: 10_000 } });
    await Promise.all(Array.from({ length: 1100 }, (_, i) => say(app, shop.room.id, '+1', { user: `fan${i % 7}` })));
    const res = await download(`/api/exports/orders.csv?roomId=${shop.room.id}`);
    expect(parseCsv(res.buf.subarray(3).toString('utf8')).length - 1).toBe(1100);
  });
});

describe('tallies export', () => {
  it('adds up to the API’s tallies to the fen, with poverty status in words and phones masked unless asked', async () => {
    await call(app, 'PATCH', `/api/households/${shop.households[0]!.id}`, { phone: '13812345678' });
    for (const text of ['买1号 3份', '+2', '#A1 5', '买3号']) await say(app, shop.room.id, text);
    const api = (await call(app, 'GET', '/api/tallies?groupBy=household')).body as { netFen: number; householdName: string }[];

    const csv = parseCsv((await download('/api/exports/tallies.csv')).buf.subarray(3).toString('utf8'));
    const [head, ...body] = csv;
    expect(head).toEqual(expect.arrayContaining(['农户', '类别', '净收入(元)', '已付净收入(元)']));
    const netYuan = body.map((r) => r[head!.indexOf('净收入(元)')]!);
    const fen = netYuan.map((y) => Math.round(Number(y) * 100));
    expect(fen).toEqual(api.map((r) => r.netFen));
    expect(body.map((r) => r[head!.indexOf('类别')])).toEqual(['监测户', '脱贫户', '一般户']);
    expect(body[0]![head!.indexOf('电话')]).toBe('138****5678');

    const full = parseCsv((await download('/api/exports/tallies.csv?phones=full')).buf.subarray(3).toString('utf8'));
    expect(full[1]![head!.indexOf('电话')]).toBe('13812345678');

    const book = new ExcelJS.Workbook();
    await book.xlsx.load((await download('/api/exports/tallies.xlsx')).buf as unknown as ArrayBuffer);
    const sheet = book.worksheets[0]!;
    const netColumn = (sheet.getRow(1).values as string[]).indexOf('净收入(元)');
    const totalRow = sheet.getRow(sheet.rowCount);
    expect(totalRow.getCell(1).value).toBe('合计');
    expect(Math.round(Number(totalRow.getCell(netColumn).value) * 100)).toBe(api.reduce((a, r) => a + r.netFen, 0));
  });

  it('refuses an unknown format or filter', async () => {
    expect((await download('/api/exports/tallies.pdf')).status).toBe(400);
    expect((await download('/api/exports/tallies.csv?groupBy=village')).status).toBe(400);
    expect((await download('/api/exports/orders.csv?status=lost')).status).toBe(400);
  });
});

describe('scheduled exports', () => {
  it('refuses an invalid cron expression and keeps the old schedule', async () => {
    const good = { cron: '0 22 * * *', kinds: ['orders.xlsx', 'tallies.csv'], retain: 3 };
    expect((await call(app, 'PUT', '/api/exports/schedule', { schedule: good })).status).toBe(200);
    const bad = await call(app, 'PUT', '/api/exports/schedule', { schedule: { ...good, cron: 'every evening' } });
    expect([bad.status, bad.body.error.code]).toEqual([400, 'EXPORT_CRON_INVALID']);
    expect((await call(app, 'GET', '/api/exports/schedule')).body.schedule).toEqual(good);
  });

  it('keeps the files in the database, only the newest few of each kind', async () => {
    await say(app, shop.room.id, '买1号');
    for (let i = 0; i < 4; i++) {
      await app.exportScheduler.runNow(['orders.csv', 'tallies.xlsx'], 2, new Date(Date.UTC(2026, 10, 1, 10, 0, i)));
    }
    const listed = (await call(app, 'GET', '/api/exports/files')).body as { name: string; size: number; createdAt: string }[];
    expect(listed.map((f) => f.name)).toEqual([
      'nongbo-20261101-180003-tallies-xlsx.xlsx',
      'nongbo-20261101-180003-orders-csv.csv',
      'nongbo-20261101-180002-tallies-xlsx.xlsx',
      'nongbo-20261101-180002-orders-csv.csv',
    ]);
    expect(listed[1]!.createdAt).toBe('2026-11-01T10:00:03.000Z');
    const file = await download('/api/exports/files/nongbo-20261101-180002-orders-csv.csv');
    expect(file.status).toBe(200);
    expect([...file.buf.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(file.buf.length).toBe(listed[3]!.size);
    expect(file.buf.toString('utf8')).toContain('产品1,1,19.99,19.99,待付款');
    expect((await download('/api/exports/files/nongbo-20261101-180000-orders-csv.csv')).status).toBe(404);
    expect((await download('/api/exports/files/..%2Fnongbo.db')).status).toBe(400);
  });

  it('runs on its cron schedule', async () => {
    await call(app, 'PUT', '/api/exports/schedule', { schedule: { cron: '* * * * * *', kinds: ['tallies.csv'], retain: 5 } });
    await new Promise((r) => setTimeout(r, 2500));
    await call(app, 'PUT', '/api/exports/schedule', { schedule: null });
    const files = (await call(app, 'GET', '/api/exports/files')).body as { name: string }[];
    expect(files.filter((f) => f.name.endsWith('-tallies-csv.csv')).length).toBeGreaterThanOrEqual(1);
  });

  it('runs a scheduled tick once, however many instances see it', async () => {
    const schedule = { cron: '0 22 * * *', kinds: ['orders.csv' as const], retain: 5 };
    const at = new Date(Date.UTC(2026, 10, 1, 14, 0, 0));
    // Two instances' crons fire for the same tick; the second finds it done.
    const [first, second] = await Promise.all([app.exportScheduler.tick(schedule, at), app.exportScheduler.tick(schedule, at)]);
    expect([first, second].flat()).toEqual(['nongbo-20261101-220000-orders-csv.csv']);
    expect(await app.exportScheduler.tick(schedule, new Date(at.getTime() + 86_400_000))).toEqual(['nongbo-20261102-220000-orders-csv.csv']);
  });
});
