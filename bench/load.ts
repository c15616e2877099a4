/**
 * The load generators, run as a child process so that the benchmark's memory figure is Nongbo's
 * own: a Bilibili danmaku server that streams frames on command, and overlay clients (one watching
 * the ticker, or a crowd).
 * Commands and results travel over the IPC channel.
 */
import type { AddressInfo } from 'node:net';
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { BUILD, ROOT } from '../src/paths.ts';
import { io as connectClient, type Socket } from 'socket.io-client';
import { WebSocketServer, type WebSocket } from 'ws';
import { encode, Op, Ver } from '../plugins/bilibili/codec.ts';

/** A benchmark entry to run in a process of its own: the build's when this is the build (`npm run bench`). */
export const benchFile = (name: 'one' | 'load') => (BUILD ? path.join(BUILD, 'bench', `${name}.js`) : path.join(ROOT, 'bench', `${name}.ts`));
/** As `npm start` runs the build; the sources through tsx. */
export const benchExecArgv = BUILD ? [] : ['--import', 'tsx'];

/** Wall-clock milliseconds with sub-millisecond precision, comparable between processes. */
export const wallMs = () => performance.timeOrigin + performance.now();

type Command =
  | { kind: 'danmaku-server'; count: number }
  | { kind: 'stream' }
  | { kind: 'overlay-clients'; url: string; room: number; token: string; count: number }
  | { kind: 'await-feature' }
  | { kind: 'ticker-count' };

function danmakuFrames(count: number): Buffer[] {
  const out: Buffer[] = [];
  const t0 = Date.now();
  for (let i = 0; i < count; i++) {
    const text = i % 10 === 0 ? (i % 20 === 0 ? '买1号 2份' : '+1') : ['主播好', '这个土豆怎么卖', '666', '来了来了🌾', '包邮吗'][i % 5]!;
    const uid = 10_000 + (i % 5000);
    const danmu = { cmd: 'DANMU_MSG', info: [[0, 1, 25, 16777215, t0 + i, 0, 0, '', 0], text, [uid, `观众${uid}`, 0, 0, 0, 10000, 1, ''], [], []] };
    out.push(encode(Op.message, danmu, Ver.json));
  }
  return out;
}

async function child(): Promise<void> {
  const send = (message: unknown) => process.send!(message);
  let frames: Buffer[] = [];
  let client: WebSocket | undefined;
  let clients: Socket[] = [];
  let tickerItems = 0;
  process.on('message', async (command: Command) => {
    if (command.kind === 'danmaku-server') {
      frames = danmakuFrames(command.count);
      const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
      await new Promise<void>((r) => wss.once('listening', () => r()));
      wss.on('connection', (ws) => {
        ws.on('message', (raw: Buffer) => {
          if (raw.length >= 16 && raw.readUInt32BE(8) === Op.auth) {
            ws.send(encode(Op.authReply, { code: 0 }));
            client = ws;
            send({ kind: 'authenticated' });
          }
        });
      });
      send({ kind: 'listening', url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}` });
    } else if (command.kind === 'stream') {
      for (const frame of frames) client!.send(frame);
      send({ kind: 'streamed' });
    } else if (command.kind === 'overlay-clients') {
      clients = await Promise.all(
        Array.from({ length: command.count }, () => {
          const socket = connectClient(`${command.url}/overlay`, { auth: { room: command.room, token: command.token }, transports: ['websocket'], forceNew: true });
          socket.on('order', () => tickerItems++);
          return new Promise<Socket>((resolve) => socket.once('state', () => resolve(socket)));
        }),
      );
      send({ kind: 'connected' });
    } else if (command.kind === 'await-feature') {
      const arrivals: number[] = [];
      for (const socket of clients) {
        socket.once('feature', () => {
          arrivals.push(wallMs());
          if (arrivals.length === clients.length) send({ kind: 'arrivals', arrivals });
        });
      }
      send({ kind: 'listening-for-feature' });
    } else if (command.kind === 'ticker-count') {
      send({ kind: 'ticker', count: tickerItems });
    }
  });
  send({ kind: 'ready' });
}

/** A load generator child and a way to wait for its replies. */
export async function loadGenerator(): Promise<{
  proc: ChildProcess;
  /** Sends a command and resolves with the child's reply of the given kind. */
  ask<T>(command: Command, reply: string): Promise<T>;
  /** Resolves with the child's next message of the given kind. */
  next<T>(kind: string): Promise<T>;
  send(command: Command): void;
  close(): void;
}> {
  const proc = fork(benchFile('load'), ['--child'], { execArgv: benchExecArgv, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const next = <T>(kind: string) =>
    new Promise<T>((resolve) => {
      const listen = (message: { kind: string } & T) => {
        if (message.kind === kind) {
          proc.off('message', listen);
          resolve(message);
        }
      };
      proc.on('message', listen);
    });
  await next('ready');
  return {
    proc,
    ask<T>(command: Command, reply: string) {
      const answer = next<T>(reply);
      proc.send(command);
      return answer;
    },
    next,
    send: (command) => proc.send(command),
    close: () => proc.kill(),
  };
}

if (process.argv.includes('--child')) await child();
