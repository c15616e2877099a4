import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { attributeLine, lineAmounts } from '../../src/attribution/attribution.ts';
import { applyRate, formatYuan, MoneyError, splitLargestRemainder, toFraction } from '../../src/attribution/money.ts';

describe('rates, to the fen', () => {
  it('reads rates as the decimals they were written as', () => {
    expect(toFraction(0.05)).toEqual({ num: 5n, den: 100n });
    expect(toFraction(1e-7)).toEqual({ num: 1n, den: 10_000_000n });
    expect(toFraction(2)).toEqual({ num: 2n, den: 1n });
  });

  it('rounds half up exactly where binary floating point would not', () => {
    expect(applyRate(1999, 0.05)).toBe(100); // 99.95
    expect(applyRate(1990, 0.015)).toBe(30); // 29.85 → 1990 * 0.015 is 29.849999… in floats
    expect(applyRate(5, 0.1)).toBe(1); // 0.5
    expect(applyRate(4, 0.1)).toBe(0); // 0.4
    expect(applyRate(0, 0.3)).toBe(0);
    expect(applyRate(12345, 0)).toBe(0);
    expect(applyRate(12345, 1)).toBe(12345);
  });

  it('computes a line: fee and commission each rounded, net the rest', () => {
    expect(lineAmounts(1999 * 2, 0.05, 0.1)).toEqual({ grossFen: 3998, platformFeeFen: 200, commissionFen: 400, netFen: 3398 });
  });

  it('never lets rounding take net below zero when the rates add up to 1', () => {
    expect(lineAmounts(1, 0.5, 0.5)).toEqual({ grossFen: 1, platformFeeFen: 1, commissionFen: 0, netFen: 0 });
  });

  it('refuses amounts that are not whole fen', () => {
    expect(() => applyRate(10.5, 0.1)).toThrow(MoneyError);
    expect(() => lineAmounts(Number.MAX_SAFE_INTEGER + 2, 0, 0)).toThrow(MoneyError);
  });

  it('formats yuan', () => {
    expect([formatYuan(3998), formatYuan(5), formatYuan(0), formatYuan(-105), formatYuan(100)]).toEqual(['39.98', '0.05', '0.00', '-1.05', '1.00']);
  });
});

describe('largest-remainder split', () => {
  it('gives ties to the source listed first', () => {
    expect(splitLargestRemainder(10, [1, 1, 1])).toEqual([4, 3, 3]);
    expect(splitLargestRemainder(2, [1, 1, 1])).toEqual([1, 1, 0]);
    expect(splitLargestRemainder(3398, [2, 1])).toEqual([2265, 1133]);
  });

  it('handles fractional weights exactly', () => {
    expect(splitLargestRemainder(100, [0.1, 0.2])).toEqual([33, 67]);
    expect(splitLargestRemainder(7, [0.5, 2.5, 1])).toEqual([1, 4, 2]);
  });

  it('refuses what cannot be split', () => {
    expect(() => splitLargestRemainder(10, [])).toThrow(MoneyError);
    expect(() => splitLargestRemainder(10, [1, 0])).toThrow(MoneyError);
    expect(() => splitLargestRemainder(-1, [1])).toThrow(MoneyError);
  });

  const weight = fc.oneof(fc.integer({ min: 1, max: 1000 }), fc.double({ min: 0.01, max: 100, noNaN: true }).map((d) => Math.round(d * 100) / 100).filter((d) => d > 0));

  it('always adds up exactly, and each part is within one fen of its exact share', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1_000_000_000 }), fc.array(weight, { minLength: 1, maxLength: 12 }), (amount, weights) => {
        const parts = splitLargestRemainder(amount, weights);
        expect(parts.reduce((a, b) => a + b, 0)).toBe(amount);
        const total = weights.reduce((a, b) => a + b, 0);
        parts.forEach((p, i) => {
          expect(Number.isInteger(p)).toBe(true);
          expect(Math.abs(p - (amount * weights[i]!) / total)).toBeLessThan(1 + 1e-6);
        });
      }),
      { numRuns: Number(process.env.FUZZ_RUNS ?? 2000) },
    );
  });

  it('splits whole-number weights exactly as the same proportions written as decimals', () => {
    // Whole weights take a Number fast path; tenths go through exact fractions: they must agree.
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1_000_000_000 }), fc.array(fc.integer({ min: 1, max: 1000 }), { minLength: 1, maxLength: 12 }), (amount, weights) => {
        fc.pre(weights.some((w) => w % 10 !== 0));
        expect(splitLargestRemainder(amount, weights)).toEqual(splitLargestRemainder(amount, weights.map((w) => w / 10)));
      }),
      { numRuns: Number(process.env.FUZZ_RUNS ?? 2000) },
    );
  });

  it('attributes every column so that the households add up to the line', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 10_000_000 }),
        fc.integer({ min: 0, max: 100 }).map((p) => p / 100),
        fc.integer({ min: 0, max: 100 }).map((p) => p / 100),
        fc.array(weight, { minLength: 1, maxLength: 8 }),
        (gross, fee, commission, weights) => {
          fc.pre(fee + commission <= 1);
          const line = lineAmounts(gross, fee, commission);
          expect(line.platformFeeFen + line.commissionFen + line.netFen).toBe(gross);
          expect(line.netFen).toBeGreaterThanOrEqual(0);
          const shares = attributeLine(line, weights.map((share, i) => ({ householdId: i + 1, share })));
          for (const key of ['grossFen', 'platformFeeFen', 'commissionFen', 'netFen'] as const) {
            expect(shares.reduce((a, s) => a + s[key], 0)).toBe(line[key]);
          }
        },
      ),
      { numRuns: 1000 },
    );
  });
});
