/**
 * Money is integer fen (1 yuan = 100 fen) everywhere. Rates and share weights arrive as decimal
 * numbers (0.05, 2.5); they are turned into exact fractions here so that rounding follows the
 * contract to the fen and never depends on binary floating point.
 */

export class MoneyError extends Error {}

interface Fraction {
  num: bigint;
  den: bigint;
}

const fractions = new Map<number, Fraction>();

/** The decimal a number was written as, as an exact fraction: 0.05 → 5/100, 1e-7 → 1/10000000. */
export function toFraction(value: number): Fraction {
  // Every order line reads the same few rates and shares: remember them.
  let known = fractions.get(value);
  if (!known) {
    known = readFraction(value);
    if (fractions.size < 10_000) fractions.set(value, known);
  }
  return known;
}

function readFraction(value: number): Fraction {
  if (!Number.isFinite(value) || value < 0) throw new MoneyError(`not a non-negative finite number: ${value}`);
  const m = /^(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/.exec(String(value));
  if (!m) throw new MoneyError(`cannot read ${value} as a decimal`);
  const [, whole, frac = '', exp = '0'] = m;
  let num = BigInt(whole! + frac);
  let scale = frac.length - Number(exp);
  if (scale < 0) {
    num *= 10n ** BigInt(-scale);
    scale = 0;
  }
  return { num, den: 10n ** BigInt(scale) };
}

export function assertFen(fen: number): number {
  if (!Number.isSafeInteger(fen)) throw new MoneyError(`not a whole number of fen: ${fen}`);
  return fen;
}

/** `rate × amount`, rounded half up to the fen (amount ≥ 0). */
export function applyRate(amountFen: number, rate: number): number {
  assertFen(amountFen);
  if (amountFen < 0) throw new MoneyError('rates apply to non-negative amounts');
  const { num, den } = toFraction(rate);
  return Number((BigInt(amountFen) * num * 2n + den) / (2n * den));
}

/**
 * Splits `amountFen` (≥ 0) across weights by the largest-remainder method: everyone gets the
 * floor of their exact share, and the fen left over go one each to the largest remainders, ties
 * to the earlier weight. The parts always add up to the amount exactly.
 */
export function splitLargestRemainder(amountFen: number, weights: readonly number[]): number[] {
  assertFen(amountFen);
  if (amountFen < 0) throw new MoneyError('only non-negative amounts are split');
  if (weights.length === 0) throw new MoneyError('nothing to split across');
  for (const w of weights) if (!(w > 0)) throw new MoneyError(`share weights must be positive, got ${w}`);
  if (weights.every(Number.isSafeInteger)) {
    const total = weights.reduce((a, b) => a + b, 0);
    if (amountFen * total <= Number.MAX_SAFE_INTEGER) return splitWhole(amountFen, weights, total);
  }
  const fractions = weights.map(toFraction);
  const den = fractions.reduce((d, f) => (f.den > d ? f.den : d), 1n);
  const ints = fractions.map((f) => f.num * (den / f.den));
  const total = ints.reduce((a, b) => a + b, 0n);
  const amount = BigInt(amountFen);
  const parts = ints.map((w, index) => ({ index, floor: (amount * w) / total, remainder: (amount * w) % total }));
  let left = amount - parts.reduce((a, p) => a + p.floor, 0n);
  const byRemainder = [...parts].sort((a, b) => (a.remainder === b.remainder ? a.index - b.index : a.remainder > b.remainder ? -1 : 1));
  for (const p of byRemainder) {
    if (left === 0n) break;
    p.floor += 1n;
    left -= 1n;
  }
  return parts.map((p) => Number(p.floor));
}

/** `3998` → `"39.98"`, `-5` → `"-0.05"`: yuan for people and spreadsheets. */
export function formatYuan(fen: number): string {
  assertFen(fen);
  const sign = fen < 0 ? '-' : '';
  const abs = Math.abs(fen);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

/**
 * The same split for whole-number weights whose products stay within a double's exact integers
 * (the usual case: shares like 2 and 1), without BigInt: every order line splits five amounts,
 * and BigInt arithmetic was the biggest source of garbage on the order path.
 */
function splitWhole(amountFen: number, weights: readonly number[], total: number): number[] {
  const parts: number[] = [];
  const remainders: number[] = [];
  let left = amountFen;
  for (const w of weights) {
    const exact = amountFen * w;
    const remainder = exact % total;
    const part = (exact - remainder) / total;
    parts.push(part);
    remainders.push(remainder);
    left -= part;
  }
  // Fewer fen are left than there are weights: one each to the largest remainders, ties to the earlier weight.
  for (; left > 0; left--) {
    let best = -1;
    for (let i = 0; i < remainders.length; i++) if (remainders[i]! >= 0 && (best < 0 || remainders[i]! > remainders[best]!)) best = i;
    parts[best]!++;
    remainders[best] = -1;
  }
  return parts;
}
