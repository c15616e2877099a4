import type { PovertyStatus } from '../households/household.ts';
import type { Order } from '../orders/order.ts';
import { attributeLine, lineAmounts } from './attribution.ts';
import { splitLargestRemainder } from './money.ts';

/** One row of the append-only attribution ledger: an order line's share for one household. */
export interface LedgerEntry {
  orderId: number;
  orderLineId: number;
  roomId: number;
  productId: number;
  householdId: number;
  kind: 'claim' | 'reversal';
  quantity: number;
  grossFen: number;
  platformFeeFen: number;
  commissionFen: number;
  netFen: number;
  createdAt: Date;
}

export interface Rates {
  platformFeeRate: number;
  commissionRate: number;
}

/**
 * The claim an order makes when it becomes `held`: each line's gross, fee, commission, net and
 * quantity split across the product's source households by share weight.
 */
export function claimEntries(
  order: Pick<Order, 'id' | 'roomId'> & { lines: { id: number; productId: number; qty: number; grossFen: number }[] },
  sourcesOf: (productId: number) => readonly { householdId: number; share: number }[],
  rates: Rates,
  now: Date,
): LedgerEntry[] {
  return order.lines.flatMap((line) => {
    const sources = sourcesOf(line.productId);
    const shares = attributeLine(lineAmounts(line.grossFen, rates.platformFeeRate, rates.commissionRate), sources);
    const quantities = splitLargestRemainder(line.qty, sources.map((s) => s.share));
    return shares.map((share, i) => ({
      orderId: order.id,
      orderLineId: line.id,
      roomId: order.roomId,
      productId: line.productId,
      kind: 'claim' as const,
      quantity: quantities[i]!,
      createdAt: now,
      ...share,
    }));
  });
}

/** Cancelling or expiring writes the claim's exact negation: nothing is edited or deleted. */
export function reversalEntries(claims: readonly LedgerEntry[], now: Date): LedgerEntry[] {
  return claims.map((c) => ({
    ...c,
    kind: 'reversal' as const,
    quantity: -c.quantity,
    grossFen: -c.grossFen,
    platformFeeFen: -c.platformFeeFen,
    commissionFen: -c.commissionFen,
    netFen: -c.netFen,
    createdAt: now,
  }));
}

export const TALLY_GROUPS = ['household', 'product', 'room'] as const;
export type TallyGroup = (typeof TALLY_GROUPS)[number];

export interface TallyFilter {
  groupBy: TallyGroup;
  roomId?: number;
  /** Orders placed at or after `from` and before `to`. */
  from?: Date;
  to?: Date;
}

export interface TallyAmounts {
  orders: number;
  quantity: number;
  grossFen: number;
  platformFeeFen: number;
  commissionFen: number;
  /** Claimed: every order with a live ledger claim. */
  netFen: number;
  /** Paid: confirmed, shipped and completed orders only. */
  paidNetFen: number;
  /** The part of netFen that reached 脱贫户 and 监测户. */
  liftedNetFen: number;
  monitoredNetFen: number;
}

export type TallyRow = TallyAmounts &
  (
    | { householdId: number; householdName: string; village: string | null; povertyStatus: PovertyStatus }
    | { productId: number; code: string; name: string }
    | { roomId: number; roomName: string; platform: string }
  );
