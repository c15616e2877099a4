/**
 * The embedded SQLite schema. `npm run db:generate` turns changes here into a new migration in
 * `migrations/sqlite`; migrations are applied at start and never edited once committed.
 * Times are UTC epoch milliseconds; money is integer fen.
 */
import { sql } from 'drizzle-orm';
import { blob, check, index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { POVERTY_STATUSES } from '../../households/household.ts';
import { ORDER_ORIGINS, ORDER_STATUSES } from '../../orders/order.ts';
import { QUESTION_STATUSES } from '../../policy/question.ts';

const ms = (name: string) => integer(name, { mode: 'timestamp_ms' });
const createdAt = () => ms('created_at').notNull();
const updatedAt = () => ms('updated_at').notNull();

export const households = sqliteTable('households', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  name: text('name').notNull(),
  village: text('village'),
  phone: text('phone'),
  povertyStatus: text('poverty_status', { enum: POVERTY_STATUSES }).notNull().default('none'),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

export const photos = sqliteTable('photos', {
  id: text('id').primaryKey(),
  mime: text('mime').notNull(),
  bytes: blob('bytes', { mode: 'buffer' }).notNull(),
  createdAt: createdAt(),
});

export const products = sqliteTable(
  'products',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    code: text('code').notNull(),
    name: text('name').notNull(),
    unit: text('unit').notNull(),
    priceFen: integer('price_fen').notNull(),
    stock: integer('stock').notNull(),
    story: text('story'),
    photoId: text('photo_id').references(() => photos.id),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('products_code_unique').on(t.code),
    // The last line of defence against overselling: no write may take stock below zero.
    check('products_stock_nonnegative', sql`${t.stock} >= 0`),
    check('products_price_nonnegative', sql`${t.priceFen} >= 0`),
  ],
);

export const productSources = sqliteTable(
  'product_sources',
  {
    productId: integer('product_id')
      .notNull()
      .references(() => products.id, { onDelete: 'cascade' }),
    householdId: integer('household_id')
      .notNull()
      .references(() => households.id),
    share: real('share').notNull(),
    /** Order as given: the first source wins remainder ties. */
    position: integer('position').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.productId, t.householdId] }),
    index('product_sources_household').on(t.householdId),
    check('product_sources_share_positive', sql`${t.share} > 0`),
  ],
);

export const rooms = sqliteTable(
  'rooms',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    name: text('name').notNull(),
    platform: text('platform').notNull(),
    config: text('config', { mode: 'json' }).notNull().$type<Record<string, unknown>>(),
    platformFeeRate: real('platform_fee_rate').notNull().default(0),
    commissionRate: real('commission_rate').notNull().default(0),
    qa: integer('qa', { mode: 'boolean' }).notNull().default(false),
    /** The sales goal of a live session, in fen (0 = none), for the goal bar overlay. */
    goalFen: integer('goal_fen').notNull().default(0),
    /** The adapter should be connected: set by connect, cleared by disconnect, honoured at start. */
    enabled: integer('enabled', { mode: 'boolean' }).notNull().default(false),
    overlayToken: text('overlay_token').notNull(),
    limits: text('limits', { mode: 'json' }).notNull().$type<Record<string, number>>(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('rooms_overlay_token_unique').on(t.overlayToken)],
);

/** A room going live and ending; per-buyer limits and analytics count per session. */
export const liveSessions = sqliteTable(
  'live_sessions',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    roomId: integer('room_id')
      .notNull()
      .references(() => rooms.id),
    startedAt: ms('started_at').notNull(),
    endedAt: ms('ended_at'),
    /**
     * What the session's claiming orders add up to (the goal bar), kept by triggers on orders and
     * order_lines (see the migration that adds them): summing a long stream's orders on every
     * refresh stalled the server tens of milliseconds per refresh at 100,000 orders. (SQLite has
     * one writer at a time, so the shared row cannot deadlock here as it did on PostgreSQL.)
     */
    salesGrossFen: integer('sales_gross_fen').notNull().default(0),
    salesOrders: integer('sales_orders').notNull().default(0),
  },
  (t) => [index('live_sessions_room').on(t.roomId, t.startedAt)],
);

/** A viewer as the platform knows them; the buyer of an order is never a nickname alone. */
export const chatUsers = sqliteTable(
  'chat_users',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    platform: text('platform').notNull(),
    platformUserId: text('platform_user_id').notNull(),
    displayName: text('display_name').notNull(),
    /** Added by the cooperative later (for delivery), never taken from public chat. */
    contactName: text('contact_name'),
    contactPhone: text('contact_phone'),
    contactAddress: text('contact_address'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('chat_users_platform_user').on(t.platform, t.platformUserId)],
);

