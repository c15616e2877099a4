import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../src/app.ts';
import { auth, buildTestApp, createProduct, json } from './helper.ts';

/** A real 2×2 RGB PNG, built chunk by chunk. */
function png(): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(zlib.crc32(body));
    return Buffer.concat([len, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(2, 0);
  header.writeUInt32BE(2, 4);
  header.set([8, 2, 0, 0, 0], 8);
  const rows = Buffer.from([0, 200, 60, 40, 90, 160, 60, 0, 240, 200, 80, 30, 30, 30]);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', zlib.deflateSync(rows)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

let app: App;
let base: string;
beforeAll(async () => {
  app = await buildTestApp();
  base = await app.listen({ port: 0, host: '127.0.0.1' });
});
afterAll(() => app.close());

async function upload(productId: number, bytes: Buffer, type: string, filename = 'photo.png') {
  const form = new FormData();
  form.append('photo', new Blob([new Uint8Array(bytes)], { type }), filename);
  const res = await fetch(`${base}/api/products/${productId}/photo`, { method: 'POST', headers: auth, body: form });
  return { status: res.status, body: await json(res) };
}

describe('product photos (multipart, over a real socket)', () => {
  it('stores an uploaded PNG and serves the same bytes back with its type', async () => {
    const product = await createProduct(app, { code: '11' });
    const bytes = png();
    const res = await upload(product.id, bytes, 'image/png');
    expect(res.status).toBe(200);
    expect(res.body.photoUrl).toMatch(new RegExp(`^${base}/photos/[0-9a-f]{64}$`));

    const served = await fetch(res.body.photoUrl);
    expect(served.status).toBe(200);
    expect(served.headers.get('content-type')).toBe('image/png');
    expect(served.headers.get('x-content-type-options')).toBe('nosniff');
    expect(Buffer.from(await served.arrayBuffer()).equals(bytes)).toBe(true);
  });

  it('trusts the bytes, not the label: a PNG sent as octet-stream is stored as image/png', async () => {
    const product = await createProduct(app, { code: '12' });
    const res = await upload(product.id, png(), 'application/octet-stream', 'x.bin');
    expect(res.status).toBe(200);
    expect((await fetch(res.body.photoUrl)).headers.get('content-type')).toBe('image/png');
  });

  it.each([
    ['an SVG with a script', Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'), 'image/svg+xml'],
    ['HTML labelled as a PNG', Buffer.from('<html><script>alert(1)</script></html>'), 'image/png'],
    ['a text file', Buffer.from('just text'), 'text/plain'],
  ])('refuses %s with 415 and keeps the old photo', async (_label, bytes, type) => {
    const product = await createProduct(app, { code: String(100 + bytes.length) });
    const first = await upload(product.id, png(), 'image/png');
    const res = await upload(product.id, bytes, type);
    expect([res.status, res.body.error.code]).toEqual([415, 'PHOTO_UNSUPPORTED_TYPE']);
    expect(res.body.error.messageZh).toBe('只支持 JPEG、PNG、WebP、GIF 图片：这个文件的内容不是这几种图片');
    const after = await fetch(`${base}/api/products/${product.id}`, { headers: auth }).then(json);
    expect(after.photoUrl).toBe(first.body.photoUrl);
  });

  it('refuses a photo over 5 MB with 413', async () => {
    const product = await createProduct(app, { code: '13' });
    const big = Buffer.concat([png(), Buffer.alloc(5 * 1024 * 1024 + 10)]);
    const res = await upload(product.id, big, 'image/png');
    expect([res.status, res.body.error.code]).toEqual([413, 'PHOTO_TOO_LARGE']);
    // The limit, in the dashboard's language, not Fastify's "request file too large".
    expect(res.body.error.messageZh).toBe('图片太大：不能超过 5 MB');
    const after = await fetch(`${base}/api/products/${product.id}`, { headers: auth }).then(json);
    expect(after.photoUrl).toBeNull();
  });

  it('refuses a JSON body, an empty form and an unknown product', async () => {
    const product = await createProduct(app, { code: '14' });
    const json = await fetch(`${base}/api/products/${product.id}/photo`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(json.status).toBe(415);
    const empty = await fetch(`${base}/api/products/${product.id}/photo`, { method: 'POST', headers: auth, body: new FormData() });
    expect(empty.status).toBe(400);
    expect((await upload(999_999, png(), 'image/png')).status).toBe(404);
  });

  it('needs the admin token to upload but not to view', async () => {
    const product = await createProduct(app, { code: '15' });
    const form = new FormData();
    form.append('photo', new Blob([new Uint8Array(png())], { type: 'image/png' }), 'p.png');
    expect((await fetch(`${base}/api/products/${product.id}/photo`, { method: 'POST', body: form })).status).toBe(401);
    expect((await fetch(`${base}/photos/${'0'.repeat(64)}`)).status).toBe(404);
    expect((await fetch(`${base}/photos/not-a-hash`)).status).toBe(400);
  });

  it('clears a photo and drops the stored bytes when nothing else uses them', async () => {
    const product = await createProduct(app, { code: '16' });
    const photo = png().subarray(0); // same bytes as other tests: shared rows must survive
    const uploaded = await upload(product.id, Buffer.concat([photo, Buffer.from('unique-tail')]), 'image/png');
    const cleared = await fetch(`${base}/api/products/${product.id}/photo`, { method: 'DELETE', headers: auth }).then(json);
    expect(cleared.photoUrl).toBeNull();
    expect((await fetch(uploaded.body.photoUrl)).status).toBe(404);
  });
});
