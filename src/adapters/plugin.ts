/**
 * What a live-platform plugin is. Each platform lives in `plugins/<platform>/index.ts`, whose
 * default export is a `PlatformPlugin`; adding a platform is adding a folder.
 */
import type { FastifyBaseLogger, FastifyPluginAsync } from 'fastify';
import type { TSchema } from 'typebox';
import type { Room } from '../rooms/room.ts';

export interface PlatformUser {
  id: string;
  name: string;
}

/** One chat message as every platform is normalized to it. */
export interface ChatEvent {
  kind: 'chat';
  /** The platform's message id, or one derived stably from the message when it has none. */
  messageId: string;
  user: PlatformUser;
  text: string;
  sentAt: Date;
  raw: unknown;
}

export interface GiftEvent {
  kind: 'gift';
  messageId: string;
  user: PlatformUser;
  gift: string;
  count: number;
  /** What the platform says it is worth, in fen, where it says. */
  valueFen?: number;
  /** Super chats carry a message. */
  text?: string;
  sentAt: Date;
  raw: unknown;
}

export interface LikeEvent {
  kind: 'like';
  count: number;
  user?: PlatformUser;
  sentAt: Date;
}

export interface ViewersEvent {
  kind: 'viewers';
  count: number;
  sentAt: Date;
}

export type PlatformEvent = ChatEvent | GiftEvent | LikeEvent | ViewersEvent;

/** What the connection supervisor gives an adapter. */
export interface AdapterContext<C = Record<string, unknown>> {
  room: Room;
  config: C;
  log: FastifyBaseLogger;
  emit(event: PlatformEvent): void;
  /** Any sign of life (a frame, a heartbeat reply): keeps the silence watchdog quiet. */
  alive(): void;
  /** The connection is up and chat is flowing. */
  live(): void;
  /**
   * The connection ended. `fatal` is for configuration and authentication failures, which
   * retrying will not fix: the room goes to `error` instead of reconnecting.
   */
  closed(reason: string, fatal?: boolean): void;
  /** Logs a message kind the adapter does not handle, once per kind. */
  unknown(kind: string): void;
  /** The cooperative's product codes (the simulator orders from them). */
  codes(): Promise<string[]>;
}

/** One room's live connection to its platform. */
export interface Adapter {
  /** Starts connecting; progress is reported through the context. */
  open(): void | Promise<void>;
  /** Closes for good, without reporting `closed`. */
  close(): Promise<void>;
  /** Sends a chat message, where the platform and the configuration allow it. */
  send?(text: string): Promise<void>;
  /**
   * Stops reading for a while (and resumes): when chat arrives faster than it can be stored, the
   * backlog waits in the socket and TCP slows the sender, instead of piling up in memory.
   */
  pause?(): void;
  resume?(): void;
}

export interface PlatformPlugin<C = Record<string, unknown>> {
  platform: string;
  /** Shown in the control panel. */
  label: string;
  /** The room's `config` for this platform; `url` always overrides the platform's endpoint. */
  configSchema: TSchema;
  /** A live connection that says nothing for this long is treated as dead. */
  silenceMs?: number;
  /** Outbound messages allowed per window, for this room's configuration. */
  sendLimit?(config: C): { messages: number; windowMs: number } | undefined;
  /** Longest reply the platform takes, in characters. */
  maxReplyLength?: number;
  create(ctx: AdapterContext<C>): Adapter;
  /** Routes under `/hooks/<platform>/` for platforms that push chat to us. */
  hooks?: FastifyPluginAsync;
}

export function definePlugin<C>(plugin: PlatformPlugin<C>): PlatformPlugin<C> {
  return plugin;
}