/** Every chat message a room received, once per platform message id, with what it caused. */
export const chatMessages = sqliteTable(
  'chat_messages',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    roomId: integer('room_id')
      .notNull()
      .references(() => rooms.id),
    messageId: text('message_id').notNull(),
    chatUserId: integer('chat_user_id')
      .notNull()
      .references(() => chatUsers.id),
    text: text('text').notNull(),
    sentAt: ms('sent_at').notNull(),
    receivedAt: ms('received_at').notNull(),
    /** The reply given the first time, returned again when the same message id is replayed. */
    outcome: text('outcome', { mode: 'json' }),
  },
  (t) => [uniqueIndex('chat_messages_room_message').on(t.roomId, t.messageId)],
);

/** Which product was featured (讲解中) from when: `+1` means the product featured at the message's time. */
export const featureLog = sqliteTable(
  'feature_log',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    roomId: integer('room_id')
      .notNull()
      .references(() => rooms.id),
    /** null = nothing featured from `at` on. */
    productId: integer('product_id').references(() => products.id),
    at: ms('at').notNull(),
  },
  (t) => [index('feature_log_room_at').on(t.roomId, t.at)],
);

export const orders = sqliteTable(
  'orders',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    roomId: integer('room_id')
      .notNull()
      .references(() => rooms.id),
    liveSessionId: integer('live_session_id').references(() => liveSessions.id),
    /** The chat message that placed it (null for imported or manual orders). */
    messageId: text('message_id'),
    chatUserId: integer('chat_user_id')
      .notNull()
      .references(() => chatUsers.id),
    /** The nickname the buyer had when ordering, as exports show it. */
    buyerName: text('buyer_name').notNull().default(''),
    status: text('status', { enum: ORDER_STATUSES }).notNull(),
    origin: text('origin', { enum: ORDER_ORIGINS }).notNull().default('chat'),
    /** The shop's own order number for imported orders: importing the same file twice adds nothing. */
    externalRef: text('external_ref'),
    holdExpiresAt: ms('hold_expires_at'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('orders_room_created').on(t.roomId, t.createdAt),
    index('orders_status_expiry').on(t.status, t.holdExpiresAt),
    index('orders_buyer').on(t.chatUserId),
    uniqueIndex('orders_external_ref').on(t.roomId, t.externalRef).where(sql`${t.externalRef} is not null`),
  ],
);

export const orderLines = sqliteTable(
  'order_lines',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    orderId: integer('order_id')
      .notNull()
      .references(() => orders.id),
    productId: integer('product_id')
      .notNull()
      .references(() => products.id),
    /** Code, name and price as they were when ordered. */
    code: text('code').notNull(),
    name: text('name').notNull().default(''),
    qty: integer('qty').notNull(),
    priceFen: integer('price_fen').notNull(),
    grossFen: integer('gross_fen').notNull(),
    /**
     * Units the line did not take from stock: a shop import can record more sold than we counted.
     * A release gives back qty − stockShort, never stock that was not there.
     */
    stockShort: integer('stock_short').notNull().default(0),
  },
  (t) => [
    index('order_lines_order').on(t.orderId),
    index('order_lines_product').on(t.productId),
    check('order_lines_qty_positive', sql`${t.qty} > 0`),
  ],
);

/**
 * Append-only attribution: one row per order line and source household. A claim is written when an
 * order is held, a reversal (negated amounts) when it is cancelled or expires. Triggers in the
 * migrations refuse UPDATE and DELETE.
 */
export const ledgerEntries = sqliteTable(
  'ledger_entries',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    orderId: integer('order_id')
      .notNull()
      .references(() => orders.id),
    orderLineId: integer('order_line_id')
      .notNull()
      .references(() => orderLines.id),
    roomId: integer('room_id')
      .notNull()
      .references(() => rooms.id),
    productId: integer('product_id')
      .notNull()
      .references(() => products.id),
    householdId: integer('household_id')
      .notNull()
      .references(() => households.id),
    kind: text('kind', { enum: ['claim', 'reversal'] }).notNull(),
    quantity: integer('quantity').notNull(),
    grossFen: integer('gross_fen').notNull(),
    platformFeeFen: integer('platform_fee_fen').notNull(),
    commissionFen: integer('commission_fen').notNull(),
    netFen: integer('net_fen').notNull(),
    createdAt: createdAt(),
  },
  // Only the index reversals need: every order writes several ledger rows, and each index is one
  // more write; tallies read the ledger whole, grouped, a few times a day.
  (t) => [index('ledger_order').on(t.orderId)],
);

