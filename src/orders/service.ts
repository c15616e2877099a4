/**
 * Orders with honest stock: a claim holds what stock covers and waitlists the rest, holds expire
 * and give their stock back, released stock goes to the waitlist first come first served, and
 * every claim and release is written to the attribution ledger in the same transaction.
 */
import { claimEntries, reversalEntries } from '../attribution/ledger.ts';
import { REFUSALS, type ChatMessage, type MessageOutcome, type OrderView, type RefusalCode } from '../chat/message.ts';
import { AppError } from '../errors.ts';
import type { Events } from '../events.ts';
import type { Room } from '../rooms/room.ts';
import type { ShopOrder } from '../imports/shop-orders.ts';
import type { Verdict } from '../policy/service.ts';
import type { ClaimProduct, StoredOrder, Store, Tx } from '../store/store.ts';
import { ackText } from './ack.ts';
import { checkManualStep, releases, type Buyer, type Order, type OrderOrigin, type OrderStatus } from './order.ts';
import type { OrderIntent, ParseResult } from './parser.ts';

/** What one transaction changed, announced to overlays once it is committed. */
class Changes {
  readonly orders = new Map<number, Order>();
  /** Views already built for the reply, reused for the announcement. */
  readonly views = new Map<number, OrderView>();
  readonly stock = new Map<number, number>();

  order(o: StoredOrder): StoredOrder {
    this.orders.set(o.id, o);
    return o;
  }
}

interface Claim {
  room: Room;
  chatUserId: number;
  buyer: Buyer;
  liveSessionId: number | null;
  messageId: string | null;
  intent: OrderIntent;
  sentAt: Date;
  origin: OrderOrigin;
}

type ClaimResult = { orders: StoredOrder[] } | { refusal: RefusalCode };

export function toOrderView(o: Order): OrderView {
  return {
    id: o.id,
    roomId: o.roomId,
    liveSessionId: o.liveSessionId,
    messageId: o.messageId,
    chatUserId: o.chatUserId,
    buyer: o.buyer,
    status: o.status,
    origin: o.origin,
    lines: o.lines.map(({ productId, code, name, qty, priceFen, grossFen }) => ({ productId, code, name, qty, priceFen, grossFen })),
    holdExpiresAt: o.holdExpiresAt?.toISOString() ?? null,
    createdAt: o.createdAt.toISOString(),
    updatedAt: o.updatedAt.toISOString(),
  };
}

const MINUTE = 60_000;
/** Holds expired per transaction; a backlog is worked off over several ticks. */
const EXPIRY_BATCH = 200;

