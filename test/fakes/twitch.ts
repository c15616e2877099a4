/** A Twitch IRC-over-websocket server on loopback: login, JOIN, PING, tagged PRIVMSG both ways. */
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

export interface FakeTwitch {
  url: string;
  joins: string[];
  /** PRIVMSGs the client sent, with when they arrived. */
  sent: { at: number; channel: string; text: string }[];
  /** The password a client must present (oauth:…), when set. */
  password: string | undefined;
  say(channel: string, m: { id: string; userId: string; login: string; display: string; text: string }): void;
  /** Sends `text` (a text frame) or bytes (a binary frame) as they are to every client that joined. */
  raw(data: string | Buffer): void;
  drop(): void;
  close(): Promise<void>;
  joined: Set<WebSocket>;
}

export async function fakeTwitch(): Promise<FakeTwitch> {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise<void>((r) => wss.once('listening', () => r()));
  const sockets = new Set<WebSocket>();
  const fake: FakeTwitch = {
    url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`,
    joins: [],
    sent: [],
    password: undefined,
    joined: new Set(),
    say(channel, m) {
      const line = `@badge-info=;badges=;color=;display-name=${m.display};emotes=;id=${m.id};mod=0;room-id=1;tmi-sent-ts=${Date.now()};user-id=${m.userId};user-type= :${m.login}!${m.login}@${m.login}.tmi.twitch.tv PRIVMSG ${channel} :${m.text}\r\n`;
      for (const ws of fake.joined) ws.send(line);
    },
    raw(data) {
      for (const ws of fake.joined) ws.send(data, { binary: Buffer.isBuffer(data) });
    },
    drop() {
      for (const ws of sockets) ws.terminate();
      fake.joined.clear();
    },
    close() {
      fake.drop();
      return new Promise((r) => wss.close(() => r()));
    },
  };
  wss.on('connection', (ws) => {
    sockets.add(ws);
    ws.on('close', () => {
      sockets.delete(ws);
      fake.joined.delete(ws);
    });
    let nick = 'justinfan';
    let pass: string | undefined;
    ws.on('message', (data) => {
      for (const line of data.toString().split('\r\n').filter(Boolean)) {
        const [cmd, ...rest] = line.split(' ');
        if (cmd === 'PASS') pass = rest[0];
        else if (cmd === 'NICK') {
          nick = rest[0]!;
          if (fake.password && pass !== fake.password) {
            ws.send(':tmi.twitch.tv NOTICE * :Login authentication failed\r\n');
            ws.close();
            return;
          }
          ws.send(`:tmi.twitch.tv 001 ${nick} :Welcome, GLHF!\r\n:tmi.twitch.tv 376 ${nick} :>\r\n`);
        } else if (cmd === 'CAP') ws.send(`:tmi.twitch.tv CAP * ACK :${line.split(':')[1] ?? ''}\r\n`);
        else if (cmd === 'JOIN') {
          const channel = rest[0]!;
          fake.joins.push(channel);
          fake.joined.add(ws);
          ws.send(`:${nick}!${nick}@${nick}.tmi.twitch.tv JOIN ${channel}\r\n@emote-only=0;room-id=1 :tmi.twitch.tv ROOMSTATE ${channel}\r\n`);
        } else if (cmd === 'PING') ws.send('PONG :tmi.twitch.tv\r\n');
        else if (cmd === 'PRIVMSG') fake.sent.push({ at: Date.now(), channel: rest[0]!, text: line.slice(line.indexOf(' :') + 2) });
      }
    });
  });
  return fake;
}
