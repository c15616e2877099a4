import zlib from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decode, encode, FrameError, Op, Ver } from './codec.ts';
import { danmakuId, toEvents } from './messages.ts';

const json = (o: unknown) => Buffer.from(JSON.stringify(o));

describe('bilibili codec', () => {
  it('writes the 16-byte big-endian header', () => {
    const p = encode(Op.auth, { roomid: 1 });
    expect(p.readUInt32BE(0)).toBe(p.length);
    expect(p.readUInt16BE(4)).toBe(16);
    expect(p.readUInt16BE(6)).toBe(Ver.int);
    expect(p.readUInt32BE(8)).toBe(7);
    expect(p.subarray(16).toString()).toBe('{"roomid":1}');
  });

  it('reads several packets in one frame, and packets inside zlib and brotli bodies', () => {
    const inner = Buffer.concat([encode(Op.message, json({ cmd: 'A' }), Ver.json), encode(Op.message, json({ cmd: 'B' }), Ver.json)]);
    const frame = Buffer.concat([
      encode(Op.heartbeatReply, Buffer.from([0, 0, 1, 0])),
      encode(Op.message, zlib.deflateSync(inner), Ver.zlib),
      encode(Op.message, zlib.brotliCompressSync(inner), Ver.brotli),
    ]);
    const packets = decode(frame);
    expect(packets.map((p) => [p.op, p.body.length > 4 ? JSON.parse(p.body.toString()).cmd : p.body.readUInt32BE(0)])).toEqual([
      [3, 256],
      [5, 'A'],
      [5, 'B'],
      [5, 'A'],
      [5, 'B'],
    ]);
  });

  it.each([
    ['a truncated header', Buffer.from([0, 0, 0, 20, 0, 16])],
    ['a packet longer than the frame', encode(Op.message, 'xyz').subarray(0, 17)],
    ['a header length that is not 16', (() => { const p = encode(Op.message, 'xx'); p.writeUInt16BE(8, 4); return p; })()],
    ['a header length past the packet', (() => { const p = encode(Op.message, 'xx'); p.writeUInt16BE(40, 4); return p; })()],
    ['a corrupt zlib body', encode(Op.message, Buffer.from('not zlib at all'), Ver.zlib)],
    ['a corrupt brotli body', encode(Op.message, Buffer.from([1, 2, 3, 4, 5]), Ver.brotli)],
  ])('refuses %s with a FrameError', (_label, frame) => {
    expect(() => decode(frame)).toThrow(FrameError);
  });

  it('refuses a decompression bomb', () => {
    const bomb = zlib.deflateSync(Buffer.alloc(64 * 1024 * 1024));
    expect(() => decode(encode(Op.message, bomb, Ver.zlib))).toThrow(/corrupt zlib body/);
  });

  it('reads a compressed body of many packets, and refuses one of too many with a FrameError', () => {
    // Spread as arguments, 130,000 packets once overflowed the stack: a RangeError, not a FrameError.
    const packets = (n: number) => encode(Op.message, zlib.deflateSync(Buffer.concat(Array.from({ length: n }, () => encode(Op.heartbeat)))), Ver.zlib);
    expect(decode(packets(20_000))).toHaveLength(20_000);
    expect(() => decode(packets(130_000))).toThrow(FrameError);
  });

  it('never throws anything but a FrameError on random or mutated frames', () => {
    const valid = Buffer.concat([encode(Op.message, zlib.deflateSync(encode(Op.message, json({ cmd: 'DANMU_MSG' }), Ver.json)), Ver.zlib), encode(Op.heartbeatReply, Buffer.alloc(4))]);
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 200 }), fc.array(fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }).map((edits) => {
        const copy = Buffer.from(valid);
        for (const [i, v] of edits) copy[i] = v;
        return new Uint8Array(copy);
      })), (bytes) => {
        try {
          decode(Buffer.from(bytes));
        } catch (err) {
          expect(err).toBeInstanceOf(FrameError);
        }
      }),
      { numRuns: Number(process.env.FUZZ_RUNS ?? 3000) },
    );
  });
});

describe('bilibili commands', () => {
  const danmu = (text: string, uid: number, name: string, ts = 1_790_000_000_123) => ({
    cmd: 'DANMU_MSG:4:0:2:2:2:0',
    info: [[0, 1, 25, 16777215, ts, 1, 0, 'abcd', 0], text, [uid, name, 0, 0, 0, 10000, 1, ''], [], [0]],
  });

  it('turns DANMU_MSG into chat with a stable derived id', () => {
    const a = toEvents(1001, danmu('买3号', 42, '山里人'));
    const b = toEvents(1001, danmu('买3号', 42, '山里人'));
    expect(a).toEqual(b);
    expect(a).toMatchObject({ events: [{ kind: 'chat', text: '买3号', user: { id: '42', name: '山里人' }, sentAt: new Date(1_790_000_000_123) }] });
    expect((a as { events: { messageId: string }[] }).events[0]!.messageId).toBe(danmakuId(1001, '42', 1_790_000_000_123, '买3号'));
    expect(danmakuId(1001, '42', 1_790_000_000_124, '买3号')).not.toBe(danmakuId(1001, '42', 1_790_000_000_123, '买3号'));
  });

  it('turns SEND_GIFT and SUPER_CHAT_MESSAGE into gifts', () => {
    expect(toEvents(1, { cmd: 'SEND_GIFT', data: { uid: 7, uname: '阿妹', giftName: '辣条', num: 3, timestamp: 1_790_000_000, total_coin: 300, coin_type: 'gold', tid: 't1' } })).toEqual({
      events: [expect.objectContaining({ kind: 'gift', messageId: 't1', gift: '辣条', count: 3, valueFen: 30, user: { id: '7', name: '阿妹' } })],
    });
    expect(toEvents(1, { cmd: 'SUPER_CHAT_MESSAGE', data: { id: 9, uid: 8, price: 30, message: '加油', start_time: 1_790_000_000, user_info: { uname: '老乡' } } })).toEqual({
      events: [expect.objectContaining({ kind: 'gift', messageId: 'bili-sc:9', valueFen: 3000, text: '加油' })],
    });
  });

  it('skips unknown commands by name and wrong shapes as invalid', () => {
    expect(toEvents(1, { cmd: 'ONLINE_RANK_COUNT', data: {} })).toEqual({ skip: 'ONLINE_RANK_COUNT' });
    expect(toEvents(1, { cmd: 'DANMU_MSG', info: 'nope' })).toEqual({ skip: 'invalid' });
    expect(toEvents(1, { cmd: 'DANMU_MSG', info: [[], 5, []] })).toEqual({ skip: 'invalid' });
    expect(toEvents(1, [1, 2])).toEqual({ skip: 'invalid' });
    expect(toEvents(1, null)).toEqual({ skip: 'invalid' });
  });
});
