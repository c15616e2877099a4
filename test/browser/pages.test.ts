/// <reference lib="dom" />
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.ts';
import { buildTestApp, call, say, tempDatabaseUrl, TOKEN } from '../helper.ts';
import { hasChromium, launch, shot, watch } from './chromium.ts';

let app: App;
let base: string;
let browser: Browser;

async function loggedIn(viewport = { width: 420, height: 860 }, at = base): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport, acceptDownloads: true });
  const page = await context.newPage();
  await page.goto(`${at}/panel`);
  expect(new URL(page.url()).pathname).toBe('/login');
  await page.fill('#token', TOKEN);
  await page.click('button[type=submit]');
  await page.waitForURL('**/panel');
  await page.close();
  return context;
}

describe.skipIf(!hasChromium)('control panel and dashboard in Chromium', { timeout: 90_000 }, () => {
  beforeAll(async () => {
    app = await buildTestApp({ demo: true });
    base = await app.listen({ port: 0, host: '127.0.0.1' });
    browser = await launch();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  it('logs in, features a product with one tap, and the product card overlay follows', async () => {
    const context = await loggedIn();
    const panel = await context.newPage();
    const seen = watch(panel);
    await panel.goto(`${base}/panel`);
    await panel.waitForSelector('#previews input[value*="room=1&"]');
    await panel.selectOption('#room', '2');
    // Wait for the second room to be drawn, so the tap lands on its buttons, not the first room's.
    await panel.waitForSelector('#previews input[value*="room=2&"]');

    const room = (await call(app, 'GET', '/api/rooms/2')).body;
    const overlay = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
    await overlay.goto(room.overlays.product);

    await panel.click('.product[data-code="3"]');
    await overlay.waitForFunction(() => document.body.innerText.includes('岩蜂土蜂蜜'));
    await panel.waitForSelector('.product.featured[data-code="3"]');

    // An order in chat shows up in the panel as it happens, and can be marked paid there.
    await say(app, 2, '+2', { name: '张三' });
    await panel.waitForSelector('[data-order] >> text=张三');
    await panel.click('[data-order] button:has-text("已付款")');
    await panel.waitForSelector('[data-order] >> text=已付款');
    const [order] = (await call(app, 'GET', '/api/orders?roomId=2')).body;
    expect(order.status).toBe('confirmed');
    // A nickname ending in a right-to-left override would show the rest of its row backwards.
    await say(app, 2, '+1', { name: '王\u202E' });
    await panel.waitForSelector('[data-order] >> text=王：');
    expect(await panel.evaluate(() => document.body.innerText)).not.toMatch(/[\u202A-\u202E\u2066-\u2069]/);

    // Cancelling takes two taps, and an order arriving in between (which redraws the list) does
    // not undo the first.
    const doomed = (await say(app, 2, '+1', { name: '周七' })).body.order;
    const cancel = `[data-order="${doomed.id}"] button.danger`;
    await panel.click(cancel);
    await panel.waitForSelector(`${cancel} >> text=确定取消？`);
    expect((await call(app, 'GET', `/api/orders/${doomed.id}`)).body.status).toBe('held');
    await say(app, 2, '+1', { name: '吴八' });
    await panel.waitForSelector('[data-order] >> text=吴八');
    await panel.click(cancel);
    await panel.waitForSelector(`[data-order="${doomed.id}"] >> text=已取消`);
    expect((await call(app, 'GET', `/api/orders/${doomed.id}`)).body.status).toBe('cancelled');

    // The featured chat card comes down from the panel.
    await call(app, 'POST', '/api/rooms/2/featured-chat', { name: '李秀英', text: '蜂蜜收到了' });
    const chatOverlay = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
    await chatOverlay.goto(room.overlays.chat);
    await chatOverlay.waitForFunction(() => document.body.innerText.includes('蜂蜜收到了'));
    await panel.click('#clear-chat');
    await chatOverlay.waitForFunction(() => !document.body.innerText.includes('蜂蜜收到了'));
    await chatOverlay.close();

    // The confirmation queue: accept a queued message.
    await say(app, 2, '买三', { name: '李四' });
    await panel.waitForSelector('text=确认下单');
    await panel.click('text=确认下单');
    await panel.waitForSelector('text=没有待确认的弹幕');

    await shot(panel, 'panel');
    expect(seen.errors).toEqual([]);
    await overlay.close();
    await context.close();
  });

  it('says when the server is gone, and catches up with what happened once it is back', async () => {
    const databaseUrl = await tempDatabaseUrl();
    let own = await buildTestApp({ databaseUrl, demo: true });
    const ownBase = await own.listen({ port: 0, host: '127.0.0.1' });
    const context = await loggedIn(undefined, ownBase);
    const panel = await context.newPage();
    try {
      await panel.goto(`${ownBase}/panel`);
      // The page is ready for a choice of room once the first one is drawn.
      await panel.waitForSelector('#previews input[value*="room=1&"]');
      await panel.selectOption('#room', '2');
      await panel.waitForSelector('#previews input[value*="room=2&"]');
      await own.close();
      await panel.waitForSelector('#state >> text=连不上服务器');
      // A tap meanwhile says so in Chinese, not "Failed to fetch".
      await panel.click('.product[data-code="3"]');
      await panel.waitForSelector('.toast >> text=连不上农播服务器');
      own = await buildTestApp({ databaseUrl, demo: true });
      await own.listen({ port: Number(new URL(ownBase).port), host: '127.0.0.1' });
      await say(own, 2, '买3号 2份', { name: '赵六' });
      await panel.waitForSelector('[data-order] >> text=赵六', { timeout: 15_000 });
      await panel.waitForFunction(() => document.querySelector('#state')?.textContent !== '连不上服务器');
    } finally {
      await context.close();
      await own.close();
    }
  });

  it('sends a page with a stale session to the login page', async () => {
    const context = await loggedIn();
    const page = await context.newPage();
    await page.goto(`${base}/panel`);
    await page.waitForSelector('.product');
    const [cookie] = await context.cookies();
    await app.inject({ method: 'DELETE', url: '/api/session', headers: { cookie: `${cookie!.name}=${cookie!.value}` } });
    await page.click('.product[data-code="1"]');
    await page.waitForURL('**/login?next=%2Fpanel');
    await page.goto(`${base}/dashboard`);
    expect(new URL(page.url()).pathname).toBe('/login');
    await context.close();
  });

  it('shows the month per household with a chart and downloads the Excel export', async () => {
    await say(app, 2, '买1号 3份', { name: '王五' });
    // A household name with a direction override must not show its label backwards in the chart.
    const [source] = (await call(app, 'GET', '/api/products/1')).body.sources as { householdId: number }[];
    const household = (await call(app, 'GET', `/api/households/${source!.householdId}`)).body;
    expect((await call(app, 'PATCH', `/api/households/${household.id}`, { name: `${household.name}\u202E` })).status).toBe(200);
    const context = await loggedIn({ width: 1280, height: 900 });
    const page = await context.newPage();
    const seen = watch(page);
    await page.goto(`${base}/dashboard`);
    await page.waitForSelector('#tallies tbody tr');
    expect(await page.locator('#chart rect.bar.monitored').count()).toBeGreaterThan(0);
    expect(await page.locator('#chart rect.bar.lifted').count()).toBeGreaterThan(0);
    const chartText = await page.evaluate(() => document.querySelector('#chart')!.textContent!);
    expect(chartText).toContain(household.name);
    expect(chartText).not.toMatch(/[\u202A-\u202E\u2066-\u2069]/);
    await shot(page, 'dashboard');

    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export-tallies-xlsx')]);
    const file = await download.path();
    expect(download.suggestedFilename()).toMatch(/\.xlsx$/);
    expect(fs.readFileSync(file).subarray(0, 2).toString()).toBe('PK');

    await page.click('[data-tab="households"]');
    await page.fill('#household-form [name=name]', '<img src=x onerror=alert(1)>');
    await page.click('#household-form button[type=submit]');
    await page.waitForSelector('#households >> text=<img src=x onerror=alert(1)>');
    await shot(page, 'dashboard-households');
    expect(seen.dialogs).toEqual([]);
    expect(seen.errors).toEqual([]);
    await context.close();
  });

  it('loads the knowledge base in the dashboard and answers the moderation queue from the panel', async () => {
    const context = await loggedIn({ width: 1280, height: 900 });
    const dashboard = await context.newPage();
    const seen = watch(dashboard);
    await dashboard.goto(`${base}/dashboard`);
    await dashboard.click('[data-tab="policy"]');
    await dashboard.setInputFiles('#kb-file', path.join(import.meta.dirname, '../fixtures/policy-kb.zh.json'));
    await dashboard.click('#kb-import button[type=submit]');
    await dashboard.waitForSelector('#kb >> text=loan-amount-term');
    await dashboard.fill('#kb-q', '小额信贷最多能贷多少钱？');
    await dashboard.click('#kb-ask button');
    await dashboard.waitForSelector('#kb-answer >> text=一般5万元以下');
    await dashboard.click('#kb tr:has-text("loan-amount-term") button:has-text("编辑")');
    await dashboard.selectOption('#kb-edit [name=status]', 'draft');
    await dashboard.click('#kb-edit button[type=submit]');
    await dashboard.waitForSelector('#kb tr:has-text("loan-amount-term") >> text=草稿');
    expect((await call(app, 'GET', '/api/policy/entries/loan-amount-term')).body.status).toBe('draft');
    await shot(dashboard, 'dashboard-policy');
    expect(seen.errors).toEqual([]);

    const room = (await call(app, 'POST', '/api/rooms', { name: '政策直播间', platform: 'push', qa: true })).body;
    const panel = await context.newPage();
    await panel.goto(`${base}/panel`);
    await panel.waitForSelector('#previews input[value*="room=1&"]');
    await panel.selectOption('#room', String(room.id));
    await panel.waitForSelector('#qa-section:not([hidden])');
    await say(app, room.id, '贷款的事找谁办？', { name: '老杨' });
    await panel.waitForSelector('[data-question] >> text=贷款的事找谁办？');
    await panel.fill('[data-question] input[placeholder]', '到村委会找第一书记登记。');
    await panel.click('[data-question] button:has-text("回答")');
    await panel.waitForSelector('text=没有待回答的问题');
    const [answered] = (await call(app, 'GET', `/api/questions?roomId=${room.id}&status=answered_by_official`)).body;
    expect(answered.answer).toBe('到村委会找第一书记登记。');

    // Answered with an approved entry the official picks, and the viewer's words learned.
    await say(app, room.id, '扶贫贷想翻修老屋，中不中？', { name: '老孙' });
    await panel.waitForSelector('[data-question] >> text=扶贫贷想翻修老屋');
    // On a phone the row fits the screen: an entry list as wide as its longest entry pushed the
    // answer button off to the right and let the page scroll sideways.
    await panel.setViewportSize({ width: 390, height: 844 });
    expect(await panel.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await shot(panel, 'panel-questions');
    await panel.setViewportSize({ width: 1280, height: 900 });
    const row = '[data-question]:has-text("扶贫贷想翻修老屋")';
    await panel.selectOption(`${row} select`, 'loan-use');
    await panel.fill(`${row} input[placeholder]`, '半句');
    // Another question redraws the queue: the entry the official chose stays chosen, and the
    // half-typed answer keeps its focus (on a phone, the keyboard stays open).
    await say(app, room.id, '低保的事找谁办？', { name: '老钱' });
    await panel.waitForSelector('[data-question] >> text=低保的事找谁办？');
    expect(await panel.inputValue(`${row} select`)).toBe('loan-use');
    expect(await panel.evaluate(() => (document.activeElement as HTMLInputElement | null)?.value)).toBe('半句');
    await panel.click(`${row} button:has-text("用条目回答")`);
    await panel.waitForSelector(row, { state: 'detached' });
    await panel.click('[data-question] button:has-text("忽略")');
    await panel.waitForSelector('text=没有待回答的问题');
    const byEntry = (await call(app, 'GET', `/api/questions?roomId=${room.id}&status=answered_by_official`)).body.find((q: { text: string }) => q.text.startsWith('扶贫贷'));
    expect(byEntry).toMatchObject({ answeredEntryId: 'loan-use', answer: '只能用于发展生产，不能盖房、办婚事或转借他人' });
    expect((await call(app, 'GET', '/api/policy/entries/loan-use')).body.questions).toContain('扶贫贷想翻修老屋，中不中？');
    // The dashboard shows the official which of the entry's questions were learned.
    await dashboard.click('#kb tr:has-text("loan-use") button:has-text("编辑")');
    await dashboard.waitForSelector('#kb-learned:not([hidden]) >> text=扶贫贷想翻修老屋');
    // …and edits the entry as it is now, learned question included, not as the list loaded it.
    expect(await dashboard.inputValue('#kb-edit [name=questions]')).toContain('扶贫贷想翻修老屋，中不中？');
    await context.close();
  });

  // The panel fetches the entries that can answer once a minute, not per question; a row that
  // waits longer offers what can answer now. The page's clock is Playwright's, moved on by hand.
  it('offers a waiting question the entries that can answer now, fetched again after a minute', async () => {
    const context = await loggedIn();
    const panel = await context.newPage();
    await panel.clock.install();
    const seen = watch(panel);
    const room = (await call(app, 'POST', '/api/rooms', { name: '政策直播间（二）', platform: 'push', qa: true })).body;
    await panel.goto(`${base}/panel`);
    await panel.waitForSelector('#previews input[value*="room=1&"]');
    await panel.selectOption('#room', String(room.id));
    await panel.waitForSelector('#qa-section:not([hidden])');
    await say(app, room.id, '贷款的事找谁办？', { name: '老周' });
    const row = '[data-question]:has-text("老周")';
    await panel.waitForSelector(`${row} select option[value="coop-setup"]`, { state: 'attached' });
    await panel.selectOption(`${row} select`, 'coop-setup');

    // The official withdraws the entry (back to draft): it can no longer answer.
    const { id: _, ...entry } = (await call(app, 'GET', '/api/policy/entries/coop-setup')).body;
    for (const key of ['region', 'effectiveFrom', 'effectiveTo']) if (entry[key] === null) delete entry[key];
    expect((await call(app, 'PUT', '/api/policy/entries/coop-setup', { ...entry, status: 'draft' })).status).toBe(200);
    try {
      // Within the minute a new question redraws the queue from what was fetched: the row is as it was.
      await say(app, room.id, '低保的事找谁办？', { name: '老吴' });
      await panel.waitForSelector('[data-question] >> text=老吴');
      expect(await panel.inputValue(`${row} select`)).toBe('coop-setup');
      // A minute on, the next question fetches the entries again: the withdrawn one is no longer offered.
      // (The wall clock only: firing a minute of timers at once would time out the overlay socket.)
      await panel.clock.setSystemTime(Date.now() + 61_000);
      await say(app, room.id, '医保的事找谁办？', { name: '老郑' });
      await panel.waitForSelector('[data-question] >> text=老郑');
      await panel.waitForSelector(`${row} select option[value="coop-setup"]`, { state: 'detached' });
      expect(await panel.inputValue(`${row} select`)).toBe('');
      expect(await panel.locator(`${row} select option`).count()).toBeGreaterThan(10);
      expect(seen.errors).toEqual([]);
    } finally {
      // Later tests see the demo knowledge base whole.
      await call(app, 'PUT', '/api/policy/entries/coop-setup', entry);
      await context.close();
    }
  });

  it('keeps the official’s local words and the subjects the knowledge base leaves to them', async () => {
    const context = await loggedIn({ width: 1280, height: 900 });
    const dashboard = await context.newPage();
    const seen = watch(dashboard);
    await dashboard.goto(`${base}/dashboard`);
    await dashboard.click('[data-tab="policy"]');
    await dashboard.waitForSelector('#kb-builtin >> text=住房公积金');
    // Before: family-planning support shares 农村, 60岁 and 补助 with the vocational-school subsidy, and gets its answer.
    const q = '农村独生子女父母到60岁有补助吗';
    expect((await call(app, 'GET', `/api/policy/ask?q=${encodeURIComponent(q)}`)).body.answered).toBe(true);
    await dashboard.fill('#kb-words [name=synonyms]', '农医=城乡居民医保，新农合\n缺了等号');
    await dashboard.fill('#kb-words [name=outside]', '独生子女');
    await dashboard.click('#kb-words button[type=submit]');
    // A line the page cannot read is named, and nothing is saved.
    await dashboard.waitForSelector('.toast >> text=第 2 行');
    expect((await call(app, 'GET', '/api/policy/outside')).body.custom).toEqual([]);
    await dashboard.fill('#kb-words [name=synonyms]', '农医=城乡居民医保，新农合');
    await dashboard.click('#kb-words button[type=submit]');
    await dashboard.waitForSelector('.toast >> text=词表已保存');
    expect((await call(app, 'GET', '/api/policy/synonyms')).body.custom).toEqual({ 农医: ['城乡居民医保', '新农合'] });
    expect((await call(app, 'GET', '/api/policy/outside')).body.custom).toEqual(['独生子女']);
    await dashboard.fill('#kb-q', q);
    await dashboard.click('#kb-ask button');
    await dashboard.waitForSelector('#kb-answer >> text=不回答');
    await dashboard.fill('#kb-q', '农医在哪里交钱');
    await dashboard.click('#kb-ask button');
    await dashboard.waitForSelector('#kb-answer >> text=匹配度');
    expect(await dashboard.textContent('#kb-answer')).not.toContain('不回答');
    // A word the server refuses (a question word) saves neither list.
    await dashboard.fill('#kb-words [name=synonyms]', '农医=城乡居民医保');
    await dashboard.fill('#kb-words [name=outside]', '独生子女\n怎么');
    await dashboard.click('#kb-words button[type=submit]');
    await dashboard.waitForSelector('.toast >> text=不能是“怎么”');
    expect(await dashboard.locator('.toast', { hasText: '不能是“怎么”' }).textContent()).toContain('#2 “怎么”');
    expect((await call(app, 'GET', '/api/policy/synonyms')).body.custom).toEqual({ 农医: ['城乡居民医保', '新农合'] });
    // Reloaded, the page shows what was saved.
    await dashboard.reload();
    await dashboard.click('[data-tab="policy"]');
    await dashboard.waitForFunction(() => (document.querySelector('#kb-words [name=outside]') as HTMLTextAreaElement).value === '独生子女');
    expect(await dashboard.inputValue('#kb-words [name=synonyms]')).toBe('农医=城乡居民医保，新农合');
    // The refused PUT is the browser's one console error ("400 (Bad Request)"); nothing threw.
    expect(seen.errors.filter((e) => !e.includes('400'))).toEqual([]);
    await context.close();
  });
  it('runs the cooperative’s day from the dashboard: a new room, a product edited, an order paid, shipped and completed', async () => {
    const context = await loggedIn({ width: 1280, height: 900 });
    const page = await context.newPage();
    const seen = watch(page);
    await page.goto(`${base}/dashboard`);

    // A Bilibili room: the form asks for the platform's own settings, read from its plugin.
    await page.click('[data-tab="rooms"]');
    await page.waitForSelector('#room-platform option[value="bilibili"]', { state: 'attached' });
    await page.fill('#room-form [name=name]', '<b>周末</b>专场');
    await page.selectOption('#room-platform', 'bilibili');
    await page.waitForSelector('#room-settings input[name=roomId][required]');
    expect(await page.getAttribute('#room-settings input[name=key]', 'type')).toBe('password');
    await page.fill('#room-settings input[name=roomId]', '21452505');
    await page.fill('#room-form [name=fee]', '5.5');
    await page.check('#room-form [name=qa]');
    await page.click('#room-form button[type=submit]');
    await page.waitForSelector('#rooms >> text=<b>周末</b>专场');
    const rooms = (await call(app, 'GET', '/api/rooms')).body as { name: string; platform: string; config: object; platformFeeRate: number; qa: boolean }[];
    expect(rooms.find((r) => r.name === '<b>周末</b>专场')).toMatchObject({ platform: 'bilibili', config: { roomId: '21452505' }, platformFeeRate: 0.055, qa: true });
    // A setting the plugin refuses is said in Chinese, and nothing is created.
    await page.selectOption('#room-platform', 'douyin');
    await page.fill('#room-form [name=name]', '抖音专场');
    await page.fill('#room-settings input[name=roomId]', '7300000000000000001');
    await page.fill('#room-settings input[name=secret]', 's');
    await page.fill('#room-form [name=fee]', '150');
    await page.click('#room-form button[type=submit]');
    await page.waitForSelector('.toast >> text=平台费率要在 0 到 100 之间');
    await shot(page, 'dashboard-rooms');
    expect((await call(app, 'GET', '/api/rooms')).body.some((r: { name: string }) => r.name === '抖音专场')).toBe(false);

    // Product 2 edited in place: price, stock and a second source household.
    await page.click('[data-tab="products"]');
    // Adding, not editing: no photo to pick (it would have nowhere to go yet), nothing to cancel.
    await page.waitForSelector('#products tr:has-text("土鸡蛋")');
    expect(await page.isVisible('#product-photo')).toBe(false);
    expect(await page.isVisible('#product-cancel')).toBe(false);
    await page.click('#products tr:has-text("土鸡蛋") button:has-text("编辑")');
    expect(await page.inputValue('#product-form [name=code]')).toBe('2');
    await page.fill('#product-form [name=price]', '46.5');
    await page.fill('#product-form [name=stock]', '77');
    const before = (await call(app, 'GET', '/api/products?limit=100')).body.find((p: { code: string }) => p.code === '2');
    const households = (await call(app, 'GET', '/api/households')).body as { id: number }[];
    const another = households.find((hh) => !before.sources.some((s: { householdId: number }) => s.householdId === hh.id))!;
    await page.click('#add-source');
    await page.selectOption('#source-rows .source:last-child select', String(another.id));
    await page.fill('#source-rows .source:last-child input', '3');
    await shot(page, 'dashboard-product-edit');
    await page.click('#product-submit');
    await page.waitForSelector('#products tr:has-text("土鸡蛋") >> text=77');
    const eggs = (await call(app, 'GET', '/api/products?limit=100')).body.find((p: { code: string }) => p.code === '2');
    expect(eggs).toMatchObject({ priceFen: 4650, stock: 77 });
    expect(eggs.sources.map((s: { householdId: number; share: number }) => [s.householdId, s.share])).toEqual([
      ...before.sources.map((s: { householdId: number; share: number }) => [s.householdId, s.share]),
      [another.id, 3],
    ]);
    expect(await page.textContent('#product-submit')).toBe('添加商品');
    // Chat keeps selling while the form is open: saving a new price must not give back the stock
    // the form loaded (77) after a buyer took one.
    await page.click('#products tr:has-text("土鸡蛋") button:has-text("编辑")');
    expect((await say(app, 1, '买2号', { name: '孙八' })).body.order.status).toBe('held');
    await page.fill('#product-form [name=price]', '47');
    await page.click('#product-submit');
    await page.waitForSelector('#products tr:has-text("土鸡蛋") >> text=¥47.00');
    expect((await call(app, 'GET', `/api/products/${eggs.id}`)).body).toMatchObject({ priceFen: 4700, stock: 76 });

    // An order through its life by hand: paid, shipped, completed, each one tap.
    const { body: placed } = await say(app, 1, '买2号 2份', { name: '钱七' });
    const id = placed.order.id as number;
    await page.click('[data-tab="orders"]');
    const row = `#orders tr[data-order-id="${id}"]`;
    // A double tap is one step: the next step's button, drawn where the first was within
    // milliseconds, must not take the second tap a quarter of a second later.
    const paid = await page.locator(`${row} button:has-text("已付款")`).boundingBox();
    await page.mouse.click(paid!.x + paid!.width / 2, paid!.y + paid!.height / 2);
    await new Promise((r) => setTimeout(r, 250));
    await page.mouse.click(paid!.x + paid!.width / 2, paid!.y + paid!.height / 2);
    await page.waitForSelector(`${row} td:nth-child(7) >> text=已付款`);
    await page.waitForSelector(`${row} button:has-text("发货"):not([disabled])`);
    expect((await call(app, 'GET', `/api/orders/${id}`)).body.status).toBe('confirmed');
    for (const [button, status, shown] of [['发货', 'shipped', '已发货'], ['完成', 'completed', '已完成']] as const) {
      await page.click(`${row} button:has-text("${button}")`);
      await page.waitForSelector(`${row} td:nth-child(7) >> text=${shown}`);
      expect((await call(app, 'GET', `/api/orders/${id}`)).body.status).toBe(status);
    }
    expect(await page.locator(`${row} button`).count()).toBe(0);
    await shot(page, 'dashboard-orders');
    // On a phone the page never scrolls sideways: a wide table scrolls inside its card.
    await page.setViewportSize({ width: 390, height: 844 });
    for (const tab of ['orders', 'products', 'rooms', 'households', 'tallies']) {
      await page.click(`[data-tab="${tab}"]`);
      await page.waitForTimeout(300);
      expect([tab, await page.evaluate(() => document.documentElement.scrollWidth)]).toEqual([tab, 390]);
    }
    expect(seen.dialogs).toEqual([]);
    expect(seen.errors).toEqual([]);
    await context.close();
  });
});
