import type { TallyGroup, TallyRow } from '../attribution/ledger.ts';
import { maskPhone, POVERTY_LABELS, type Household } from '../households/household.ts';
import { STATUS_LABELS, type Order } from '../orders/order.ts';
import type { Question, QuestionStatus } from '../policy/question.ts';
import type { Room } from '../rooms/room.ts';
import type { Cell, Column, Table } from './table.ts';

const ORIGIN_LABELS = { chat: '弹幕下单', confirmation: '人工确认', import: '店铺导入' } as const;

/** One row per order line, with at least the contract's columns. */
export function ordersTable(orders: readonly Order[], rooms: ReadonlyMap<number, Room>): Table {
  const columns: Column[] = [
    { header: '订单号', kind: 'int' },
    { header: '时间', kind: 'time' },
    { header: '直播间', kind: 'text' },
    { header: '平台', kind: 'text', width: 10 },
    { header: '买家', kind: 'text' },
    { header: '买家ID', kind: 'text' },
    { header: '商品编码', kind: 'text', width: 10 },
    { header: '商品', kind: 'text', width: 24 },
    { header: '数量', kind: 'int', width: 8 },
    { header: '单价(元)', kind: 'yuan' },
    { header: '金额(元)', kind: 'yuan' },
    { header: '状态', kind: 'text', width: 10 },
    { header: '来源', kind: 'text', width: 10 },
  ];
  const rows: Cell[][] = orders.flatMap((o) =>
    o.lines.map((l) => [
      o.id,
      o.createdAt,
      rooms.get(o.roomId)?.name ?? String(o.roomId),
      o.buyer.platform,
      o.buyer.name,
      o.buyer.userId,
      l.code,
      l.name,
      l.qty,
      l.priceFen,
      l.grossFen,
      STATUS_LABELS[o.status],
      ORIGIN_LABELS[o.origin],
    ]),
  );
  return { title: '订单', columns, rows };
}

const AMOUNTS: Column[] = [
  { header: '订单数', kind: 'int', width: 8 },
  { header: '数量', kind: 'int', width: 8 },
  { header: '销售额(元)', kind: 'yuan' },
  { header: '平台费(元)', kind: 'yuan' },
  { header: '佣金(元)', kind: 'yuan' },
  { header: '净收入(元)', kind: 'yuan' },
  { header: '已付净收入(元)', kind: 'yuan', width: 14 },
];
const amountsOf = (r: TallyRow): Cell[] => [r.orders, r.quantity, r.grossFen, r.platformFeeFen, r.commissionFen, r.netFen, r.paidNetFen];

/**
 * Tallies for Excel. Household rows carry the poverty status in words (脱贫户, 监测户) and the
 * phone masked unless `fullPhones`; the spreadsheet's last row sums every money column.
 */
export function talliesTable(groupBy: TallyGroup, rows: readonly TallyRow[], households: ReadonlyMap<number, Household>, fullPhones: boolean): Table {
  let head: Column[];
  let body: Cell[][];
  if (groupBy === 'household') {
    head = [
      { header: '农户编号', kind: 'int', width: 10 },
      { header: '农户', kind: 'text' },
      { header: '村组', kind: 'text', width: 28 },
      { header: '类别', kind: 'text', width: 10 },
      { header: '电话', kind: 'text', width: 14 },
    ];
    body = rows.map((r) => {
      const h = 'householdId' in r ? r : undefined;
      const phone = h ? (households.get(h.householdId)?.phone ?? null) : null;
      return [h?.householdId ?? null, h?.householdName ?? '', h?.village ?? '', h ? POVERTY_LABELS[h.povertyStatus] : '', fullPhones ? phone : maskPhone(phone), ...amountsOf(r)];
    });
  } else if (groupBy === 'product') {
    head = [
      { header: '商品编码', kind: 'text', width: 10 },
      { header: '商品', kind: 'text', width: 24 },
    ];
    body = rows.map((r) => ['code' in r ? [r.code, r.name] : ['', ''], amountsOf(r)].flat());
  } else {
    head = [
      { header: '直播间', kind: 'text', width: 24 },
      { header: '平台', kind: 'text', width: 10 },
    ];
    body = rows.map((r) => ['roomName' in r ? [r.roomName, r.platform] : ['', ''], amountsOf(r)].flat());
  }
  const sum = (k: keyof TallyRow) => rows.reduce((a, r) => a + (r[k] as number), 0);
  const totals: Cell[] = [
    '合计',
    ...head.slice(1).map(() => null),
    null,
    sum('quantity'),
    sum('grossFen'),
    sum('platformFeeFen'),
    sum('commissionFen'),
    sum('netFen'),
    sum('paidNetFen'),
  ];
  return { title: '收入统计', columns: [...head, ...AMOUNTS], rows: body, totals };
}

const QUESTION_LABELS: Record<QuestionStatus, string> = {
  answered: '已自动回答',
  queued: '待官方回答',
  answered_by_official: '官方已回答',
  dismissed: '已忽略',
  unmatched: '非政策问题',
};

/** Every question with its match and score, for the official's review after a stream. */
export function questionsTable(questions: readonly Question[], rooms: ReadonlyMap<number, Room>, titles: ReadonlyMap<string, string>): Table {
  const columns: Column[] = [
    { header: '编号', kind: 'int', width: 8 },
    { header: '时间', kind: 'time' },
    { header: '直播间', kind: 'text' },
    { header: '提问人', kind: 'text' },
    { header: '问题', kind: 'text', width: 40 },
    { header: '匹配条目', kind: 'text', width: 24 },
    { header: '匹配度', kind: 'text', width: 8 },
    { header: '处理', kind: 'text', width: 12 },
    { header: '官方所用条目', kind: 'text', width: 24 },
    { header: '回答', kind: 'text', width: 40 },
  ];
  const rows: Cell[][] = questions.map((q) => [
    q.id,
    q.createdAt,
    rooms.get(q.roomId)?.name ?? String(q.roomId),
    q.asker.name,
    q.text,
    q.entryId ? (titles.get(q.entryId) ?? q.entryId) : '',
    q.score.toFixed(2),
    QUESTION_LABELS[q.status],
    q.answeredEntryId ? (titles.get(q.answeredEntryId) ?? q.answeredEntryId) : '',
    q.answer ?? '',
  ]);
  return { title: '观众提问', columns, rows };
}
