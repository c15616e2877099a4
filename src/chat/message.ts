import type { OrderOrigin, OrderStatus } from '../orders/order.ts';
import type { OrderIntent } from '../orders/parser.ts';
import type { AskReply } from '../policy/question.ts';
import type { Platform } from '../rooms/room.ts';

/** One chat message, as every adapter normalizes it before the pipeline sees it. */
export interface ChatMessage {
  roomId: number;
  platform: Platform;
  /** The platform's message id (or one derived from it): the same id in the same room is processed once. */
  messageId: string;
  user: { id: string; name: string };
  text: string;
  /** When the viewer sent it; the featured product is looked up at this time. */
  sentAt: Date;
  receivedAt: Date;
}

const EARLIEST_SENT = Date.UTC(2015, 0, 1);
const DAY_MS = 86_400_000;

/**
 * Whether a message's own time can be believed: not before 2015 and at most a day ahead of its
 * arrival (clocks drift; a field holding 1e20 or NaN is no time). The featured product is looked
 * up at this time, so an unbelievable one must not be used.
 */
export function isPlausibleSentAt(sentAt: Date, receivedAt: Date): boolean {
  const t = sentAt.getTime();
  return t >= EARLIEST_SENT && t <= receivedAt.getTime() + DAY_MS;
}

export const REFUSALS = {
  unknown_product: '没有这个商品编号',
  no_featured_product: '现在没有讲解中的商品，请带上编号下单，如“买3号”',
  qty_over_limit: '一次下单数量超过上限',
  too_many_open_orders: '未付款的订单太多了，请先付款',
  flooding: '下单太快了，请稍后再试',
} as const;
export type RefusalCode = keyof typeof REFUSALS;

/** An order as the API and chat replies show it: times as ISO strings. */
export interface OrderView {
  id: number;
  roomId: number;
  liveSessionId: number | null;
  messageId: string | null;
  chatUserId: number;
  buyer: { platform: Platform; userId: string; name: string };
  status: OrderStatus;
  origin: OrderOrigin;
  lines: { productId: number; code: string; name: string; qty: number; priceFen: number; grossFen: number }[];
  holdExpiresAt: string | null;
  createdAt: string;
  updatedAt: string;
}

/**
 * What a message caused, stored with it: replaying the same message id returns this again.
 * `orders` lists every order created (a claim split into held and waitlisted parts makes two).
 */
export interface MessageOutcome {
  accepted: true;
  order?: OrderView;
  orders?: OrderView[];
  confirmation?: { id: number; suggestion: OrderIntent };
  /** In a Q&A room: what the knowledge base says to a question (the shape of `GET /api/policy/ask`). */
  answer?: AskReply;
  refusal?: { code: RefusalCode; message: string };
  /** Text for the adapter to send back to the chat (order number, product, quantity). */
  reply?: string;
}
