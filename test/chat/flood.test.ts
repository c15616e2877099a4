import { describe, expect, it } from 'vitest';
import { FloodGuard } from '../../src/chat/flood.ts';

describe('the flood guard', () => {
  it('refuses order messages over the per-second limit, each message id counted once', () => {
    const guard = new FloodGuard();
    const verdicts = [0, 100, 200, 300].map((t, i) => guard.exceeded('1:buyer', 3, `m${i}`, 10_000 + t));
    expect(verdicts).toEqual([false, false, false, true]);
    // The same message judged again (its write batch retried) is still admitted.
    expect(guard.exceeded('1:buyer', 3, 'm0', 10_000)).toBe(false);
    // A second later the window has moved on; another buyer has a window of their own.
    expect(guard.exceeded('1:buyer', 3, 'm9', 11_001)).toBe(false);
    expect(guard.exceeded('1:other', 3, 'o1', 10_300)).toBe(false);
  });

  it('keeps any one second to the limit for a buyer allowed a thousand a second, hammering at five times that', () => {
    const guard = new FloodGuard();
    const admitted: number[] = [];
    for (let i = 0; i < 10_000; i++) if (!guard.exceeded('1:bot', 1000, `h${i}`, 50_000 + i * 0.2)) admitted.push(50_000 + i * 0.2);
    expect(admitted.length).toBeGreaterThanOrEqual(1900);
    for (const start of admitted) expect(admitted.filter((t) => t >= start && t < start + 1000).length).toBeLessThanOrEqual(1000);
  });

  it('keeps its record of a buyer whole when a message arrives late: the next ones still count the earlier', () => {
    const guard = new FloodGuard();
    const verdicts = [
      guard.exceeded('1:buyer', 2, 'a', 1500),
      guard.exceeded('1:buyer', 2, 'b', 1600),
      // Judged late (it arrived first): refused or not, it must not wipe out 1500 and 1600.
      guard.exceeded('1:buyer', 2, 'late', 0),
      guard.exceeded('1:buyer', 2, 'c', 1700),
      guard.exceeded('1:buyer', 2, 'd', 1800),
    ];
    expect(verdicts).toEqual([false, false, false, true, true]);
  });

  it('judges a backlog let through out of arrival order by when each message arrived', () => {
    // Ten orders a second apart, judged newest first, as a database back from a stall may run them.
    const guard = new FloodGuard();
    const arrivals = Array.from({ length: 10 }, (_, i) => 20_000 + i * 1000);
    const refused = [...arrivals].reverse().filter((at) => guard.exceeded('1:buyer', 3, `m${at}`, at));
    expect(refused).toEqual([]);
    // Four within one second are still one too many, in whatever order they are judged.
    const burst = new FloodGuard();
    const verdicts = [900, 100, 500, 300].map((t) => burst.exceeded('1:buyer', 3, `b${t}`, 30_000 + t));
    expect(verdicts.filter(Boolean).length).toBeGreaterThanOrEqual(1);
  });
});
