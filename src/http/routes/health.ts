import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { AppError } from '../../errors.ts';

/**
 * Open to everyone: load balancers, OBS setup guides and the outside checks probe it. An instance
 * whose database does not answer is not healthy (503, the usual error shape): it can take no order.
 */
const health: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/api/health', { schema: { response: { 200: Type.Object({ status: Type.Literal('ok') }) } } }, async () => {
    if (!(await app.store.reachable())) throw new AppError('DATABASE_UNAVAILABLE', 'the health check got no answer from the database');
    return { status: 'ok' as const };
  });
};

export default health;
