/**
 * When fifty viewers ask the same thing, the chat gets one answer, not fifty. The first asker is
 * answered at once; whoever asks the same entry in the next window is collected, and when the
 * window closes they are answered together, by name, in one message.
 */
export interface CooledAnswer {
  roomId: number;
  entryId: string;
  names: string[];
}

const MAX_NAMES = 8;

export class AnswerCooldown {
  private readonly windows = new Map<string, { names: string[]; timer: NodeJS.Timeout }>();

  constructor(
    private readonly windowMs: number,
    private readonly flush: (answer: CooledAnswer) => void,
  ) {}

  /** True when this asker should be answered now; false when the answer waits for the window. */
  claim(roomId: number, entryId: string, name: string): boolean {
    const key = `${roomId}:${entryId}`;
    const open = this.windows.get(key);
    if (open) {
      if (!open.names.includes(name)) open.names.push(name);
      return false;
    }
    this.start(key, roomId, entryId);
    return true;
  }

  stop(): void {
    for (const { timer } of this.windows.values()) clearTimeout(timer);
    this.windows.clear();
  }

  private start(key: string, roomId: number, entryId: string): void {
    const timer = setTimeout(() => {
      const names = this.windows.get(key)?.names ?? [];
      this.windows.delete(key);
      if (names.length === 0) return;
      this.flush({ roomId, entryId, names });
      // The combined answer opens a new window, so a steady stream is answered once per window.
      this.start(key, roomId, entryId);
    }, this.windowMs);
    timer.unref();
    this.windows.set(key, { names: [], timer });
  }
}

/** `@张三 @李四 等12人` */
export function addressees(names: readonly string[], clean: (name: string) => string): string {
  const shown = names.slice(0, MAX_NAMES).map((n) => `@${clean(n)}`).join(' ');
  return names.length > MAX_NAMES ? `${shown} 等${names.length}人` : shown;
}
