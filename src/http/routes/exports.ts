import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { AppError } from '../../errors.ts';
import { exportOrders, exportQuestions, exportTallies, type Format } from '../../exports/build.ts';
import { EXPORT_KINDS } from '../../exports/schedule.ts';
import { ORDER_STATUSES } from '../../orders/order.ts';
import { fileStamp } from '../../time.ts';
import { periodOf, PeriodQuery } from '../period.ts';
import { DateTime, Nullable, StringEnum } from '../schemas.ts';
import { TallyQuery } from './tallies.ts';

const CONTENT_TYPES: Record<Format, string> = {
  csv: 'text/csv; charset=utf-8',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
};

const FormatParams = Type.Object({ format: StringEnum(['csv', 'xlsx'] as const) });

const Schedule = Type.Object(
  {
    cron: Type.String({ minLength: 9, maxLength: 100 }),
    kinds: Type.Array(StringEnum(EXPORT_KINDS), { minItems: 1, uniqueItems: true }),
    retain: Type.Integer({ minimum: 1, maximum: 1000 }),
  },
  { additionalProperties: false },
);

/** Files for Excel (CSV with BOM and XLSX, Chinese headers), and the export schedule. */
const exportsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { store, exportScheduler } = app;

  const attachment = (title: string, kind: string, format: Format) => {
    const stamp = fileStamp(new Date());
    return `attachment; filename="nongbo-${kind}-${stamp}.${format}"; filename*=UTF-8''${encodeURIComponent(`${title}-${stamp}.${format}`)}`;
  };

  app.get(
    '/api/exports/orders.:format',
    {
      schema: {
        params: FormatParams,
        querystring: Type.Object({
          ...PeriodQuery.properties,
          roomId: Type.Optional(Type.Integer({ minimum: 1 })),
          householdId: Type.Optional(Type.Integer({ minimum: 1 })),
          status: Type.Optional(StringEnum(ORDER_STATUSES)),
        }),
      },
    },
    async (req, reply) => {
      const { format } = req.params;
      const { roomId, householdId, status } = req.query;
      const body = await exportOrders(store, { roomId, householdId, status, ...periodOf(req.query) }, format);
      return reply.header('content-type', CONTENT_TYPES[format]).header('content-disposition', attachment('订单', 'orders', format)).send(body);
    },
  );

  app.get(
    '/api/exports/tallies.:format',
    {
      schema: {
        params: FormatParams,
        querystring: Type.Object({
          ...TallyQuery.properties,
          groupBy: Type.Optional(TallyQuery.properties.groupBy),
          // Full phone numbers only when asked for: exports travel by WeChat and USB stick.
          phones: Type.Optional(StringEnum(['masked', 'full'] as const)),
        }),
      },
    },
    async (req, reply) => {
      const { format } = req.params;
      const { groupBy = 'household', roomId, phones } = req.query;
      const body = await exportTallies(store, { groupBy, roomId, ...periodOf(req.query) }, format, phones === 'full');
      return reply.header('content-type', CONTENT_TYPES[format]).header('content-disposition', attachment('收入统计', 'tallies', format)).send(body);
    },
  );

  app.get(
    '/api/exports/questions.:format',
    {
      schema: {
        params: FormatParams,
        querystring: Type.Object({
          ...PeriodQuery.properties,
          roomId: Type.Optional(Type.Integer({ minimum: 1 })),
          liveSessionId: Type.Optional(Type.Integer({ minimum: 1 })),
        }),
      },
    },
    async (req, reply) => {
      const { format } = req.params;
      const body = await exportQuestions(store, { roomId: req.query.roomId, liveSessionId: req.query.liveSessionId, ...periodOf(req.query) }, format);
      return reply.header('content-type', CONTENT_TYPES[format]).header('content-disposition', attachment('观众提问', 'questions', format)).send(body);
    },
  );

  app.get('/api/exports/schedule', { schema: { response: { 200: Type.Object({ schedule: Nullable(Schedule) }) } } }, async () => ({
    schedule: await exportScheduler.get(),
  }));

  app.put('/api/exports/schedule', { schema: { body: Type.Object({ schedule: Nullable(Schedule) }, { additionalProperties: false }) } }, async (req) => {
    await exportScheduler.set(req.body.schedule);
    return { schedule: req.body.schedule };
  });

  app.post(
    '/api/exports/run',
    { schema: { body: Type.Object({ kinds: Type.Optional(Schedule.properties.kinds), retain: Type.Optional(Schedule.properties.retain) }, { additionalProperties: false }) } },
    async (req) => {
      const schedule = await exportScheduler.get();
      const written = await exportScheduler.runNow(req.body.kinds ?? schedule?.kinds ?? [...EXPORT_KINDS], req.body.retain ?? schedule?.retain ?? 30);
      return { written };
    },
  );

  app.get(
    '/api/exports/files',
    { schema: { response: { 200: Type.Array(Type.Object({ name: Type.String(), size: Type.Integer(), createdAt: DateTime })) } } },
    async () => exportScheduler.files(),
  );

  app.get('/api/exports/files/:name', { schema: { params: Type.Object({ name: Type.String({ pattern: '^nongbo-[\\w-]+\\.(csv|xlsx)$' }) }) } }, async (req, reply) => {
    const file = await exportScheduler.file(req.params.name);
    if (!file) throw new AppError('EXPORT_FILE_NOT_FOUND', req.params.name);
    const format = req.params.name.endsWith('.csv') ? 'csv' : 'xlsx';
    return reply
      .header('content-type', CONTENT_TYPES[format])
      .header('content-disposition', `attachment; filename="${req.params.name}"`)
      .send(file);
  });
};

export default exportsRoutes;
