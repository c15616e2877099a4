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
    lines: lines.map(({ id, productId, code, name, qty, priceFen, grossFen }) => ({ id, productId, code, name, qty, priceFen, grossFen })),
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
 * The statements the chat pipeline runs for every message, prepared once: building and
 * preparing a query per call costs more than running it.
 */
function hotStatements(db: Db) {
  const p = sql.placeholder;
  const cm = schema.chatMessages;
  const ls = schema.liveSessions;
  return {
    outcome: db.select({ outcome: cm.outcome }).from(cm).where(and(eq(cm.roomId, p('roomId')), eq(cm.messageId, p('messageId')))).prepare(),
    saveMessage: db
      .insert(cm)
      .values({ roomId: p('roomId'), messageId: p('messageId'), chatUserId: p('chatUserId'), text: p('text'), sentAt: p('sentAt'), receivedAt: p('receivedAt'), outcome: p('outcome') })
      .prepare(),
    // A returning viewer is a read; only a new viewer or a changed nickname is a write.
    findChatUser: db
      .select({ id: chatUsers.id, displayName: chatUsers.displayName })
      .from(chatUsers)
      .where(and(eq(chatUsers.platform, p('platform')), eq(chatUsers.platformUserId, p('platformUserId'))))
      .prepare(),
    insertChatUser: db
      .insert(chatUsers)
      .values({ platform: p('platform'), platformUserId: p('platformUserId'), displayName: p('displayName'), createdAt: p('now'), updatedAt: p('now') })
      .returning({ id: chatUsers.id })
      .prepare(),
    renameChatUser: db
      .update(chatUsers)
      .set({ displayName: sql`${p('displayName')}`, updatedAt: sql`${p('nowMs')}` })
      .where(eq(chatUsers.id, p('id')))
      .prepare(),
    openSession: db
      .select({ id: ls.id })
      .from(ls)
      .where(and(eq(ls.roomId, p('roomId')), isNull(ls.endedAt)))
      .orderBy(desc(ls.id))
      .limit(1)
      .prepare(),
    room: db.select().from(schema.rooms).where(eq(schema.rooms.id, p('id'))).prepare(),
    // `at` is compared as stored: epoch milliseconds.
    product: db
      .select({ id: schema.products.id, code: schema.products.code, name: schema.products.name, priceFen: schema.products.priceFen, stock: schema.products.stock })
      .from(schema.products)
      .where(eq(schema.products.id, p('id')))
      .prepare(),
    productByCode: db
      .select({ id: schema.products.id, code: schema.products.code, name: schema.products.name, priceFen: schema.products.priceFen, stock: schema.products.stock })
      .from(schema.products)
      .where(eq(schema.products.code, p('code')))
      .prepare(),
    sources: db
      .select({ householdId: schema.productSources.householdId, share: schema.productSources.share })
      .from(schema.productSources)
      .where(eq(schema.productSources.productId, p('productId')))
      .orderBy(asc(schema.productSources.position))
      .prepare(),
    adjustStock: db
      .update(schema.products)
      .set({ stock: sql`${schema.products.stock} + ${p('delta')}`, updatedAt: sql`${p('nowMs')}` })
      .where(eq(schema.products.id, p('id')))
      .returning({ stock: schema.products.stock })
      .prepare(),
    openOrders: db
      .select({ n: sql<number>`count(*)` })
      .from(orders)
      .where(and(eq(orders.chatUserId, p('chatUserId')), eq(orders.liveSessionId, p('liveSessionId')), inArray(orders.status, [...OPEN])))
      .prepare(),
    insertOrder: db
      .insert(orders)
      .values({
        roomId: p('roomId'),
        liveSessionId: p('liveSessionId'),
        messageId: p('messageId'),
        chatUserId: p('chatUserId'),
        buyerName: p('buyerName'),
        status: p('status'),
        origin: p('origin'),
        externalRef: p('externalRef'),
        // Nullable, so bound as epoch milliseconds: drizzle's placeholder mapping cannot take null dates.
        holdExpiresAt: sql`${p('holdExpiresAtMs')}`,
        createdAt: p('createdAt'),
        updatedAt: p('createdAt'),
      })
      .returning({ id: orders.id })
      .prepare(),
    insertLine: db
      .insert(orderLines)
      .values({ orderId: p('orderId'), productId: p('productId'), code: p('code'), name: p('name'), qty: p('qty'), priceFen: p('priceFen'), grossFen: p('grossFen') })
      .prepare(),
    order: db
      .select({ order: orders, platform: chatUsers.platform, platformUserId: chatUsers.platformUserId })
      .from(orders)
      .innerJoin(chatUsers, eq(chatUsers.id, orders.chatUserId))
      .where(eq(orders.id, p('id')))
      .prepare(),
    lines: db.select().from(orderLines).where(eq(orderLines.orderId, p('orderId'))).orderBy(asc(orderLines.id)).prepare(),
    insertLedger: db
      .insert(schema.ledgerEntries)
      .values({
        orderId: p('orderId'),
        orderLineId: p('orderLineId'),
        roomId: p('roomId'),
        productId: p('productId'),
        householdId: p('householdId'),
        kind: p('kind'),
        quantity: p('quantity'),
        grossFen: p('grossFen'),
        platformFeeFen: p('platformFeeFen'),
        commissionFen: p('commissionFen'),
        netFen: p('netFen'),
        createdAt: p('createdAt'),
      })
      .prepare(),
    featuredAt: db
      .select({ productId: schema.featureLog.productId })
      .from(schema.featureLog)
      .where(and(eq(schema.featureLog.roomId, p('roomId')), lte(schema.featureLog.at, p('atMs'))))
      .orderBy(desc(schema.featureLog.at), desc(schema.featureLog.id))
      .limit(1)
      .prepare(),
  };
}

