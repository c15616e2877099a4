import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, onTestFinished } from 'vitest';
import { json, tempDir } from './helper.ts';
import { ROOT, startServer as start, type Started } from './process.ts';

let running: Started | undefined;
afterEach(() => {
  running?.proc.kill('SIGKILL');
  running = undefined;
});

describe('npm start, as a process', () => {
  it('seeds the demo, prints the admin token and overlay URLs, and serves the API with that token', async () => {
    running = await start({ DATABASE_URL: `file:${path.join(tempDir(), 'nongbo.db')}`, NONGBO_DEMO: '1' });
    const out = running.output();
    const token = /Admin token:\s+(\S+)/.exec(out)?.[1];
    expect(token).toMatch(/^[\w-]{32,}$/);
    expect(out).toMatch(new RegExp(`${running.base}/overlays/product\\?room=\\d+&token=`));

    expect(await fetch(`${running.base}/api/health`).then(json)).toEqual({ status: 'ok' });
    expect((await fetch(`${running.base}/api/products`)).status).toBe(401);
    const products = await fetch(`${running.base}/api/products`, { headers: { authorization: `Bearer ${token}` } }).then(json);
    expect(products.length).toBeGreaterThanOrEqual(3);
  });

  it.skipIf(process.platform === 'win32')('exits 0 within 10 s of SIGTERM, and data written before it stays', async () => {
    const databaseUrl = `file:${path.join(tempDir(), 'nongbo.db')}`;
    running = await start({ DATABASE_URL: databaseUrl, ADMIN_TOKEN: 'tok' });
    const headers = { authorization: 'Bearer tok', 'content-type': 'application/json' };
    const created = await fetch(`${running.base}/api/households`, { method: 'POST', headers, body: JSON.stringify({ name: '杨春燕' }) });
    expect(created.status).toBe(201);

    const t0 = Date.now();
    running.proc.kill('SIGTERM');
    const { code } = await running.exit;
    expect(code).toBe(0);
    expect(Date.now() - t0).toBeLessThan(10_000);

    running = await start({ DATABASE_URL: databaseUrl, ADMIN_TOKEN: 'tok' });
    const list = await fetch(`${running.base}/api/households`, { headers }).then(json);
    expect(list.map((h: { name: string }) => h.name)).toEqual(['杨春燕']);
    running.proc.kill('SIGINT');
    expect((await running.exit).code).toBe(0);
  });

  it('runs from the build `npm start` makes: plugins, migrations, pages and overlays found', async () => {
    // A build of its own (inside the checkout, so node_modules resolve): dist/ may be in use.
    const out = path.join(ROOT, 'test-output', `build-${process.pid}`);
    const build = spawn(process.execPath, ['scripts/build.mjs', '--outdir', out], { cwd: ROOT, stdio: 'inherit' });
    expect(await new Promise((resolve) => build.on('exit', resolve))).toBe(0);
    onTestFinished(() => fs.rmSync(out, { recursive: true, force: true }));
    running = await start({ DATABASE_URL: `file:${path.join(tempDir(), 'nongbo.db')}`, NONGBO_DEMO: '1', ADMIN_TOKEN: 'tok' }, { build: out });
    const headers = { authorization: 'Bearer tok' };
    const rooms = await fetch(`${running.base}/api/rooms`, { headers }).then(json);
    const simulator = rooms.find((r: { platform: string }) => r.platform === 'simulator');
    // The simulator plugin was loaded from dist/plugins and its room goes live.
    expect((await fetch(`${running.base}/api/rooms/${simulator.id}/connect`, { method: 'POST', headers })).status).toBe(200);
    await expect.poll(async () => (await fetch(`${running!.base}/api/rooms/${simulator.id}`, { headers }).then(json)).connection.state, { timeout: 10_000 }).toBe('live');
    const overlay = await fetch(`${running.base}/overlays/product?room=${simulator.id}&token=${simulator.overlayToken}`);
    expect(overlay.status).toBe(200);
    expect(await overlay.text()).toContain('<html');
    expect((await fetch(`${running.base}/login`)).status).toBe(200);
    // The segmenter loads from node_modules on first use.
    const asked = await fetch(`${running.base}/api/policy/ask?q=${encodeURIComponent('新农合一年交多少钱')}`, { headers }).then(json);
    expect(asked).toHaveProperty('answered');
  });

  it('hands out URLs on PUBLIC_URL', async () => {
    running = await start({ DATABASE_URL: 'file::memory:', NONGBO_DEMO: '1', PUBLIC_URL: 'http://192.168.8.8:3000' });
    expect(running.output()).toContain('http://192.168.8.8:3000/overlays/product?room=1&token=');
  });

  it('refuses a bad configuration with a clear message and exit code 1', async () => {
    const proc = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
      cwd: ROOT,
      env: { ...process.env, PORT: 'eighty' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    proc.stderr.on('data', (d) => (err += d));
    const code = await new Promise((resolve) => proc.on('exit', resolve));
    expect(code).toBe(1);
    expect(err).toContain('PORT');
  });
});
