import crypto from 'node:crypto';
import { AppError } from '../errors.ts';

/** A platform is whatever a folder of `plugins/` provides: push, twitch, bilibili, douyin, … */
export type Platform = string;

/**
 * How the room's adapter reaches its platform. The keys the contract names are typed here; each
 * platform adapter validates what it needs when it connects.
 */
export interface RoomConfig {
  /** Overrides the platform's endpoint (websocket or HTTP base). */
  url?: string;
  /** Twitch channel. */
  channel?: string;
  /** Bilibili room id, and its auth key. */
  roomId?: string | number;
  key?: string;
  [key: string]: unknown;
}

/** Per-buyer limits and the hold time; defaults are generous enough for an ordinary buyer. */
export interface RoomLimits {
  /** Minutes a held order keeps its stock before it expires. */
  holdMinutes: number;
  /** Largest quantity in one order line. */
  maxQtyPerOrder: number;
  /** Open (held or waitlisted) orders one buyer may have in a live session. */
  maxOpenOrdersPerBuyer: number;
  /** Order messages one buyer may send per second before the rest are refused as flooding. */
  orderMessagesPerSecond: number;
}

export const DEFAULT_LIMITS: RoomLimits = {
  holdMinutes: 30,
  maxQtyPerOrder: 99,
  maxOpenOrdersPerBuyer: 50,
  orderMessagesPerSecond: 3,
};

/** A live room on one platform. */
export interface Room {
  id: number;
  name: string;
  platform: Platform;
  config: RoomConfig;
  /** Fractions of an order line's gross (0.05 = 5 %). */
  platformFeeRate: number;
  commissionRate: number;
  /** Answer policy questions in this room (政策直播). */
  qa: boolean;
  /** The sales goal of a live session in fen (0 = none), shown by the goal bar overlay. */
  goalFen: number;
  /** The adapter should be connected (and is reconnected at start). */
  enabled: boolean;
  /** Read-only secret that lets OBS overlays read this room and nothing else. */
  overlayToken: string;
  limits: RoomLimits;
  createdAt: Date;
  updatedAt: Date;
}

export interface RoomInput {
  name: string;
  platform: Platform;
  config?: RoomConfig;
  platformFeeRate?: number;
  commissionRate?: number;
  qa?: boolean;
  limits?: Partial<RoomLimits>;
  goalFen?: number;
}

export type RoomPatch = Partial<Omit<RoomInput, 'platform'>>;

export const OVERLAY_NAMES = ['product', 'orders', 'goal', 'qa', 'chat'] as const;
export type OverlayName = (typeof OVERLAY_NAMES)[number];

export function newOverlayToken(): string {
  return crypto.randomBytes(18).toString('base64url');
}

/** Full URLs for OBS browser sources, each carrying the room's read-only token. */
export function overlayUrls(publicUrl: string, room: Pick<Room, 'id' | 'overlayToken'>): Record<OverlayName, string> {
  const query = `room=${room.id}&token=${encodeURIComponent(room.overlayToken)}`;
  return Object.fromEntries(OVERLAY_NAMES.map((name) => [name, `${publicUrl}/overlays/${name}?${query}`])) as Record<
    OverlayName,
    string
  >;
}

/** Fee and commission both come out of the same gross, so together they can take at most all of it. */
export function checkRates(platformFeeRate: number, commissionRate: number): void {
  if (platformFeeRate + commissionRate > 1) {
    throw new AppError('ROOM_RATES_INVALID', `${platformFeeRate} + ${commissionRate}`);
  }
}
