/**
 * When fifty viewers ask the same thing, the chat gets one answer, not fifty. The first asker is
 * answered at once; whoever asks the same entry in the next window is collected, and when the
 * window closes they are answered together, by name, in one message.
 */
export interface CooledAnswer {
  roomId: number;
  entryId: string;
  /** The first MAX_NAMES askers' names, in the order they asked. */
  names: string[];
  /** How many viewers asked. */
  count: number;
  /** Their stored questions (those stored by the time the window closed). */
  questionIds: number[];
}

/** Askers named in one answer; the rest are counted. */
export const MAX_NAMES = 8;

interface Window {
  /** Who asked in this window, by platform user id: a viewer asking twice counts once. */
  askers: Set<string>;
  /** The first MAX_NAMES askers by arrival: claims can come in another order (transactions run concurrently on PostgreSQL). */
  names: { arrival: number; name: string }[];
  /** The stored questions of the askers collected for the combined answer. */
  questionIds: number[];
  /** The message answered at once when the window opened. */
  answeredMessage?: string;
  timer: NodeJS.Timeout;
  /**
   * Open; its combined answer on the way; sent; or not sent and its questions put back in the
   * queue. A question stored after its window closed (its transaction was slower than the window)
   * follows the window's fate.
   */
  fate: 'open' | 'sending' | 'sent' | 'requeued';
}

/**
 * `claim`'s verdict: answer now, or the asker was collected for the combined answer, and `collect`
 * takes the id their question was stored under, so that it can go back to the official's queue
 * if the combined answer never goes out (the entry withdrawn meanwhile, the server stopped).
 */
export type Claim = { now: true } | { now: false; collect: (questionId: number) => void };

export class AnswerCooldown {
  private readonly windows = new Map<string, Window>();
  /** Combined answers on their way (the entry being read). */
  private readonly sending = new Set<Promise<void>>();
  private stopped = false;

  constructor(
    private readonly windowMs: number,
    /** Sends a combined answer; true once it went out, false (or a rejection) when it did not. */
    private readonly send: (answer: CooledAnswer) => Promise<boolean>,
    /** Puts stored questions back in the official's queue: the answer they were promised will not reach chat. */
    private readonly requeue: (questionIds: number[]) => void,
  ) {}

  /**
   * Whether this asker is answered now or waits for the window. The same message asking again
   * (its write batch retried) gets the same verdict. `arrival` orders the askers' names.
   */
  claim(roomId: number, entryId: string, asker: { id: string; name: string }, messageId: string, arrival = 0): Claim {
    // Stopping (the server shuts down): nothing more goes to chat; the official answers from the queue.
    if (this.stopped) return { now: false, collect: (questionId) => this.requeue([questionId]) };
    const key = `${roomId}:${entryId}`;
    const open = this.windows.get(key);
    if (open) {
      if (open.answeredMessage === messageId) return { now: true };
      // Named when the question is stored, not when claimed: a transaction run again (PostgreSQL
      // retries a deadlock) claims again, maybe in the next window, and must be named once.
      return { now: false, collect: (questionId) => this.collect(open, questionId, asker, arrival) };
    }
    // The one answered now is in the window too, so asking again does not put them in the combined answer.
    this.start(key, roomId, entryId, { askerId: asker.id, messageId });
    return { now: true };
  }

  /**
   * Stops every window, and every claim from now on; resolves, once the combined answers already
   * on their way have settled, with the questions of the askers still waiting for one (a question
   * stored later goes back to the queue by itself).
   */
  async stop(): Promise<number[]> {
    this.stopped = true;
    const waiting: number[] = [];
    for (const window of this.windows.values()) {
      clearTimeout(window.timer);
      window.fate = 'requeued';
      waiting.push(...window.questionIds);
    }
    this.windows.clear();
    await Promise.all(this.sending);
    return waiting;
  }

  /** A collected asker's question, stored: named in the window's answer if it is still open, else back to the queue. */
  private collect(window: Window, questionId: number, asker: { id: string; name: string }, arrival: number): void {
    if (window.fate !== 'open') return this.requeue([questionId]);
    window.questionIds.push(questionId);
    // A set and a short list: sixty thousand askers in one window cost no more each than the first.
    if (window.askers.has(asker.id)) return;
    window.askers.add(asker.id);
    window.names.push({ arrival, name: asker.name });
    if (window.names.length > MAX_NAMES) window.names.sort((a, b) => a.arrival - b.arrival).pop();
  }

  private start(key: string, roomId: number, entryId: string, answered?: { askerId: string; messageId: string }): void {
    const timer = setTimeout(() => {
      const window = this.windows.get(key);
      this.windows.delete(key);
      if (!window || window.names.length === 0) return;
      window.fate = 'sending';
      const names = window.names.sort((a, b) => a.arrival - b.arrival).map((n) => n.name);
      const answer = { roomId, entryId, names, count: window.askers.size - (answered === undefined ? 0 : 1), questionIds: window.questionIds };
      const sending = this.send(answer)
        .catch(() => false)
        .then((sent) => {
          window.fate = sent ? 'sent' : 'requeued';
          if (!sent) this.requeue(window.questionIds);
        })
        .finally(() => this.sending.delete(sending));
      this.sending.add(sending);
      // The combined answer opens a new window, so a steady stream is answered once per window.
      this.start(key, roomId, entryId);
    }, this.windowMs);
    timer.unref();
    this.windows.set(key, { askers: new Set(answered ? [answered.askerId] : []), names: [], questionIds: [], answeredMessage: answered?.messageId, timer, fate: 'open' });
  }
}

/** `@张三 @李四 等12人` */
export function addressees(names: readonly string[], count: number, clean: (name: string) => string): string {
  const shown = names.map((n) => `@${clean(n)}`).join(' ');
  return count > names.length ? `${shown} 等${count}人` : shown;
}

/**
 * Chat lines are cut at the platform's limit (YouTube's is 200 characters): an answer naming eight
 * long nicknames lost its text. The line names as many askers as fit before the answer, at
 * least one, and counts the rest.
 */
export const CHAT_LINE_MAX = 200;

export function addressedLine(names: readonly string[], count: number, text: string, clean: (name: string) => string, max = CHAT_LINE_MAX): string {
  for (let n = names.length; n > 1; n--) {
    const line = `${addressees(names.slice(0, n), count, clean)} ${text}`;
    if ([...line].length <= max) return line;
  }
  return `${addressees(names.slice(0, 1), count, clean)} ${text}`;
}
