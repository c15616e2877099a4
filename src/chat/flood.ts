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
    const since = now - 1000;
    const admitted = (this.recent.get(key) ?? []).filter((m) => m.at > since);
    if (admitted.some((m) => m.messageId === messageId)) return false;
    const over = admitted.length >= perSecond;
    if (!over) admitted.push({ at: now, messageId });
    this.recent.set(key, admitted);
    if (this.recent.size > 50_000) this.prune(since);
    return over;
  }

  private prune(since: number): void {
    for (const [key, admitted] of this.recent) if (admitted.every((m) => m.at <= since)) this.recent.delete(key);
  }
}
