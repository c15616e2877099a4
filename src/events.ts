import { EventEmitter } from 'node:events';
import type { PlatformEvent } from './adapters/plugin.ts';
import type { OrderView } from './chat/message.ts';
import type { AskReply } from './policy/question.ts';
import type { Connection } from './rooms/runtime.ts';

/** What happened, for overlays and the control panel; emitted only after it is durably stored. */
export interface EventMap {
  order: [OrderView];
  stock: [{ productId: number; stock: number }];
  feature: [{ roomId: number; productId: number | null; at: string }];
  confirmation: [{ roomId: number; id: number }];
  /** A question in a Q&A room was answered from the knowledge base (`answered`: sent to chat now) or queued. */
  question: [{ roomId: number; status: 'answered' | 'queued'; text: string; answered: boolean; answer: AskReply }];
  connection: [{ roomId: number } & Connection];
  /** Gifts, likes and viewer counts, as the platform sends them. */
  platform: [{ roomId: number; event: Exclude<PlatformEvent, { kind: 'chat' }> }];
}

export type Events = EventEmitter<EventMap>;

export function createEvents(): Events {
  const events = new EventEmitter<EventMap>();
  // Every overlay connection may listen; the default warning at 10 listeners is noise here.
  events.setMaxListeners(0);
  return events;
}
