/**
 * Order messages per buyer per second, counted in memory: a buyer hammering `+1` is refused
 * before any stock is touched. Counts start over on restart, which only ever lets more through.
 * Each admitted message id counts once: a write batch that fails runs its bodies again, and an
 * admitted message must not refuse itself the second time. (A refused one is not recorded; run
 * again, it is judged at the same `now`, its arrival time, so it is refused again.)
 */
export class FloodGuard {
  private readonly recent = new Map<string, { at: number; messageId: string }[]>();

  /** Records an order message and says whether it goes over `perSecond`. */
  exceeded(key: string, perSecond: number, messageId: string, now = Date.now()): boolean {
    // Kept a second either side: messages can be judged out of arrival order (PostgreSQL runs their
    // transactions side by side, and a database back from a stall lets its backlog through at
    // once). Counting every later arrival against an earlier one refused a buyer's orders sent a
    // second apart; what counts is whether admitting this one puts too many into some one second.
    const admitted = (this.recent.get(key) ?? []).filter((m) => Math.abs(m.at - now) < 1000);
    if (admitted.some((m) => m.messageId === messageId)) return false;
    const over = crowdsASecond(admitted.map((m) => m.at), now, perSecond);
    if (!over) admitted.push({ at: now, messageId });
    this.recent.set(key, admitted);
    if (this.recent.size > 50_000) this.prune(now - 1000);
    return over;
  }

  private prune(since: number): void {
    for (const [key, admitted] of this.recent) if (admitted.every((m) => m.at <= since)) this.recent.delete(key);
  }
}

/** Whether some one-second window holding `at` would hold more than `perSecond` of `times` and `at`. */
function crowdsASecond(times: number[], at: number, perSecond: number): boolean {
  if (times.length < perSecond) return false;
  // Every window worth checking starts at one of the times up to `at`; sorted, the windows' ends
  // only move forward (a buyer allowed 1,000 a second must not cost a million steps a message).
  const sorted = [...times, at].sort((a, b) => a - b);
  let end = 0;
  for (let i = 0; i < sorted.length && sorted[i]! <= at; i++) {
    if (sorted[i]! + 1000 <= at) continue;
    end = Math.max(end, i);
    while (end < sorted.length && sorted[end]! < sorted[i]! + 1000) end++;
    if (end - i > perSecond) return true;
  }
  return false;
}
