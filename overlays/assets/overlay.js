// Shared by every overlay: URL parameters (room, token, theme, scale, lang), the live socket,
// and the words in Chinese and English. Everything shown is set as text, never as HTML.
import { io } from '/socket.io/socket.io.esm.min.js';

const params = new URLSearchParams(location.search);
export const lang = params.get('lang') === 'en' ? 'en' : 'zh';
const theme = ['light', 'dark', 'festive'].includes(params.get('theme')) ? params.get('theme') : 'dark';
const scale = Math.min(3, Math.max(0.25, Number(params.get('scale')) || 1));

document.body.classList.add(`theme-${theme}`);
document.body.style.setProperty('--scale', String(scale));

const WORDS = {
  zh: { featured: '讲解中', stock: (n, unit) => `剩余 ${n} ${unit}`, soldOut: '已售罄，可排队', cta: (code) => `评论 买${code}号 2份`, code: (code) => `${code}号`, from: '来自', per: '/', bought: (q) => `拍下 ×${q}`, goal: '本场目标', orders: (n) => `${n} 单`, source: '来源', lifted: '脱贫户', monitored: '监测户' },
  en: { featured: 'Now showing', stock: (n, unit) => `${n} ${unit} left`, soldOut: 'Sold out – join the waitlist', cta: (code) => `Comment "!buy ${code} 2"`, code: (code) => `#${code}`, from: 'From', per: '/', bought: (q) => `bought ×${q}`, goal: 'Session goal', orders: (n) => `${n} orders`, source: 'Source', lifted: 'lifted', monitored: 'monitored' },
};
export const t = WORDS[lang];
document.documentElement.lang = lang === 'en' ? 'en' : 'zh-CN';

export function yuan(fen) {
  return `¥${Math.floor(fen / 100)}.${String(fen % 100).padStart(2, '0')}`;
}

/**
 * Connects to the room's overlay feed. `handlers.state` gets the whole current state on every
 * (re)connect, so a reloaded page or a restarted OBS shows the right thing at once.
 */
export function connect(handlers) {
  const socket = io('/overlay', {
    auth: { room: params.get('room'), token: params.get('token') },
    reconnectionDelayMax: 5000,
  });
  for (const [event, handler] of Object.entries(handlers)) socket.on(event, handler);
  // A server that says "disconnected" (an older version stopping, a token being changed) is not
  // retried by socket.io on its own; an overlay in OBS has nobody to reload it.
  socket.on('disconnect', (reason) => reason === 'io server disconnect' && setTimeout(() => socket.connect(), 3000));
  return socket;
}
