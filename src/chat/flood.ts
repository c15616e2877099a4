/**
 * Order messages per buyer per second, counted in memory: a buyer hammering `+1` is refused
 * before any stock is touched. Counts start over on restart, which only ever lets more through.
 * Each admitted message id counts once: a write batch that fails runs its bodies again, and an
 * admitted message must not refuse itself the second time. (A refused one is not recorded; run
 * again, it is judged at the same `now`, its arrival time, so it is refused again.)
 *
 * Messages can be judged out of arrival order: PostgreSQL runs their transactions side by side,
 * and a database back from a stall lets its backlog through at once. So a message is refused when
 * admitting it would put more than the limit into some one second, whichever side of it the
 * others arrived; counting every later arrival against an earlier one refused a buyer's orders
 * sent a second apart.
 */
interface Admitted {
  at: number;
  messageId: string;
}

/** How far behind the newest admitted message the record reaches: a second, and a second more for a message judged late. */
const KEPT_MS = 2000;

export class FloodGuard {
  /** Per buyer, the messages admitted lately, oldest first. */
  private readonly recent = new Map<string, Admitted[]>();
  /** When buyers gone quiet were last swept out. */
  private sweptAt = 0;

  /** Records an order message and says whether it goes over `perSecond`. */
  exceeded(key: string, perSecond: number, messageId: string, now = Date.now()): boolean {
    const kept = this.recent.get(key) ?? [];
    // Forget only what is old next to the newest admitted message as well as this one: cutting the
    // record around a late message let the buyer's next ones through.
    const horizon = Math.max(now, kept.at(-1)?.at ?? now) - KEPT_MS;
    let old = 0;
    while (old < kept.length && kept[old]!.at <= horizon) old++;
    const admitted = old > 0 ? kept.slice(old) : kept;
    if (admitted.some((m) => m.messageId === messageId)) return false;
    const over = crowdsASecond(admitted, now, perSecond);
    if (!over) admitted.splice(insertionPoint(admitted, now), 0, { at: now, messageId });
    this.recent.set(key, admitted);
    // Buyers gone quiet are forgotten, in one sweep a second at most: sweeping on every message
    // once 50,000 buyers were active cost a whole scan each.
    if (this.recent.size > 50_000 && now - this.sweptAt >= 1000) this.prune(now - KEPT_MS, now);
    return over;
  }

  private prune(since: number, now: number): void {
    this.sweptAt = now;
    for (const [key, admitted] of this.recent) if ((admitted.at(-1)?.at ?? since) <= since) this.recent.delete(key);
  }
}

/** The first index of `sorted` whose time is after `at` (or at or after it, with `inclusive`). */
function firstAfter(sorted: readonly Admitted[], at: number, inclusive = false): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (inclusive ? sorted[mid]!.at < at : sorted[mid]!.at <= at) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Where `at` goes in `sorted` to keep it sorted (after equal times). */
const insertionPoint = (sorted: readonly Admitted[], at: number) => firstAfter(sorted, at);

/** Whether some one-second window holding `at` would hold more than `perSecond` of `sorted` and `at`. */
function crowdsASecond(sorted: readonly Admitted[], at: number, perSecond: number): boolean {
  // The times within a second either side of `at`, with `at` among them, in order.
  const from = firstAfter(sorted, at - 1000);
  const to = firstAfter(sorted, at + 1000, true);
  if (to - from < perSecond) return false;
  const times = sorted.slice(from, to).map((m) => m.at);
  times.splice(insertionPoint(sorted, at) - from, 0, at);
  // Every window worth checking starts at one of the times up to `at`; its end only moves forward.
  let end = 0;
  for (let i = 0; i < times.length && times[i]! <= at; i++) {
    end = Math.max(end, i);
    while (end < times.length && times[end]! < times[i]! + 1000) end++;
    if (end - i > perSecond) return true;
  }
  return false;
}
