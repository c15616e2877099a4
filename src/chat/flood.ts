/**
 * Order messages per buyer per second, counted in memory: a buyer hammering `+1` is refused
 * before any stock is touched. Counts start over on restart, which only ever lets more through.
 */
export class FloodGuard {
  private readonly recent = new Map<string, number[]>();

  /** Records an order message and says whether it goes over `perSecond`. */
  exceeded(key: string, perSecond: number, now = Date.now()): boolean {
    const since = now - 1000;
    const times = (this.recent.get(key) ?? []).filter((t) => t > since);
    const over = times.length >= perSecond;
    if (!over) times.push(now);
    this.recent.set(key, times);
    if (this.recent.size > 50_000) this.prune(since);
    return over;
  }

  private prune(since: number): void {
    for (const [key, times] of this.recent) if (times.every((t) => t <= since)) this.recent.delete(key);
  }
}
