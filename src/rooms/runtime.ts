import os from 'node:os';
import { AppError } from '../errors.ts';
import { LocalState, type SharedState } from '../realtime/shared.ts';
import type { Room } from './room.ts';

export const CONNECTION_STATES = ['connecting', 'live', 'reconnecting', 'stopped', 'error'] as const;
export type ConnectionState = (typeof CONNECTION_STATES)[number];

export interface Connection {
  state: ConnectionState;
  error?: string;
  /** Which instance runs the adapter (`host:pid`), for finding its logs in a scale-out deployment. */
  instance?: string;
}

export interface RoomStats {
  messages: number;
  orders: number;
  questions: number;
}

/** A read of shared state failed: say so rather than show a room as stopped or silent. Writes are fire-and-forget. */
function unavailable(err: unknown): never {
  throw new AppError('REDIS_UNAVAILABLE', (err as Error)?.message);
}

/** A chat line as the panel's feed shows it. */
export interface RecentChat {
  messageId: string;
  name: string;
  text: string;
  sentAt: Date;
}

/**
 * What a room is doing right now: its adapter's connection and what it has counted. The instance
 * that runs a room's adapter writes its state; any instance reads it (through Redis in a scale-out
 * deployment, see SharedState). Nothing here is stored in the database.
 */
export class RoomRuntime {
  /** Rooms whose adapter runs in this process. */
  private readonly local = new Map<number, Connection>();

  constructor(
    private readonly shared: SharedState = new LocalState(),
    private readonly instance = `${os.hostname()}:${process.pid}`,
  ) {}

  async connection(room: Pick<Room, 'id' | 'platform'>): Promise<Connection> {
    // A push room has no connection of its own: it takes messages whenever they are posted.
    if (room.platform === 'push') return { state: 'live' };
    return this.local.get(room.id) ?? (await this.shared.connection(room.id).catch(unavailable)) ?? { state: 'stopped' };
  }

  /** The state of a room this process runs, written for every instance to read. */
  setConnection(roomId: number, state: Connection): void {
    const connection = { ...state, instance: this.instance };
    this.local.set(roomId, connection);
    this.shared.setConnection(roomId, connection)?.catch(() => {});
  }

  /** Called again by the owner now and then, so the shared copy does not expire while it runs. */
  refresh(roomId: number): void {
    const connection = this.local.get(roomId);
    if (connection) this.shared.setConnection(roomId, connection)?.catch(() => {});
  }

  /** This process no longer runs the room. */
  release(roomId: number): void {
    this.local.delete(roomId);
  }

  stats(roomId: number): Promise<RoomStats> {
    return this.shared.stats(roomId).catch(unavailable);
  }

  count(roomId: number, kind: keyof RoomStats, by = 1): void {
    this.shared.count(roomId, kind, by)?.catch(() => {});
  }

  recordChat(roomId: number, message: RecentChat): void {
    this.shared.recordChat(roomId, message)?.catch(() => {});
  }

  /** Newest first. */
  recentChat(roomId: number, limit: number): Promise<RecentChat[]> {
    return this.shared.recentChat(roomId, limit).catch(unavailable);
  }
}
