/// <reference lib="dom" />
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.ts';
import { parseOrder } from '../../src/orders/parser.ts';
import { buildTestApp, call, say, setupShop, tempDatabaseUrl, type Shop } from '../helper.ts';
import { hasChromium, launch, shot, watch } from './chromium.ts';

const XSS = [
  ...fs.readFileSync(path.join(import.meta.dirname, '../fixtures/xss.dev.txt'), 'utf8').split('\n').filter(Boolean),
  '<a href="javascript:alert(1)">点我</a>',
  '</script><script>alert(1)</script>',
  '<img src=x onerror=alert(1)',
  '<details open ontoggle=alert(1)>',
  '<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>',
];

let app: App;
let shop: Shop;
let browser: Browser;

/** Elements carrying a payload in a live attribute, or script elements holding one. */
const injected = (page: Page) =>
  page.evaluate(
    () =>
      [...document.querySelectorAll('*')].filter(
        (e) =>
          [...e.attributes].some((a) => /^(on|src$|href$|data$|srcdoc$)/i.test(a.name) && /alert|javascript:/i.test(a.value)) ||
          (e.tagName === 'SCRIPT' && /alert\(/.test(e.textContent ?? '')) ||
          ['IFRAME', 'SVG', 'MATH', 'DETAILS', 'A', 'B'].includes(e.tagName.toUpperCase()),
      ).length,
  );
const text = (page: Page) => page.evaluate(() => document.body.innerText);
const overlay = (name: string) => (shop.room as unknown as { overlays: Record<string, string> }).overlays[name]!;

async function open(url: string) {
  const page = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
  const seen = watch(page);
  await page.goto(url);
  return { page, seen };
}

describe.skipIf(!hasChromium)('OBS overlays in Chromium', { timeout: 90_000 }, () => {
  beforeAll(async () => {
    app = await buildTestApp();
    await app.listen({ port: 0, host: '127.0.0.1' });
    shop = await setupShop(app);
    shop.room = (await call(app, 'GET', `/api/rooms/${shop.room.id}`)).body;
    browser = await launch();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  it('show the featured product as it changes, on a transparent page, and at once after a reload', async () => {
    const { page, seen } = await open(overlay('product'));
    await page.waitForFunction(() => document.body.innerText.includes('产品5'));
    await call(app, 'POST', `/api/rooms/${shop.room.id}/feature`, { code: 'A1' });
    await page.waitForFunction(() => document.body.innerText.includes('产品A1'));
    expect(await text(page)).toContain('评论 买A1号 2份');
    expect(await text(page)).toContain('李秀英（脱贫户）');
    const bg = await page.evaluate(() => [getComputedStyle(document.documentElement).backgroundColor, getComputedStyle(document.body).backgroundColor]);
    expect(bg).toEqual(['rgba(0, 0, 0, 0)', 'rgba(0, 0, 0, 0)']);
    await shot(page, 'overlay-product', true);

    await page.reload();
    await page.waitForFunction(() => document.body.innerText.includes('产品A1'), undefined, { timeout: 3000 });
    // Stock follows orders live.
    await say(app, shop.room.id, '买A1号 3份');
    await page.waitForFunction(() => document.body.innerText.includes('剩余 97'));
    expect(seen.errors).toEqual([]);
    await page.close();
  });

  it('scroll new orders through the ticker with the buyer masked', async () => {
    const { page, seen } = await open(overlay('orders'));
    await page.waitForTimeout(300);
    await say(app, shop.room.id, '买3号 2份', { name: '张三丰' });
    await page.waitForFunction(() => document.body.innerText.includes('产品3'));
    const shown = await text(page);
    expect(shown).toContain('张**');
    expect(shown).not.toContain('张三丰');
    await shot(page, 'overlay-orders', true);
    expect(seen.errors).toEqual([]);
    await page.close();
  });

  it('show the goal bar, a Q&A card and a featured chat message', async () => {
    await call(app, 'PATCH', `/api/rooms/${shop.room.id}`, { goalFen: 100_000 });
    const goal = await open(overlay('goal'));
    await say(app, shop.room.id, '+1');
    await goal.page.waitForFunction(() => document.body.innerText.includes('¥1000.00'));
    await shot(goal.page, 'overlay-goal', true);
    // A new goal shows at once, not with the next order (past the order's own refresh, 500 ms).
    await goal.page.waitForTimeout(800);
    await call(app, 'PATCH', `/api/rooms/${shop.room.id}`, { goalFen: 250_000 });
    await goal.page.waitForFunction(() => document.body.innerText.includes('¥2500.00'), undefined, { timeout: 3000 });

    const qa = await open(overlay('qa'));
    await qa.page.waitForTimeout(300);
    await call(app, 'POST', `/api/rooms/${shop.room.id}/test-event`, { kind: 'qa' });
    await qa.page.waitForFunction(() => document.body.innerText.includes('叠加层工作正常'));
    await shot(qa.page, 'overlay-qa', true);

    const chat = await open(overlay('chat'));
    await call(app, 'POST', `/api/rooms/${shop.room.id}/featured-chat`, { name: '李秀英', text: '蜂蜜收到了，很好吃！' });
    await chat.page.waitForFunction(() => document.body.innerText.includes('蜂蜜收到了'));
    await shot(chat.page, 'overlay-chat', true);
    await chat.page.reload();
    await chat.page.waitForFunction(() => document.body.innerText.includes('蜂蜜收到了'), undefined, { timeout: 3000 });
    for (const p of [goal, qa, chat]) {
      expect(p.seen.errors).toEqual([]);
      await p.page.close();
    }
  });

  it('never run hostile product names, nicknames, messages or stories', async () => {
    const pages = await Promise.all(['product', 'orders', 'chat'].map((n) => open(overlay(n))));
    const household = shop.households[0]!.id;
    for (const [i, payload] of XSS.entries()) {
      const code = `Z${i}`;
      await call(app, 'POST', '/api/products', { code, name: payload, unit: payload.slice(0, 20), priceFen: 100, stock: 9, story: payload, sources: [{ householdId: household, share: 1 }] });
      await call(app, 'POST', `/api/rooms/${shop.room.id}/feature`, { code });
      await say(app, shop.room.id, `买${code}号`, { name: payload });
      await call(app, 'POST', `/api/rooms/${shop.room.id}/featured-chat`, { name: payload, text: payload });
    }
    await pages[0]!.page.waitForFunction((last) => document.body.innerText.includes(last), XSS.at(-1)!.slice(0, 12));
    await new Promise((r) => setTimeout(r, 1000));
    for (const { page, seen } of pages) {
      expect(seen.dialogs).toEqual([]);
      expect(await injected(page)).toBe(0);
    }
    expect(await text(pages[2]!.page)).toContain(XSS.at(-1)!);
    await shot(pages[0]!.page, 'overlay-product-hostile', true);
    for (const { page } of pages) await page.close();
  });

  it('come back on their own after the server is stopped and started again (Ctrl-C, not a crash)', async () => {
    const databaseUrl = await tempDatabaseUrl();
    let own = await buildTestApp({ databaseUrl });
    const address = await own.listen({ port: 0, host: '127.0.0.1' });
    const ownShop = await setupShop(own);
    const url = ((await call(own, 'GET', `/api/rooms/${ownShop.room.id}`)).body as { overlays: Record<string, string> }).overlays.product!;
    const { page } = await open(url);
    try {
      await page.waitForFunction(() => document.body.innerText.includes('产品5'));
      // A graceful stop told every overlay "you are disconnected", which socket.io takes as
      // "do not reconnect": OBS kept showing the old product until each source was reloaded.
      await own.close();
      own = await buildTestApp({ databaseUrl });
      await own.listen({ port: Number(new URL(address).port), host: '127.0.0.1' });
      await call(own, 'POST', `/api/rooms/${ownShop.room.id}/feature`, { code: 'A1' });
      await page.waitForFunction(() => document.body.innerText.includes('产品A1'), undefined, { timeout: 15_000 });
    } finally {
      await page.close();
      await own.close();
    }
  });

  it('tell viewers, in either language, a comment the order parser takes', async () => {
    await call(app, 'POST', `/api/rooms/${shop.room.id}/feature`, { code: 'A1' });
    const codes = new Set(Object.keys(shop.products));
    for (const [lang, command] of [['zh', /评论 (.+)$/], ['en', /Comment "(.+)"/]] as const) {
      const { page } = await open(`${overlay('product')}&lang=${lang}`);
      await page.waitForSelector('.cta');
      const cta = await page.evaluate(() => document.querySelector('.cta')!.textContent!);
      // "buy A1 x2" sat in chat as chatter: the English call to action must be the grammar's own.
      const said = cta.match(command)?.[1] ?? '';
      expect(parseOrder(said, codes)).toMatchObject({ kind: 'order', code: 'A1', qty: 2 });
      expect(await page.evaluate(() => document.documentElement.lang)).toBe(lang === 'en' ? 'en' : 'zh-CN');
      await page.close();
    }
  });

  it('grow or shrink each widget from its own corner with ?scale=, and keep long text to a few lines', async () => {
    await call(app, 'POST', `/api/rooms/${shop.room.id}/feature`, { code: 'A1' });
    await say(app, shop.room.id, '买A1号', { name: '买'.repeat(30) });
    await call(app, 'POST', `/api/rooms/${shop.room.id}/featured-chat`, { name: '李秀英', text: '蜂蜜收到了，很好吃！'.repeat(30) });
    const box = async (name: string, scale: number, selector: string) => {
      const { page } = await open(`${overlay(name)}&scale=${scale}`);
      await page.waitForSelector(`${selector}:not(.hidden)`);
      await page.waitForTimeout(600); // the ticker's slide-in
      const b = await page.evaluate((s) => {
        const r = document.querySelector(s)!.getBoundingClientRect();
        return { left: Math.round(r.left), right: Math.round(r.right), top: Math.round(r.top), bottom: Math.round(r.bottom) };
      }, selector);
      await page.close();
      return b;
    };
    for (const scale of [0.5, 1, 1.5]) {
      const card = await box('product', scale, '.card');
      expect([card.left, card.bottom]).toEqual([48, 1032]);
      const ticker = await box('orders', scale, '.ticker');
      expect([ticker.right, ticker.top]).toEqual([1872, 160]);
      expect(ticker.bottom).toBeLessThanOrEqual(1080);
      const chat = await box('chat', scale, '.chat');
      expect(chat.bottom).toBe(1020);
      expect(chat.top).toBeGreaterThanOrEqual(0);
      expect(Math.round((chat.left + chat.right) / 2)).toBe(960);
      expect(chat.bottom - chat.top).toBeLessThanOrEqual(Math.ceil(scale * (3 * 60 + 44 + 2)));
    }
  });

  it('show nothing for a wrong token, and answer 401', async () => {
    const wrong = overlay('product').replace(/token=[^&]+/, 'token=wrong');
    expect((await fetch(wrong)).status).toBe(401);
    // The address with the file's own name (product.html) is the same overlay; an unknown one is not.
    expect((await fetch(overlay('product').replace('/overlays/product?', '/overlays/product.html?'))).status).toBe(200);
    expect((await fetch(overlay('product').replace('/overlays/product?', '/overlays/nothing.html?'))).status).toBe(404);
    const { page } = await open(wrong);
    expect(await text(page)).toBe('');
    await page.close();
  });
});
