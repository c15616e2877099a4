import { afterEach, describe, expect, it, vi } from 'vitest';
import { addressedLine, addressees, AnswerCooldown, type CooledAnswer } from '../../src/policy/cooldown.ts';

afterEach(() => {
  vi.useRealTimers();
});

describe('answer cooldown', () => {
  it('answers the first asker at once and the rest together, each viewer once, by user id', async () => {
    vi.useFakeTimers();
    const flushed: CooledAnswer[] = [];
    const cooldown = new AnswerCooldown(1000, async (a) => !!flushed.push(a), () => {});
    expect(cooldown.claim(1, 'dibao', { id: 'u0', name: '阿妹' }, 'm0').now).toBe(true);
    // The first asker asking again, and two viewers sharing a nickname, and one asking twice.
    const later = [
      { id: 'u0', name: '阿妹' },
      { id: 'u1', name: '老乡' },
      { id: 'u2', name: '老乡' },
      { id: 'u1', name: '老乡' },
      ...Array.from({ length: 20 }, (_, i) => ({ id: `v${i}`, name: `观众${i}` })),
    ];
    later.forEach((asker, i) => {
      const claim = cooldown.claim(1, 'dibao', asker, `m${i + 1}`);
      expect(claim.now).toBe(false);
      if (!claim.now) claim.collect(100 + i);
    });
    // The first message again (its write batch retried): still the one answered now.
    expect(cooldown.claim(1, 'dibao', { id: 'u0', name: '阿妹' }, 'm0').now).toBe(true);
    // Another entry, another room: windows of their own.
    expect(cooldown.claim(2, 'dibao', { id: 'u1', name: '老乡' }, 'm1').now).toBe(true);
    vi.advanceTimersByTime(1000);
    const first = flushed.find((f) => f.roomId === 1)!;
    expect(first.count).toBe(22);
    expect(first.questionIds).toEqual(later.map((_, i) => 100 + i));
    expect(first.names).toEqual(['老乡', '老乡', '观众0', '观众1', '观众2', '观众3', '观众4', '观众5']);
    expect(addressees(first.names, first.count, (n) => n)).toBe('@老乡 @老乡 @观众0 @观众1 @观众2 @观众3 @观众4 @观众5 等22人');
    expect(flushed.filter((f) => f.roomId === 2)).toEqual([]);
    await cooldown.stop();
  });

  it('keeps eight names and a count however many ask: sixty thousand askers are a set, not a list scanned each time', async () => {
    vi.useFakeTimers();
    let flushed: CooledAnswer | undefined;
    const cooldown = new AnswerCooldown(1000, async (a) => !!(flushed = a), () => {});
    cooldown.claim(1, 'e', { id: 'first', name: 'first' }, 'first');
    for (let i = 0; i < 60_000; i++) {
      const claim = cooldown.claim(1, 'e', { id: `u${i}`, name: `n${i}` }, `m${i}`);
      if (!claim.now) claim.collect(i);
    }
    vi.advanceTimersByTime(1000);
    expect([flushed!.count, flushed!.names.length]).toEqual([60_000, 8]);
    await cooldown.stop();
  });

  it('gives back the questions still waiting for a combined answer when it stops, and those asked after', async () => {
    vi.useFakeTimers();
    const flushed: CooledAnswer[] = [];
    const requeued: number[] = [];
    const cooldown = new AnswerCooldown(1000, async (a) => !!flushed.push(a), (ids) => requeued.push(...ids));
    cooldown.claim(1, 'e', { id: 'a', name: 'a' }, 'm-a');
    const waiting = cooldown.claim(1, 'e', { id: 'b', name: 'b' }, 'm-b');
    // Claimed before the stop, stored after it.
    const slow = cooldown.claim(1, 'e', { id: 'c', name: 'c' }, 'm-c');
    if (!waiting.now) waiting.collect(7);
    expect(await cooldown.stop()).toEqual([7]);
    if (!slow.now) slow.collect(8);
    // Asked while the server shuts down: not answered in chat, back to the official.
    const after = cooldown.claim(1, 'f', { id: 'd', name: 'd' }, 'm-d');
    expect(after.now).toBe(false);
    if (!after.now) after.collect(9);
    expect(requeued).toEqual([8, 9]);
    vi.advanceTimersByTime(5000);
    expect(flushed).toEqual([]);
  });

  it('sends a question stored after its window closed back to the queue: it was named in no answer', async () => {
    vi.useFakeTimers();
    const requeued: number[] = [];
    let verdict: boolean | Error = true;
    const cooldown = new AnswerCooldown(
      1000,
      async () => {
        if (verdict instanceof Error) throw verdict;
        return verdict;
      },
      (ids) => requeued.push(...ids),
    );
    const late = (entry: string, n: number) => {
      cooldown.claim(1, entry, { id: `first-${entry}`, name: 'x' }, `first-${entry}`);
      const claim = cooldown.claim(1, entry, { id: `u${n}`, name: `n${n}` }, `m${n}`);
      const onTime = cooldown.claim(1, entry, { id: `v${n}`, name: `n${n}` }, `v${n}`);
      if (!onTime.now) onTime.collect(n + 100);
      return claim;
    };
    // Sent without the late asker (named only once their question is stored): back to the queue.
    const sent = late('sent', 1);
    await vi.advanceTimersByTimeAsync(1000);
    if (!sent.now) sent.collect(1);
    expect(requeued).toEqual([1]);
    requeued.length = 0;
    // Withdrawn (or the entry could not be read): the on-time and the late question both go back.
    verdict = false;
    const withdrawn = late('withdrawn', 2);
    await vi.advanceTimersByTimeAsync(1000);
    if (!withdrawn.now) withdrawn.collect(2);
    verdict = new Error('database away');
    const failed = late('failed', 3);
    await vi.advanceTimersByTimeAsync(1000);
    if (!failed.now) failed.collect(3);
    expect(requeued).toEqual([102, 2, 103, 3]);
    await cooldown.stop();
  });

  it('names an asker whose transaction ran twice once, in the window it was stored in', async () => {
    vi.useFakeTimers();
    const flushed: CooledAnswer[] = [];
    const requeued: number[] = [];
    const cooldown = new AnswerCooldown(1000, async (a) => !!flushed.push(a), (ids) => requeued.push(...ids));
    cooldown.claim(1, 'e', { id: 'first', name: '甲' }, 'm1');
    const other = cooldown.claim(1, 'e', { id: 'c', name: '丙' }, 'm3');
    if (!other.now) other.collect(3);
    // Claimed in the first window; the transaction is run again after that window closed.
    cooldown.claim(1, 'e', { id: 'b', name: '乙' }, 'm2');
    await vi.advanceTimersByTimeAsync(1000);
    const again = cooldown.claim(1, 'e', { id: 'b', name: '乙' }, 'm2');
    if (!again.now) again.collect(2);
    await vi.advanceTimersByTimeAsync(1000);
    expect(flushed.map((f) => f.names)).toEqual([['丙'], ['乙']]);
    expect(requeued).toEqual([]);
    await cooldown.stop();
  });

  it('name as many askers as fit a chat line before the answer, at least one, and count the rest', () => {
    const names = Array.from({ length: 8 }, (_, i) => `很长很长的昵称很长很长的昵称${i}号观众`);
    const answer = '家庭人均收入低于当地低保标准，向乡镇申请（来源：民政部）';
    const line = addressedLine(names, 30, answer, (n) => n);
    expect([...line].length).toBeLessThanOrEqual(200);
    expect(line.endsWith(answer)).toBe(true);
    expect(line).toMatch(/^@很长很长的昵称很长很长的昵称0号观众 .* 等30人 /);
    expect(addressedLine(['阿妹'], 1, answer, (n) => n)).toBe(`@阿妹 ${answer}`);
    expect(addressedLine(names, 8, 'x'.repeat(300), (n) => n)).toMatch(/^@很长很长的昵称很长很长的昵称0号观众 等8人 x/);
  });
});
