import { applyRate, assertFen, splitLargestRemainder } from './money.ts';

export interface LineAmounts {
  grossFen: number;
  platformFeeFen: number;
  commissionFen: number;
  netFen: number;
}

export interface HouseholdShare extends LineAmounts {
  householdId: number;
}

/**
 * The contract's money rule for one order line: fee and commission are the room's rates applied
 * to the gross, each rounded half up; net is what is left.
 */
export function lineAmounts(grossFen: number, platformFeeRate: number, commissionRate: number): LineAmounts {
  assertFen(grossFen);
  const platformFeeFen = applyRate(grossFen, platformFeeRate);
  // Rates adding up to exactly 1 could round to one fen more than the gross; net never goes negative.
  const commissionFen = Math.min(applyRate(grossFen, commissionRate), grossFen - platformFeeFen);
  return { grossFen, platformFeeFen, commissionFen, netFen: grossFen - platformFeeFen - commissionFen };
}

/**
 * Attributes one line across the product's source households (in their listed order) by share
 * weight. Each column is split on its own by the largest-remainder rule, so every column of a
 * per-household tally adds up exactly to the room's total.
 */
export function attributeLine(
  amounts: LineAmounts,
  sources: readonly { householdId: number; share: number }[],
): HouseholdShare[] {
  const weights = sources.map((s) => s.share);
  const gross = splitLargestRemainder(amounts.grossFen, weights);
  const fee = splitLargestRemainder(amounts.platformFeeFen, weights);
  const commission = splitLargestRemainder(amounts.commissionFen, weights);
  const net = splitLargestRemainder(amounts.netFen, weights);
  return sources.map((s, i) => ({
    householdId: s.householdId,
    grossFen: gross[i]!,
    platformFeeFen: fee[i]!,
    commissionFen: commission[i]!,
    netFen: net[i]!,
  }));
}
