import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { AppError } from '../../errors.ts';

/**
 * Product photos, public like the overlays that show them: a photo's id is the SHA-256 of its
 * bytes, so it cannot be guessed, and its content never changes.
 */
const photos: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/photos/:id', { schema: { params: Type.Object({ id: Type.String({ pattern: '^[0-9a-f]{64}$' }) }) } }, async (req, reply) => {
    const photo = await app.store.photos.get(req.params.id);
    if (!photo) throw new AppError('PHOTO_NOT_FOUND');
    return reply
      .header('content-type', photo.mime)
      .header('cache-control', 'public, max-age=31536000, immutable')
      .header('x-content-type-options', 'nosniff')
      .header('content-security-policy', "default-src 'none'")
      .send(photo.bytes);
  });
};

export default photos;
