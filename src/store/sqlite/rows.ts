import { DEFAULT_LIMITS, type Room, type RoomLimits } from '../../rooms/room.ts';
import type * as schema from './schema.ts';

export function toRoom(row: typeof schema.rooms.$inferSelect): Room {
  return { ...row, limits: { ...DEFAULT_LIMITS, ...(row.limits as Partial<RoomLimits>) } };
}