/**
 * The write operations of the embedded engine. They run synchronously inside the write queue's
 * transaction; the promises they return are already settled.
 */
export function sqliteTx(db: Db): Tx & { endBatch(): void } {
  const hot = hotStatements(db);
  // What a batch reads over and over (the product everyone is buying, the room's live session),
  // remembered until its transaction ends, committed or rolled back.
  const batch = { products: new Map<number, ClaimProduct>(), codes: new Map<string, number | null>(), sessions: new Map<number, number>() };
  const claimProduct = (id: number): ClaimProduct | undefined => {
    let product = batch.products.get(id);
    if (!product) {
      const row = hot.product.get({ id });
      if (!row) return undefined;
      product = { ...row, sources: hot.sources.all({ productId: id }) };
      batch.products.set(id, product);
    }
    // A copy: the caller's view must not change when the batch's stock does.
    return { ...product, sources: product.sources };
  };
  const one = (id: number): StoredOrder | undefined => {
    const row = hot.order.get({ id });
    return row ? toStoredOrder(row, hot.lines.all({ orderId: id })) : undefined;
  };

  return {
    endBatch() {
      batch.products.clear();
      batch.codes.clear();
      batch.sessions.clear();
    },

    messageOutcome: async (roomId, messageId) => {
      const stored = hot.outcome.get({ roomId, messageId })?.outcome as MessageOutcome | undefined;
      return stored?.orders ? { ...stored, order: stored.orders[0] } : stored;
    },

    saveMessage: async (m) => {
      // `order` is `orders[0]`: stored once, it halves what every order writes here.
      const { order: _, ...outcome } = m.outcome;
      hot.saveMessage.run({ roomId: m.roomId, messageId: m.messageId, chatUserId: m.chatUserId, text: m.text, sentAt: m.sentAt, receivedAt: m.receivedAt, outcome });
    },

    chatUser: async (platform, platformUserId, displayName, now) => {
      const known = hot.findChatUser.get({ platform, platformUserId });
      if (!known) return hot.insertChatUser.get({ platform, platformUserId, displayName, now })!.id;
      if (known.displayName !== displayName) hot.renameChatUser.run({ id: known.id, displayName, nowMs: now.getTime() });
      return known.id;
    },

    liveSession: async (roomId, now) => {
      let id = batch.sessions.get(roomId);
      if (id === undefined) {
        id = hot.openSession.get({ roomId })?.id ?? db.insert(schema.liveSessions).values({ roomId, startedAt: now }).returning({ id: schema.liveSessions.id }).get().id;
        batch.sessions.set(roomId, id);
      }
      return id;
    },

    room: async (roomId) => {
      const row = hot.room.get({ id: roomId });
      return row ? toRoom(row) : undefined;
    },

    featuredAt: async (roomId, at) => hot.featuredAt.get({ roomId, atMs: at.getTime() })?.productId ?? null,

    productByCode: async (code) => {
      let id = batch.codes.get(code);
      if (id === undefined) {
        id = hot.productByCode.get({ code })?.id ?? null;
        batch.codes.set(code, id);
      }
      return id === null ? undefined : claimProduct(id);
    },

    productForClaim: async (productId) => claimProduct(productId),

    adjustStock: async (productId, delta) => {
      // The CHECK constraint refuses a negative result; the domain never asks for one.
      const row = hot.adjustStock.get({ id: productId, delta, nowMs: Date.now() });
      if (!row) throw new AppError('PRODUCT_NOT_FOUND', String(productId));
      const cached = batch.products.get(productId);
      if (cached) cached.stock = row.stock;
      return row.stock;
    },

    openOrderCount: async (chatUserId, liveSessionId) => hot.openOrders.get({ chatUserId, liveSessionId })!.n,

    insertOrder: async (o) => {
      const { id } = hot.insertOrder.get({ ...o, buyerName: o.buyer.name, externalRef: o.externalRef ?? null, holdExpiresAtMs: o.holdExpiresAt?.getTime() ?? null })!;
      const lines = o.lines.map((l) => {
        const line = { ...l, grossFen: l.priceFen * l.qty };
        return { ...line, id: Number(hot.insertLine.run({ ...line, orderId: id }).lastInsertRowid) };
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
      for (const entry of entries) hot.insertLedger.run({ ...entry });
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