export class OrderService {
  constructor(
    private readonly store: Store,
    private readonly events: Events,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /**
   * A chat message through to what it causes, stored with the message in one transaction: a
   * replayed message id returns the stored outcome and changes nothing.
   */
  async placeFromMessage(
    room: Room,
    msg: ChatMessage,
    parsed: ParseResult,
    /**
     * `refusal` and `reply` are asked once the message id is known to be new: a replay must not use
     * up the buyer's flood allowance, nor claim the answer cooldown (see the flood guard and `AnswerCooldown`).
     */
    extra: { refusal?: () => RefusalCode | undefined; question?: Verdict; reply?: () => string | undefined } = {},
  ): Promise<{ outcome: MessageOutcome; replay: boolean; questionId?: number }> {
    const { question } = extra;
    return this.write(async (tx, changes) => {
      const seen = await tx.messageOutcome(msg.roomId, msg.messageId);
      if (seen) return { outcome: seen, replay: true };
      const refusal = extra.refusal?.();
      const now = this.now();
      // The room as the caller loaded it moments ago: its rates and limits apply to this message.
      const chatUserId = await tx.chatUser(msg.platform, msg.user.id, msg.user.name, now);
      const liveSessionId = await tx.liveSession(room.id, now);

      let outcome: MessageOutcome = { accepted: true };
      let questionId: number | undefined;
      if (parsed.kind === 'order' && refusal) {
        outcome = refused(refusal, msg.user.name);
      } else if (parsed.kind === 'order') {
        const intent = { code: parsed.code, qty: parsed.qty };
        const buyer = { platform: msg.platform, userId: msg.user.id, name: msg.user.name };
        const claim = await this.claim(tx, changes, { room, chatUserId, buyer, liveSessionId, messageId: msg.messageId, intent, sentAt: msg.sentAt, origin: 'chat' });
        outcome = 'refusal' in claim ? refused(claim.refusal, msg.user.name) : placed(claim.orders, msg.user.name);
        for (const view of outcome.orders ?? []) changes.views.set(view.id, view);
      } else if (parsed.kind === 'ambiguous') {
        const id = await tx.insertConfirmation({
          roomId: room.id,
          liveSessionId,
          messageId: msg.messageId,
          chatUserId,
          buyerName: msg.user.name,
          text: msg.text,
          suggestedCode: parsed.suggestion.code,
          suggestedQty: parsed.suggestion.qty,
          reason: parsed.reason,
          sentAt: msg.sentAt,
          createdAt: now,
        });
        outcome = { accepted: true, confirmation: { id, suggestion: parsed.suggestion } };
      } else if (question) {
        const status = question.status;
        const reply = extra.reply?.();
        questionId = await tx.insertQuestion({
          roomId: room.id,
          liveSessionId,
          chatUserId,
          askerName: msg.user.name,
          messageId: msg.messageId,
          text: msg.text,
          entryId: question.entryId,
          score: question.score,
          status,
          answer: question.answer.answered ? question.answer.short : null,
          createdAt: now,
          answeredAt: status === 'answered' ? now : null,
        });
        outcome = { accepted: true, answer: question.answer, ...(reply && { reply }) };
      }
      await tx.saveMessage({ ...msg, chatUserId, outcome });
      return { outcome, replay: false, ...(questionId !== undefined && { questionId }) };
    });
  }

  /** A status change by a person, only along the life cycle's steps. */
  async changeStatus(orderId: number, to: OrderStatus): Promise<Order> {
    return this.write(async (tx, changes) => {
      const order = await tx.order(orderId);
      if (!order) throw new AppError('ORDER_NOT_FOUND', String(orderId));
      checkManualStep(order.status, to);
      return this.transition(tx, changes, order, to);
    });
  }

  /** Expires every hold that ran out by `at`, returning stock to the waitlist. Returns how many expired. */
  async expireDue(at: Date = this.now()): Promise<number> {
    let total = 0;
    for (;;) {
      const expired = await this.write(async (tx, changes) => {
        const due = await tx.dueHolds(at, EXPIRY_BATCH);
        for (const id of due) {
          const order = await tx.order(id);
          if (order?.status === 'held') await this.transition(tx, changes, order, 'expired');
        }
        return due.length;
      });
      total += expired;
      if (expired < EXPIRY_BATCH) return total;
    }
  }

  /**
   * Stock counted by hand, and the waitlist served from it first, in one transaction: set apart,
   * chat claims queued in between took the new stock ahead of buyers who had waited for it.
   */
  async setStock(productId: number, stock: number): Promise<void> {
    await this.write(async (tx, changes) => {
      const product = await tx.productForClaim(productId);
      if (!product) throw new AppError('PRODUCT_NOT_FOUND', String(productId));
      changes.stock.set(productId, await tx.adjustStock(productId, stock - product.stock));
      await this.advanceWaitlist(tx, changes, productId);
    });
  }

  /**
   * Orders already placed (and paid) in the platform's own shop, attributed like chat orders, in
   * one transaction. An order number seen before in the room is skipped, so a file can be imported
   * twice. The shop has already sold the goods, so they leave our stock too, as far as it goes.
   */
  async importShopOrders(roomId: number, shopOrders: readonly ShopOrder[]): Promise<{ imported: number; duplicates: number; stockShort: number }> {
    return this.write(async (tx, changes) => {
      const room = await tx.room(roomId);
      if (!room) throw new AppError('ROOM_NOT_FOUND', String(roomId));
      const now = this.now();
      let imported = 0;
      let duplicates = 0;
      let stockShort = 0;
      for (const s of shopOrders) {
        if ((await tx.orderIdByExternalRef(room.id, s.ref)) !== undefined) {
          duplicates++;
          continue;
        }
        const lines = [];
        const sources = new Map<number, ClaimProduct['sources']>();
        for (const l of s.lines) {
          const product = await tx.productByCode(l.code);
          if (!product) throw new AppError('IMPORT_INVALID', `line ${s.line}: product code "${l.code}" does not exist`);
          const taken = Math.min(product.stock, l.qty);
          stockShort += l.qty - taken;
          if (taken > 0) changes.stock.set(product.id, await tx.adjustStock(product.id, -taken));
          sources.set(product.id, product.sources);
          lines.push({ productId: product.id, code: product.code, name: product.name, priceFen: product.priceFen, qty: l.qty, stockShort: l.qty - taken });
        }
        const chatUserId = await tx.chatUser(room.platform, s.buyerId, s.buyerName, now);
        const order = await tx.insertOrder({
          roomId: room.id,
          liveSessionId: null,
          messageId: null,
          chatUserId,
          buyer: { platform: room.platform, userId: s.buyerId, name: s.buyerName },
          status: s.status,
          origin: 'import',
          externalRef: s.ref,
          holdExpiresAt: null,
          lines,
          createdAt: s.createdAt ?? now,
        });
        await tx.appendLedger(claimEntries(order, (id) => sources.get(id)!, room, now));
        changes.order(order);
        imported++;
      }
      return { imported, duplicates, stockShort };
    });
  }

  /** The streamer accepts a queued message as an order, optionally correcting code or quantity. */
  async acceptConfirmation(id: number, correction: Partial<OrderIntent> = {}): Promise<{ orders: Order[]; refusal?: RefusalCode }> {
    return this.write(async (tx, changes) => {
      const c = await tx.confirmation(id);
      if (!c) throw new AppError('CONFIRMATION_NOT_FOUND', String(id));
      if (c.status !== 'pending') throw new AppError('CONFIRMATION_DECIDED', c.status);
      const room = await tx.room(c.roomId);
      if (!room) throw new AppError('ROOM_NOT_FOUND', String(c.roomId));
      const intent = { code: correction.code !== undefined ? correction.code : c.suggestedCode, qty: correction.qty ?? c.suggestedQty };
      const claim = await this.claim(tx, changes, {
        room,
        chatUserId: c.chatUserId,
        buyer: c.buyer,
        liveSessionId: c.liveSessionId,
        messageId: c.messageId,
        intent,
        sentAt: c.sentAt,
        origin: 'confirmation',
      });
      if ('refusal' in claim) return { orders: [], refusal: claim.refusal };
      await tx.decideConfirmation(id, { status: 'accepted', orderId: claim.orders[0]!.id, decidedAt: this.now() });
      return { orders: claim.orders };
    });
  }

  async rejectConfirmation(id: number): Promise<void> {
    await this.store.transact(async (tx) => {
      const c = await tx.confirmation(id);
      if (!c) throw new AppError('CONFIRMATION_NOT_FOUND', String(id));
      if (c.status !== 'pending') throw new AppError('CONFIRMATION_DECIDED', c.status);
      await tx.decideConfirmation(id, { status: 'rejected', orderId: null, decidedAt: this.now() });
    });
  }

  /**
   * Holds what stock covers and waitlists the rest, within the room's per-buyer limits. The
   * featured product is the one featured at the message's own time, not now.
   */
  private async claim(tx: Tx, changes: Changes, c: Claim): Promise<ClaimResult> {
    if (c.intent.qty > c.room.limits.maxQtyPerOrder) return { refusal: 'qty_over_limit' };
    let product: ClaimProduct | undefined;
    if (c.intent.code === null) {
      const featured = await tx.featuredAt(c.room.id, c.sentAt);
      if (featured === null) return { refusal: 'no_featured_product' };
      product = await tx.productForClaim(featured);
    } else {
      product = await tx.productByCode(c.intent.code);
    }
    if (!product) return { refusal: 'unknown_product' };
    if (c.liveSessionId !== null && (await tx.openOrderCount(c.chatUserId, c.liveSessionId)) >= c.room.limits.maxOpenOrdersPerBuyer) {
      return { refusal: 'too_many_open_orders' };
    }

    const now = this.now();
    const heldQty = Math.min(c.intent.qty, product.stock);
    const base = {
      roomId: c.room.id,
      liveSessionId: c.liveSessionId,
      messageId: c.messageId,
      chatUserId: c.chatUserId,
      buyer: c.buyer,
      origin: c.origin,
      createdAt: now,
    };
    const line = { productId: product.id, code: product.code, name: product.name, priceFen: product.priceFen };
    const orders: StoredOrder[] = [];
    if (heldQty > 0) {
      changes.stock.set(product.id, await tx.adjustStock(product.id, -heldQty));
      const held = await tx.insertOrder({ ...base, status: 'held', holdExpiresAt: holdUntil(c.room, now), lines: [{ ...line, qty: heldQty }] });
      await tx.appendLedger(claimEntries(held, () => product.sources, c.room, now));
      orders.push(changes.order(held));
    }
    if (c.intent.qty > heldQty) {
      const waiting = await tx.insertOrder({ ...base, status: 'waitlisted', holdExpiresAt: null, lines: [{ ...line, qty: c.intent.qty - heldQty }] });
      orders.push(changes.order(waiting));
    }
    return { orders };
  }

  /** Moves an order to `to`, releasing stock and reversing its claim where the step calls for it. */
  private async transition(tx: Tx, changes: Changes, order: StoredOrder, to: OrderStatus): Promise<StoredOrder> {
    const now = this.now();
    const updated = changes.order(await tx.updateOrder(order.id, { status: to, holdExpiresAt: null, updatedAt: now }));
    if (releases(order.status, to)) {
      const entries = await tx.ledgerOf(order.id);
      const reversed = new Set(entries.filter((e) => e.kind === 'reversal').map((e) => e.orderLineId));
      await tx.appendLedger(reversalEntries(entries.filter((e) => e.kind === 'claim' && !reversed.has(e.orderLineId)), now));
      for (const line of order.lines) {
        // What the line took: an imported line may have sold more than there was.
        const taken = line.qty - line.stockShort;
        if (taken > 0) changes.stock.set(line.productId, await tx.adjustStock(line.productId, taken));
      }
      for (const line of order.lines) await this.advanceWaitlist(tx, changes, line.productId);
    }
    return updated;
  }

  /**
   * Gives available stock to waitlisted orders, oldest first. An order larger than what is left
   * is split: the available part becomes a new held order, the rest keeps its place in line.
   */
  private async advanceWaitlist(tx: Tx, changes: Changes, productId: number): Promise<void> {
    const product = await tx.productForClaim(productId);
    if (!product || product.stock <= 0) return;
    let available = product.stock;
    const now = this.now();
    for (const waiting of await tx.waitlisted(productId, 1000)) {
      if (available <= 0) break;
      const room = await tx.room(waiting.roomId);
      if (!room) continue;
      const line = waiting.lines.find((l) => l.productId === productId)!;
      let held: StoredOrder;
      if (line.qty <= available) {
        held = await tx.updateOrder(waiting.id, { status: 'held', holdExpiresAt: holdUntil(room, now), updatedAt: now });
      } else {
        await tx.setLineQty(line.id, line.qty - available);
        changes.order((await tx.order(waiting.id))!);
        held = await tx.insertOrder({
          roomId: waiting.roomId,
          liveSessionId: waiting.liveSessionId,
          messageId: waiting.messageId,
          chatUserId: waiting.chatUserId,
          buyer: waiting.buyer,
          origin: waiting.origin,
          status: 'held',
          holdExpiresAt: holdUntil(room, now),
          lines: [{ productId, code: line.code, name: line.name, priceFen: line.priceFen, qty: available }],
          createdAt: now,
        });
      }
      const taken = held.lines[0]!.qty;
      available -= taken;
      changes.stock.set(productId, await tx.adjustStock(productId, -taken));
      await tx.appendLedger(claimEntries(held, () => product.sources, room, now));
      changes.order(held);
    }
  }

  /**
   * One write transaction and, once it is committed, its events. The store may run `work` more
   * than once (after a batch it shared was rolled back), so everything it changes is collected
   * fresh on each run, and only the committed run is announced.
   */
  private async write<T>(work: (tx: Tx, changes: Changes) => Promise<T>): Promise<T> {
    const { result, changes } = await this.store.transact(async (tx) => {
      const changes = new Changes();
      return { result: await work(tx, changes), changes };
    });
    this.announce(changes);
    return result;
  }

  private announce(changes: Changes): void {
    for (const order of changes.orders.values()) this.events.emit('order', changes.views.get(order.id) ?? toOrderView(order));
    for (const [productId, stock] of changes.stock) this.events.emit('stock', { productId, stock });
  }
}

function holdUntil(room: Room, now: Date): Date {
  return new Date(now.getTime() + room.limits.holdMinutes * MINUTE);
}

function refused(code: RefusalCode, buyerName: string): MessageOutcome {
  return { accepted: true, refusal: { code, message: REFUSALS[code] }, reply: ackText({ buyerName, refusal: code }) };
}

function placed(orders: StoredOrder[], buyerName: string): MessageOutcome {
  const views = orders.map(toOrderView);
  return { accepted: true, order: views[0], orders: views, reply: ackText({ buyerName, orders }) };
}
