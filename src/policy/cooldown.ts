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
}

/** Askers named in one answer; the rest are counted. */
export const MAX_NAMES = 8;

interface Window {
  /** Who asked in this window, by platform user id: a viewer asking twice counts once. */
  askers: Set<string>;
  names: string[];
  timer: NodeJS.Timeout;
}

export class AnswerCooldown {
  private readonly windows = new Map<string, Window>();

  constructor(
    private readonly windowMs: number,
    private readonly flush: (answer: CooledAnswer) => void,
  ) {}

  /** True when this asker should be answered now; false when the answer waits for the window. */
  claim(roomId: number, entryId: string, asker: { id: string; name: string }): boolean {
    const key = `${roomId}:${entryId}`;
    const open = this.windows.get(key);
    if (open) {
      // A set and a short list: sixty thousand askers in one window cost no more each than the first.
      if (!open.askers.has(asker.id)) {
        open.askers.add(asker.id);
        if (open.names.length < MAX_NAMES) open.names.push(asker.name);
      }
      return false;
    }
    // The one answered now is in the window too, so asking again does not put them in the combined answer.
    this.start(key, roomId, entryId, asker.id);
    return true;
  }

  stop(): void {
    for (const { timer } of this.windows.values()) clearTimeout(timer);
    this.windows.clear();
  }

  private start(key: string, roomId: number, entryId: string, answered?: string): void {
    const timer = setTimeout(() => {
      const window = this.windows.get(key);
      this.windows.delete(key);
      if (!window || window.names.length === 0) return;
      this.flush({ roomId, entryId, names: window.names, count: window.askers.size - (answered === undefined ? 0 : 1) });
      // The combined answer opens a new window, so a steady stream is answered once per window.
      this.start(key, roomId, entryId);
    }, this.windowMs);
    timer.unref();
    this.windows.set(key, { askers: new Set(answered === undefined ? [] : [answered]), names: [], timer });
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
