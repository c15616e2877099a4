/** A Bilibili danmaku server on loopback, written from the protocol's description, not from our codec. */
import zlib from 'node:zlib';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

export function packet(op: number, body: Buffer | string | object, ver = 0): Buffer {
  const b = Buffer.isBuffer(body) ? body : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
  const h = Buffer.alloc(16);
  h.writeUInt32BE(16 + b.length, 0);
  h.writeUInt16BE(16, 4);
  h.writeUInt16BE(ver, 6);
  h.writeUInt32BE(op, 8);
  h.writeUInt32BE(1, 12);
  return Buffer.concat([h, b]);
}

let tsSeq = 0;
export function danmu(text: string, uid: number, uname: string, ts = Date.now() + tsSeq++) {
  return { cmd: 'DANMU_MSG', info: [[0, 1, 25, 16777215, ts, 0, 0, 'ab12', 0, 0, 0, '', 0, '{}', '{}', {}], text, [uid, uname, 0, 0, 0, 10000, 1, ''], [], [0, 0, 0, '>50000', 0]] };
}

export interface FakeBilibili {
  url: string;
  auths: Record<string, unknown>[];
  heartbeats: number;
  sockets: Set<WebSocket>;
  /** Auth reply code: 0 accepts. */
  authCode: number;
  /** Stop answering heartbeats and stop sending: a connection that is open but dead. */
  silent: boolean;
  send(frame: Buffer): void;
  plain(cmd: object): void;
  zlib(cmds: object[]): void;
  brotli(cmds: object[]): void;
  drop(): void;
  close(): Promise<void>;
}

export async function fakeBilibili(): Promise<FakeBilibili> {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', path: '/sub' });
  await new Promise<void>((r) => wss.once('listening', () => r()));
  const fake: FakeBilibili = {
    url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/sub`,
    auths: [],
    heartbeats: 0,
    sockets: new Set(),
    authCode: 0,
    silent: false,
    send: (frame) => fake.sockets.forEach((ws) => ws.send(frame)),
    plain: (cmd) => fake.send(packet(5, cmd, 0)),
    zlib: (cmds) => fake.send(packet(5, zlib.deflateSync(Buffer.concat(cmds.map((c) => packet(5, c, 0)))), 2)),
    brotli: (cmds) => fake.send(packet(5, zlib.brotliCompressSync(Buffer.concat(cmds.map((c) => packet(5, c, 0)))), 3)),
    drop: () => fake.sockets.forEach((ws) => ws.terminate()),
    close: () => {
      fake.drop();
      return new Promise((r) => wss.close(() => r()));
    },
  };
  wss.on('connection', (ws) => {
    ws.on('close', () => fake.sockets.delete(ws));
    ws.on('message', (data: Buffer) => {
      if (data.length < 16 || fake.silent) return;
      const op = data.readUInt32BE(8);
      if (op === 7) {
        fake.auths.push(JSON.parse(data.subarray(16, data.readUInt32BE(0)).toString()));
        ws.send(packet(8, { code: fake.authCode }, 1));
        if (fake.authCode === 0) fake.sockets.add(ws);
      } else if (op === 2) {
        fake.heartbeats++;
        const pop = Buffer.alloc(4);
        pop.writeUInt32BE(4321);
        ws.send(packet(3, pop, 1));
      }
    });
  });
  return fake;
}
