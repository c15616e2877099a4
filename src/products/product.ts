import { AppError } from '../errors.ts';
import type { PovertyStatus } from '../households/household.ts';

/** One household behind a product and its share weight; weights need not add up to anything. */
export interface ProductSource {
  householdId: number;
  share: number;
}

export interface ProductSourceView extends ProductSource {
  householdName: string;
  povertyStatus: PovertyStatus;
}

/** Something the cooperative sells, usually pooled from several households. */
export interface Product {
  id: number;
  /** The order code viewers type (`买3号`), unique, stored upper-case. */
  code: string;
  name: string;
  unit: string;
  priceFen: number;
  /** What is left to sell. */
  stock: number;
  story: string | null;
  photoId: string | null;
  /** In the order they were given: the first wins remainder ties in attribution. */
  sources: ProductSourceView[];
  createdAt: Date;
  updatedAt: Date;
}

export interface ProductInput {
  code: string;
  name: string;
  unit: string;
  priceFen: number;
  stock: number;
  story?: string | null;
  sources: ProductSource[];
}

export type ProductPatch = Partial<ProductInput>;

const CODE_PATTERN = /^[A-Z]{0,4}[0-9]{1,6}$/;

/**
 * Codes are matched case-insensitively after NFKC (full-width `Ａ１` is `A1`), so they are stored
 * in that form. Letters then digits keeps `买3号2份` and `下单A1x2` unambiguous for the parser.
 */
export function normalizeCode(raw: string): string {
  const code = raw.normalize('NFKC').trim().toUpperCase();
  if (!CODE_PATTERN.test(code)) throw new AppError('PRODUCT_CODE_INVALID', JSON.stringify(raw));
  return code;
}

export function checkSources(sources: readonly ProductSource[]): void {
  const seen = new Set<number>();
  for (const s of sources) {
    if (seen.has(s.householdId)) throw new AppError('SOURCE_DUPLICATE', String(s.householdId));
    seen.add(s.householdId);
  }
}
