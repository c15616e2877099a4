export const POVERTY_STATUSES = ['none', 'lifted', 'monitored'] as const;
/** `lifted` = 脱贫户 (lifted out of poverty), `monitored` = 监测户 (under anti-relapse monitoring). */
export type PovertyStatus = (typeof POVERTY_STATUSES)[number];

export const POVERTY_LABELS: Record<PovertyStatus, string> = {
  none: '一般户',
  lifted: '脱贫户',
  monitored: '监测户',
};

/** A farming household that supplies products; income is attributed to it to the fen. */
export interface Household {
  id: number;
  name: string;
  village: string | null;
  phone: string | null;
  povertyStatus: PovertyStatus;
  createdAt: Date;
  updatedAt: Date;
}

export interface HouseholdInput {
  name: string;
  village?: string | null;
  phone?: string | null;
  povertyStatus?: PovertyStatus;
}

/**
 * `13812341234` → `138****1234`. Lists are shown on shared screens and exported, so only the
 * single-household view carries the full number.
 */
export function maskPhone(phone: string | null): string | null {
  if (phone === null) return null;
  const digits = phone.replace(/\D/g, '');
  if (digits.length < 7) return '*'.repeat(digits.length);
  return `${digits.slice(0, 3)}****${digits.slice(-4)}`;
}