/**
 * Messages that look like orders but break the grammar (`买三`, `买3号2份送到北京`): held for the
 * streamer to accept (placing the order as of the message's time) or reject.
 */
export const confirmations = sqliteTable(
  'confirmations',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    roomId: integer('room_id')
      .notNull()
      .references(() => rooms.id),
    liveSessionId: integer('live_session_id').references(() => liveSessions.id),
    messageId: text('message_id').notNull(),
    chatUserId: integer('chat_user_id')
      .notNull()
      .references(() => chatUsers.id),
    buyerName: text('buyer_name').notNull(),
    text: text('text').notNull(),
    /** null = the product featured at `sentAt`. */
    suggestedCode: text('suggested_code'),
    suggestedQty: integer('suggested_qty').notNull(),
    reason: text('reason').notNull(),
    sentAt: ms('sent_at').notNull(),
    status: text('status', { enum: ['pending', 'accepted', 'rejected'] }).notNull(),
    orderId: integer('order_id').references(() => orders.id),
    createdAt: createdAt(),
    decidedAt: ms('decided_at'),
  },
  (t) => [index('confirmations_room_status').on(t.roomId, t.status)],
);

/** The approved policy knowledge base (政策问答); ids are the imported ones. */
export const policyEntries = sqliteTable('policy_entries', {
  id: text('id').primaryKey(),
  title: text('title').notNull(),
  /** The canonical question first, then its variants. */
  questions: text('questions', { mode: 'json' }).notNull().$type<string[]>(),
  short: text('short').notNull(),
  answer: text('answer').notNull(),
  source: text('source').notNull(),
  tags: text('tags', { mode: 'json' }).notNull().$type<string[]>(),
  region: text('region'),
  effectiveFrom: text('effective_from'),
  effectiveTo: text('effective_to'),
  status: text('status', { enum: ['approved', 'draft'] }).notNull(),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

/**
 * Questions of an entry that were learned from viewers through the moderation queue (they are in
 * the entry's `questions` too): the matcher reads what an entry answers from the ones its author
 * wrote. Not part of the knowledge base's import format.
 */
export const policyLearnedQuestions = sqliteTable(
  'policy_learned_questions',
  {
    entryId: text('entry_id')
      .notNull()
      .references(() => policyEntries.id),
    question: text('question').notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.entryId, t.question] })],
);

/** A question a viewer asked in a Q&A room, with how it was matched and answered. */
export const questions = sqliteTable(
  'questions',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    roomId: integer('room_id')
      .notNull()
      .references(() => rooms.id),
    liveSessionId: integer('live_session_id').references(() => liveSessions.id),
    chatUserId: integer('chat_user_id')
      .notNull()
      .references(() => chatUsers.id),
    /** The nickname the viewer asked under (chat_users keeps only their latest). */
    askerName: text('asker_name'),
    messageId: text('message_id'),
    text: text('text').notNull(),
    entryId: text('entry_id').references(() => policyEntries.id),
    /** The entry the official answered with from the queue, when not in their own words. */
    answeredEntryId: text('answered_entry_id').references(() => policyEntries.id),
    score: real('score').notNull(),
    status: text('status', { enum: QUESTION_STATUSES }).notNull(),
    answer: text('answer'),
    createdAt: createdAt(),
    answeredAt: ms('answered_at'),
  },
  (t) => [index('questions_room_created').on(t.roomId, t.createdAt), index('questions_status').on(t.status)],
);

/**
 * Dashboard logins: the cookie holds a random id and the database only its SHA-256, with the
 * CSRF token bound to it. In the database, so every instance of a deployment honours them.
 */
export const sessions = sqliteTable(
  'sessions',
  {
    idHash: text('id_hash').primaryKey(),
    csrfToken: text('csrf_token').notNull(),
    createdAt: createdAt(),
    expiresAt: ms('expires_at').notNull(),
  },
  (t) => [index('sessions_expires').on(t.expiresAt)],
);

/** Small shared values: the generated admin token, the export schedule, seed markers. */
/** Scheduled exports, kept in the database so that every instance lists and serves the same files. */
export const exportFiles = sqliteTable('export_files', {
  name: text('name').primaryKey(),
  kind: text('kind').notNull(),
  bytes: blob('bytes', { mode: 'buffer' }).notNull(),
  size: integer('size').notNull(),
  createdAt: createdAt(),
});

export const settings = sqliteTable('settings', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
});
