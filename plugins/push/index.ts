import { Type } from 'typebox';
import { definePlugin } from '../../src/adapters/plugin.ts';

/**
 * Chat posted to `POST /api/rooms/:id/messages` by a script or another tool. There is nothing to
 * connect to: the room takes messages at any time.
 */
export default definePlugin({
  platform: 'push',
  label: '接口推送',
  configSchema: Type.Object({}),
  silenceMs: Number.POSITIVE_INFINITY,
  create: (ctx) => ({
    open: () => ctx.live(),
    close: async () => {},
  }),
});
