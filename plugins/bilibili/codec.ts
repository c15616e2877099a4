/**
 * The Bilibili web danmaku protocol (as blivedm documents it): packets with a 16-byte big-endian
 * header — packet length u32, header length u16 (16), version u16, operation u32, sequence u32 —
 * several of them per websocket frame. Version 2 (zlib) and 3 (brotli) bodies hold further packets.
 */
import zlib from 'node:zlib';

export const HEADER_LENGTH = 16;

export const Op = {
  heartbeat: 2,
  heartbeatReply: 3,
  message: 5,
  auth: 7,
  authReply: 8,
} as const;

export const Ver = {
  json: 0,
  int: 1,
  zlib: 2,
  brotli: 3,
} as const;

export interface Packet {
  op: number;
  ver: number;
  body: Buffer;
}

/** A decompressed body this large is a bomb, not chat. */
const MAX_INFLATED = 8 * 1024 * 1024;
/** Compressed bodies inside compressed bodies: the protocol uses one level. */
const MAX_DEPTH = 2;
/** Packets in one frame, compressed ones opened: real frames hold tens; 8 MB of empty packets would be half a million. */
const MAX_PACKETS = 20_000;

export class FrameError extends Error {}

export function encode(op: number, body: Buffer | string | object = Buffer.alloc(0), ver: number = Ver.int, seq = 1): Buffer {
  const payload = Buffer.isBuffer(body) ? body : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
  const header = Buffer.alloc(HEADER_LENGTH);
  header.writeUInt32BE(HEADER_LENGTH + payload.length, 0);
  header.writeUInt16BE(HEADER_LENGTH, 4);
  header.writeUInt16BE(ver, 6);
  header.writeUInt32BE(op, 8);
  header.writeUInt32BE(seq, 12);
  return Buffer.concat([header, payload]);
}

/**
 * Every packet of a frame, compressed bodies opened. A frame holds whole packets: one whose
 * length runs past the frame, or a header that is not 16 bytes, makes the whole frame invalid.
 */
export function decode(frame: Buffer, depth = 0, packets: Packet[] = []): Packet[] {
  let offset = 0;
  while (offset < frame.length) {
    if (frame.length - offset < HEADER_LENGTH) throw new FrameError(`truncated header at byte ${offset}`);
    const length = frame.readUInt32BE(offset);
    const headerLength = frame.readUInt16BE(offset + 4);
    const ver = frame.readUInt16BE(offset + 6);
    const op = frame.readUInt32BE(offset + 8);
    if (headerLength < HEADER_LENGTH || headerLength > length) throw new FrameError(`header length ${headerLength} at byte ${offset}`);
    if (offset + length > frame.length) throw new FrameError(`packet of ${length} bytes runs past the frame of ${frame.length}`);
    const body = frame.subarray(offset + headerLength, offset + length);
    offset += length;
    if (op === Op.message && (ver === Ver.zlib || ver === Ver.brotli)) {
      if (depth >= MAX_DEPTH) throw new FrameError('compressed packets nested too deep');
      let inflated: Buffer;
      try {
        inflated =
          ver === Ver.zlib
            ? zlib.inflateSync(body, { maxOutputLength: MAX_INFLATED })
            : zlib.brotliDecompressSync(body, { maxOutputLength: MAX_INFLATED });
      } catch (err) {
        throw new FrameError(`corrupt ${ver === Ver.zlib ? 'zlib' : 'brotli'} body: ${(err as Error).message}`);
      }
      // Into the same list: spreading a body's packets as arguments overflows the stack past ~100,000.
      decode(inflated, depth + 1, packets);
    } else {
      if (packets.length >= MAX_PACKETS) throw new FrameError(`more than ${MAX_PACKETS} packets in one frame`);
      packets.push({ op, ver, body });
    }
  }
  return packets;
}
