import type Database from 'better-sqlite3';
import { and, asc, desc, eq, inArray, isNull, lte, sql } from 'drizzle-orm';
import type { BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import type { MessageOutcome } from '../../chat/message.ts';
import { AppError } from '../../errors.ts';
import { OPEN, type OrderStatus } from '../../orders/order.ts';
import type { Platform } from '../../rooms/room.ts';
import { insertedOrder, type ClaimProduct, type Confirmation, type StoredOrder, type Tx } from '../store.ts';
import * as schema from './schema.ts';
import { toRoom } from './rows.ts';

type Db = BetterSQLite3Database<typeof schema>;

const { orders, orderLines, chatUsers } = schema;

type OrderRow = { order: typeof orders.$inferSelect; platform: string; platformUserId: string };
type LineRow = typeof orderLines.$inferSelect;

function toStoredOrder(r: OrderRow, lines: LineRow[]): StoredOrder {
  const o = r.order;
  return {
    id: o.id,
    roomId: o.roomId,
    liveSessionId: o.liveSessionId,
    messageId: o.messageId,
    chatUserId: o.chatUserId,
    buyerName: o.buyerName,
    buyer: { platform: r.platform as Platform, userId: r.platformUserId, name: o.buyerName },
    status: o.status,
    origin: o.origin,
    lines: lines.map(({ id, productId, code, name, qty, priceFen, grossFen, stockShort }) => ({ id, productId, code, name, qty, priceFen, grossFen, stockShort })),
    holdExpiresAt: o.holdExpiresAt,
    createdAt: o.createdAt,
    updatedAt: o.updatedAt,
  };
}

/** Orders with their buyer and lines, in the order of `ids`. */
export function loadOrders(db: Db, ids: number[]): StoredOrder[] {
  if (ids.length === 0) return [];
  const rows = db
    .select({ order: orders, platform: chatUsers.platform, platformUserId: chatUsers.platformUserId })
    .from(orders)
    .innerJoin(chatUsers, eq(chatUsers.id, orders.chatUserId))
    .where(inArray(orders.id, ids))
    .all();
  const lines = db.select().from(orderLines).where(inArray(orderLines.orderId, ids)).orderBy(asc(orderLines.id)).all();
  const linesOf = new Map<number, LineRow[]>();
  for (const line of lines) linesOf.set(line.orderId, [...(linesOf.get(line.orderId) ?? []), line]);
  const byId = new Map(rows.map((r) => [r.order.id, r]));
  return ids.flatMap((id) => {
    const r = byId.get(id);
    return r ? [toStoredOrder(r, linesOf.get(id) ?? [])] : [];
  });
}

/**
 * What a batch reads once (the product everyone is buying, the room's live session) and what is
 * read about one order, prepared once through drizzle: building and preparing a query per call
 * costs more than running it.
 */
function batchStatements(db: Db) {
  const p = sql.placeholder;
  const ls = schema.liveSessions;
  const productColumns = { id: schema.products.id, code: schema.products.code, name: schema.products.name, priceFen: schema.products.priceFen, stock: schema.products.stock };
  return {
    openSession: db
      .select({ id: ls.id })
      .from(ls)
      .where(and(eq(ls.roomId, p('roomId')), isNull(ls.endedAt)))
      .orderBy(desc(ls.id))
      .limit(1)
      .prepare(),
    room: db.select().from(schema.rooms).where(eq(schema.rooms.id, p('id'))).prepare(),
    product: db.select(productColumns).from(schema.products).where(eq(schema.products.id, p('id'))).prepare(),
    productByCode: db.select(productColumns).from(schema.products).where(eq(schema.products.code, p('code'))).prepare(),
    sources: db
      .select({ householdId: schema.productSources.householdId, share: schema.productSources.share })
      .from(schema.productSources)
      .where(eq(schema.productSources.productId, p('productId')))
      .orderBy(asc(schema.productSources.position))
      .prepare(),
    order: db
      .select({ order: orders, platform: chatUsers.platform, platformUserId: chatUsers.platformUserId })
      .from(orders)
      .innerJoin(chatUsers, eq(chatUsers.id, orders.chatUserId))
      .where(eq(orders.id, p('id')))
      .prepare(),
    lines: db.select().from(orderLines).where(eq(orderLines.orderId, p('orderId'))).orderBy(asc(orderLines.id)).prepare(),
  };
}

/**
 * The statements every chat order runs (a dozen of them), in SQL on better-sqlite3 itself:
 * through drizzle each cost ~5 µs of parameter and row mapping on top of SQLite's own ~2.5 µs
 * (measured), a third of an order's whole cost. Columns are stored as drizzle stores them (see
 * schema.ts): dates as epoch milliseconds, JSON as text.
 */
function orderStatements(sqlite: Database.Database) {
  const open = OPEN.map((status) => `'${status}'`).join(', ');
  return {
    outcome: sqlite.prepare<[number, string], { outcome: string | null }>('SELECT outcome FROM chat_messages WHERE room_id = ? AND message_id = ?'),
    saveMessage: sqlite.prepare<[number, string, number, string, number, number, string]>(
      'INSERT INTO chat_messages (room_id, message_id, chat_user_id, text, sent_at, received_at, outcome) VALUES (?, ?, ?, ?, ?, ?, ?)',
    ),
    // A returning viewer is a read; only a new viewer or a changed nickname is a write.
    findChatUser: sqlite.prepare<[string, string], { id: number; displayName: string }>(
      'SELECT id, display_name AS displayName FROM chat_users WHERE platform = ? AND platform_user_id = ?',
    ),
    insertChatUser: sqlite.prepare<[string, string, string, number, number]>(
      'INSERT INTO chat_users (platform, platform_user_id, display_name, created_at, updated_at) VALUES (?, ?, ?, ?, ?)',
    ),
    renameChatUser: sqlite.prepare<[string, number, number]>('UPDATE chat_users SET display_name = ?, updated_at = ? WHERE id = ?'),
    adjustStock: sqlite.prepare<[number, number, number], { stock: number }>('UPDATE products SET stock = stock + ?, updated_at = ? WHERE id = ? RETURNING stock'),
    openOrders: sqlite.prepare<[number, number], { n: number }>(`SELECT count(*) AS n FROM orders WHERE chat_user_id = ? AND live_session_id = ? AND status IN (${open})`),
    // The new row's id from lastInsertRowid: RETURNING costs SQLite a result set per insert.
    insertOrder: sqlite.prepare<[number, number | null, string | null, number, string, string, string, string | null, number | null, number, number]>(
      `INSERT INTO orders (room_id, live_session_id, message_id, chat_user_id, buyer_name, status, origin, external_ref, hold_expires_at, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    insertLine: sqlite.prepare<[number, number, string, string, number, number, number, number]>(
      'INSERT INTO order_lines (order_id, product_id, code, name, qty, price_fen, gross_fen, stock_short) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    ),
    insertLedger: sqlite.prepare<[number, number, number, number, number, string, number, number, number, number, number, number]>(
      `INSERT INTO ledger_entries (order_id, order_line_id, room_id, product_id, household_id, kind, quantity, gross_fen, platform_fee_fen, commission_fen, net_fen, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    featuredAt: sqlite.prepare<[number, number], { productId: number | null }>(
      'SELECT product_id AS productId FROM feature_log WHERE room_id = ? AND at <= ? ORDER BY at DESC, id DESC LIMIT 1',
    ),
  };
}

/**
 * The write operations of the embedded engine. They run synchronously inside the write queue's
 * transaction; the promises they return are already settled.
 */
export function sqliteTx(db: Db, sqlite: Database.Database): Tx & { endBatch(): void } {
  const prepared = batchStatements(db);
  const raw = orderStatements(sqlite);
  // What a batch reads over and over (the product everyone is buying, the room's live session),
  // remembered until its transaction ends, committed or rolled back.
  const batch = { products: new Map<number, ClaimProduct>(), codes: new Map<string, number | null>(), sessions: new Map<number, number>() };
  const claimProduct = (id: number): ClaimProduct | undefined => {
    let product = batch.products.get(id);
    if (!product) {
      const row = prepared.product.get({ id });
      if (!row) return undefined;
      product = { ...row, sources: prepared.sources.all({ productId: id }) };
      batch.products.set(id, product);
    }
    // A copy: the caller's view must not change when the batch's stock does.
    return { ...product, sources: product.sources };
  };
  const one = (id: number): StoredOrder | undefined => {
    const row = prepared.order.get({ id });
    return row ? toStoredOrder(row, prepared.lines.all({ orderId: id })) : undefined;
  };

  return {
    endBatch() {
      batch.products.clear();
      batch.codes.clear();
      batch.sessions.clear();
    },

    messageOutcome: async (roomId, messageId) => {
      const row = raw.outcome.get(roomId, messageId);
      if (!row?.outcome) return undefined;
      const stored = JSON.parse(row.outcome) as MessageOutcome;
      return stored.orders ? { ...stored, order: stored.orders[0] } : stored;
    },

    saveMessage: async (m) => {
      // `order` is `orders[0]`: stored once, it halves what every order writes here.
      const { order: _, ...outcome } = m.outcome;
      raw.saveMessage.run(m.roomId, m.messageId, m.chatUserId, m.text, m.sentAt.getTime(), m.receivedAt.getTime(), JSON.stringify(outcome));
    },

    chatUser: async (platform, platformUserId, displayName, now) => {
      const known = raw.findChatUser.get(platform, platformUserId);
      if (!known) return Number(raw.insertChatUser.run(platform, platformUserId, displayName, now.getTime(), now.getTime()).lastInsertRowid);
      if (known.displayName !== displayName) raw.renameChatUser.run(displayName, now.getTime(), known.id);
      return known.id;
    },

    liveSession: async (roomId, now) => {
      let id = batch.sessions.get(roomId);
      if (id === undefined) {
        id = prepared.openSession.get({ roomId })?.id ?? db.insert(schema.liveSessions).values({ roomId, startedAt: now }).returning({ id: schema.liveSessions.id }).get().id;
        batch.sessions.set(roomId, id);
      }
      return id;
    },

    room: async (roomId) => {
      const row = prepared.room.get({ id: roomId });
      return row ? toRoom(row) : undefined;
    },

    featuredAt: async (roomId, at) => raw.featuredAt.get(roomId, at.getTime())?.productId ?? null,

    productByCode: async (code) => {
      let id = batch.codes.get(code);
      if (id === undefined) {
        id = prepared.productByCode.get({ code })?.id ?? null;
        batch.codes.set(code, id);
      }
      return id === null ? undefined : claimProduct(id);
    },

    productForClaim: async (productId) => claimProduct(productId),

    adjustStock: async (productId, delta) => {
      // The CHECK constraint refuses a negative result; the domain never asks for one.
      const row = raw.adjustStock.get(delta, Date.now(), productId);
      if (!row) throw new AppError('PRODUCT_NOT_FOUND', String(productId));
      const cached = batch.products.get(productId);
      if (cached) cached.stock = row.stock;
      return row.stock;
    },

    openOrderCount: async (chatUserId, liveSessionId) => raw.openOrders.get(chatUserId, liveSessionId)!.n,

    insertOrder: async (o) => {
      const at = o.createdAt.getTime();
      const id = Number(raw.insertOrder.run(o.roomId, o.liveSessionId, o.messageId, o.chatUserId, o.buyer.name, o.status, o.origin, o.externalRef ?? null, o.holdExpiresAt?.getTime() ?? null, at, at).lastInsertRowid);
      const lines = o.lines.map((l) => {
        const grossFen = l.priceFen * l.qty;
        const stockShort = l.stockShort ?? 0;
        const lineId = Number(raw.insertLine.run(id, l.productId, l.code, l.name, l.qty, l.priceFen, grossFen, stockShort).lastInsertRowid);
        return { ...l, grossFen, stockShort, id: lineId };
      });
      return insertedOrder(id, o, lines);
    },

    order: async (id) => one(id),

    orderIdByExternalRef: async (roomId, externalRef) =>
      db.select({ id: orders.id }).from(orders).where(and(eq(orders.roomId, roomId), eq(orders.externalRef, externalRef))).get()?.id,

    updateOrder: async (id, change) => {
      db.update(orders).set(change).where(eq(orders.id, id)).run();
      return one(id)!;
    },

    setLineQty: async (orderLineId, qty) => {
      db.update(orderLines)
        .set({ qty, grossFen: sql`${orderLines.priceFen} * ${qty}` })
        .where(eq(orderLines.id, orderLineId))
        .run();
    },

    waitlisted: async (productId, limit) => {
      const ids = db
        .selectDistinct({ id: orders.id })
        .from(orders)
        .innerJoin(orderLines, eq(orderLines.orderId, orders.id))
        .where(and(eq(orders.status, 'waitlisted'), eq(orderLines.productId, productId)))
        .orderBy(asc(orders.id))
        .limit(limit)
        .all()
        .map((r) => r.id);
      return loadOrders(db, ids);
    },

    dueHolds: async (now, limit) =>
      db
        .select({ id: orders.id })
        .from(orders)
        .where(and(eq(orders.status, 'held' satisfies OrderStatus), lte(orders.holdExpiresAt, now)))
        .orderBy(asc(orders.holdExpiresAt))
        .limit(limit)
        .all()
        .map((r) => r.id),

    appendLedger: async (entries) => {
      for (const e of entries) {
        raw.insertLedger.run(e.orderId, e.orderLineId, e.roomId, e.productId, e.householdId, e.kind, e.quantity, e.grossFen, e.platformFeeFen, e.commissionFen, e.netFen, e.createdAt.getTime());
      }
    },

    ledgerOf: async (orderId) =>
      db
        .select()
        .from(schema.ledgerEntries)
        .where(eq(schema.ledgerEntries.orderId, orderId))
        .orderBy(asc(schema.ledgerEntries.id))
        .all()
        .map(({ id: _, ...entry }) => entry),

    insertQuestion: async (question) =>
      db.insert(schema.questions).values(question).returning({ id: schema.questions.id }).get().id,

    insertConfirmation: async (c) =>
      db
        .insert(schema.confirmations)
        .values({ ...c, status: 'pending' })
        .returning({ id: schema.confirmations.id })
        .get().id,

    confirmation: async (id) => loadConfirmations(db, eq(schema.confirmations.id, id))[0],

    decideConfirmation: async (id, decision) => {
      db.update(schema.confirmations).set(decision).where(eq(schema.confirmations.id, id)).run();
    },
  };
}

export function loadConfirmations(db: Db, where: ReturnType<typeof eq> | undefined, limit = 1, offset = 0): Confirmation[] {
  const c = schema.confirmations;
  return db
    .select({ c, platform: chatUsers.platform, platformUserId: chatUsers.platformUserId })
    .from(c)
    .innerJoin(chatUsers, eq(chatUsers.id, c.chatUserId))
    .where(where)
    .orderBy(asc(c.id))
    .limit(limit)
    .offset(offset)
    .all()
    .map(({ c: row, platform, platformUserId }) => ({
      ...row,
      buyer: { platform, userId: platformUserId, name: row.buyerName },
    }));
}
