import { AppError } from '../errors.ts';
import type { Platform } from '../rooms/room.ts';

/**
 * `held` (stock reserved) → `confirmed` (paid) → `shipped` → `completed`, or `cancelled` /
 * `expired`. `waitlisted` is the part of a claim that stock could not cover; it becomes `held`
 * when stock is released.
 */
export const ORDER_STATUSES = ['held', 'waitlisted', 'confirmed', 'shipped', 'completed', 'cancelled', 'expired'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

export const STATUS_LABELS: Record<OrderStatus, string> = {
  held: '待付款',
  waitlisted: '排队中',
  confirmed: '已付款',
  shipped: '已发货',
  completed: '已完成',
  cancelled: '已取消',
  expired: '已过期',
};

/** Where an order came from: a chat message, the confirmation queue, or a shop's order export. */
export const ORDER_ORIGINS = ['chat', 'confirmation', 'import'] as const;
export type OrderOrigin = (typeof ORDER_ORIGINS)[number];

export interface Buyer {
  platform: Platform;
  userId: string;
  name: string;
}

export interface OrderLine {
  productId: number;
  code: string;
  name: string;
  qty: number;
  priceFen: number;
  grossFen: number;
}

export interface Order {
  id: number;
  roomId: number;
  liveSessionId: number | null;
  messageId: string | null;
  /** The buyer as a chat user: where the cooperative keeps their contact details. */
  chatUserId: number;
  buyer: Buyer;
  status: OrderStatus;
  origin: OrderOrigin;
  lines: OrderLine[];
  holdExpiresAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

/** The steps a person may take (PATCH, control panel); `held` from the waitlist and `expired` are the system's. */
const MANUAL_STEPS: Record<OrderStatus, readonly OrderStatus[]> = {
  held: ['confirmed', 'cancelled'],
  waitlisted: ['cancelled'],
  confirmed: ['shipped', 'cancelled'],
  shipped: ['completed'],
  completed: [],
  cancelled: [],
  expired: [],
};

export function checkManualStep(from: OrderStatus, to: OrderStatus): void {
  if (!MANUAL_STEPS[from].includes(to)) throw new AppError('ORDER_STATUS_STEP', `${from} → ${to}`, `${STATUS_LABELS[from]}的订单不能改为${STATUS_LABELS[to]}`);
}

/** Statuses that hold stock and carry a live ledger claim. */
export const CLAIMING: readonly OrderStatus[] = ['held', 'confirmed', 'shipped', 'completed'];
/** Statuses whose income has been paid. */
export const PAID: readonly OrderStatus[] = ['confirmed', 'shipped', 'completed'];
/** Statuses a buyer is still waiting on, counted against their open-order limit. */
export const OPEN: readonly OrderStatus[] = ['held', 'waitlisted'];

/** Leaving a claiming status for `cancelled` or `expired` gives the stock back and reverses the ledger. */
export function releases(from: OrderStatus, to: OrderStatus): boolean {
  return CLAIMING.includes(from) && (to === 'cancelled' || to === 'expired');
}
