import type { Room } from './room.ts';

export const CONNECTION_STATES = ['connecting', 'live', 'reconnecting', 'stopped', 'error'] as const;
export type ConnectionState = (typeof CONNECTION_STATES)[number];

export interface Connection {
  state: ConnectionState;
  error?: string;
}

export interface RoomStats {
  messages: number;
  orders: number;
  questions: number;
}

/**
 * What a room is doing in this process right now: its adapter's connection and what it has
 * counted since the server started. Nothing here is stored; a restart begins from zero.
 */
export interface RecentChat {
  messageId: string;
  name: string;
  text: string;
  sentAt: Date;
}

/** Chat kept per room for the control panel to pick a message to show on screen. */
const RECENT_CHAT = 200;

export class RoomRuntime {
  private readonly connections = new Map<number, Connection>();
  private readonly counters = new Map<number, RoomStats>();
  private readonly chat = new Map<number, RecentChat[]>();

  connection(room: Pick<Room, 'id' | 'platform'>): Connection {
    // A push room has no connection of its own: it takes messages whenever they are posted.
    if (room.platform === 'push') return { state: 'live' };
    return this.connections.get(room.id) ?? { state: 'stopped' };
  }

  setConnection(roomId: number, connection: Connection): void {
    this.connections.set(roomId, connection);
  }

  stats(roomId: number): RoomStats {
    return { ...(this.counters.get(roomId) ?? { messages: 0, orders: 0, questions: 0 }) };
  }

  recordChat(roomId: number, message: RecentChat): void {
    const list = this.chat.get(roomId) ?? [];
    list.push(message);
    if (list.length > RECENT_CHAT) list.splice(0, list.length - RECENT_CHAT);
    this.chat.set(roomId, list);
  }

  /** Newest first. */
  recentChat(roomId: number, limit: number): RecentChat[] {
    return (this.chat.get(roomId) ?? []).slice(-limit).reverse();
  }

  count(roomId: number, kind: keyof RoomStats, by = 1): void {
    const stats = this.counters.get(roomId) ?? { messages: 0, orders: 0, questions: 0 };
    stats[kind] += by;
    this.counters.set(roomId, stats);
  }
}
