import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { TALLY_GROUPS } from '../../attribution/ledger.ts';
import { StringEnum } from '../schemas.ts';
import { periodOf, PeriodQuery } from '../period.ts';

export const TallyQuery = Type.Object({
  ...PeriodQuery.properties,
  groupBy: StringEnum(TALLY_GROUPS),
  roomId: Type.Optional(Type.Integer({ minimum: 1 })),
});

/**
 * Income per household, product or room: `netFen` counts every live claim, `paidNetFen` only
 * paid orders; `liftedNetFen` and `monitoredNetFen` are the parts that reached 脱贫户 and 监测户.
 */
const tallies: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/api/tallies', { schema: { querystring: Type.Object({ ...TallyQuery.properties, groupBy: Type.Optional(StringEnum(TALLY_GROUPS)) }) } }, async (req) =>
    app.store.tallies({ groupBy: req.query.groupBy ?? 'household', roomId: req.query.roomId, ...periodOf(req.query) }),
  );
};

export default tallies;
