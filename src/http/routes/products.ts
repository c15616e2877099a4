import crypto from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { AppError } from '../../errors.ts';
import { POVERTY_STATUSES } from '../../households/household.ts';
import { MAX_PHOTO_BYTES, sniffPhotoType } from '../../photos/photo.ts';
import { checkSources, normalizeCode, type Product } from '../../products/product.ts';
import { DateTime, IdParams, Name, Nullable, PageQuery, StringEnum } from '../schemas.ts';

const Source = Type.Object(
  {
    householdId: Type.Integer({ minimum: 1 }),
    // Weights, not percentages: 2 and 1 mean two thirds and one third.
    share: Type.Number({ exclusiveMinimum: 0, maximum: 1_000_000 }),
  },
  { additionalProperties: false },
);

const ProductFields = {
  code: Type.String({ minLength: 1, maxLength: 20 }),
  name: Name,
  unit: Type.String({ minLength: 1, maxLength: 20, pattern: '\\S' }),
  // Up to one million yuan a unit: far beyond any farm product, far below unsafe integers.
  priceFen: Type.Integer({ minimum: 0, maximum: 100_000_000 }),
  stock: Type.Integer({ minimum: 0, maximum: 10_000_000 }),
  story: Type.Optional(Nullable(Type.String({ maxLength: 2000 }))),
  sources: Type.Array(Source, { minItems: 1, maxItems: 200 }),
};

const ProductBody = Type.Object(ProductFields, { additionalProperties: false });
const ProductPatch = Type.Partial(ProductBody, { additionalProperties: false, minProperties: 1 });

export const ProductView = Type.Object({
  id: Type.Integer(),
  code: Type.String(),
  name: Type.String(),
  unit: Type.String(),
  priceFen: Type.Integer(),
  stock: Type.Integer(),
  story: Nullable(Type.String()),
  photoUrl: Nullable(Type.String()),
  sources: Type.Array(
    Type.Object({
      householdId: Type.Integer(),
      householdName: Type.String(),
      povertyStatus: StringEnum(POVERTY_STATUSES),
      share: Type.Number(),
    }),
  ),
  createdAt: DateTime,
  updatedAt: DateTime,
});

export const productView = (publicUrl: string, p: Product) => ({
  ...p,
  photoUrl: p.photoId ? `${publicUrl}/photos/${p.photoId}` : null,
});

/** Products with their source households, and their photos. */
const products: FastifyPluginAsyncTypebox = async (app) => {
  const { store, catalog, orders } = app;
  const view = (p: Product) => productView(app.publicUrl(), p);

  app.post('/api/products', { schema: { body: ProductBody, response: { 201: ProductView } } }, async (req, reply) => {
    const code = normalizeCode(req.body.code);
    checkSources(req.body.sources);
    const product = await store.products.create({ ...req.body, code });
    catalog.invalidate();
    reply.code(201);
    return view(product);
  });

  app.get('/api/products', { schema: { querystring: PageQuery, response: { 200: Type.Array(ProductView) } } }, async (req) =>
    (await store.products.list(req.query)).map(view),
  );

  app.get('/api/products/:id', { schema: { params: IdParams, response: { 200: ProductView } } }, async (req) => {
    const product = await store.products.get(req.params.id);
    if (!product) throw new AppError('PRODUCT_NOT_FOUND', String(req.params.id));
    return view(product);
  });

  app.patch('/api/products/:id', { schema: { params: IdParams, body: ProductPatch, response: { 200: ProductView } } }, async (req) => {
    const { code, sources, stock, ...rest } = req.body;
    if (sources) checkSources(sources);
    const updated = await store.products.update(req.params.id, { ...rest, ...(sources && { sources }), ...(code !== undefined && { code: normalizeCode(code) }) });
    catalog.invalidate();
    if (stock === undefined) return view(updated);
    // Through the order write path: more stock first serves the buyers waiting for it.
    await orders.setStock(updated.id, stock);
    return view((await store.products.get(updated.id))!);
  });

  app.delete('/api/products/:id', { schema: { params: IdParams } }, async (req, reply) => {
    await store.products.remove(req.params.id);
    catalog.invalidate();
    return reply.code(204).send();
  });

  // multipart/form-data with one image file (any field name).
  app.post('/api/products/:id/photo', { schema: { params: IdParams, response: { 200: ProductView } } }, async (req) => {
    if (!req.isMultipart()) throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'send the photo as multipart/form-data');
    const file = await req.file({ limits: { fileSize: MAX_PHOTO_BYTES, files: 1 } });
    if (!file) throw new AppError('PHOTO_MISSING');
    const bytes = await file.toBuffer();
    // busboy may mark the stream truncated only after the last chunk, past toBuffer's own check.
    if (file.file.truncated) throw new AppError('PHOTO_TOO_LARGE', `over ${MAX_PHOTO_BYTES / 1024 / 1024} MB`, `不能超过 ${MAX_PHOTO_BYTES / 1024 / 1024} MB`);
    if (bytes.length === 0) throw new AppError('PHOTO_MISSING', 'the file is empty');
    const mime = sniffPhotoType(bytes);
    if (!mime) throw new AppError('PHOTO_UNSUPPORTED_TYPE', `got ${JSON.stringify(file.mimetype)}`, '这个文件的内容不是这几种图片');
    const id = crypto.createHash('sha256').update(bytes).digest('hex');
    return view(await store.products.setPhoto(req.params.id, { id, mime, bytes, createdAt: new Date() }));
  });

  app.delete('/api/products/:id/photo', { schema: { params: IdParams, response: { 200: ProductView } } }, async (req) =>
    view(await store.products.setPhoto(req.params.id, null)),
  );
};

export default products;
