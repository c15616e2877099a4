import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { AppError } from '../../errors.ts';
import { maskPhone, POVERTY_STATUSES, type Household } from '../../households/household.ts';
import { DateTime, IdParams, Name, Nullable, PageQuery, StringEnum } from '../schemas.ts';

const Phone = Type.String({ pattern: '^[0-9+()\\- ]{3,20}$' });

const HouseholdFields = {
  name: Name,
  village: Type.Optional(Nullable(Type.String({ maxLength: 200 }))),
  phone: Type.Optional(Nullable(Phone)),
  povertyStatus: Type.Optional(StringEnum(POVERTY_STATUSES)),
};

const HouseholdBody = Type.Object(HouseholdFields, { additionalProperties: false });
const HouseholdPatch = Type.Partial(HouseholdBody, { additionalProperties: false, minProperties: 1 });

const HouseholdView = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  village: Nullable(Type.String()),
  phone: Nullable(Type.String()),
  povertyStatus: StringEnum(POVERTY_STATUSES),
  createdAt: DateTime,
  updatedAt: DateTime,
});

const masked = (h: Household): Household => ({ ...h, phone: maskPhone(h.phone) });

/** Farming households: the people income is attributed to. Lists mask phone numbers. */
const households: FastifyPluginAsyncTypebox = async (app) => {
  const { store } = app;

  app.post('/api/households', { schema: { body: HouseholdBody, response: { 201: HouseholdView } } }, async (req, reply) => {
    reply.code(201);
    return store.households.create(req.body);
  });

  app.get('/api/households', { schema: { querystring: PageQuery, response: { 200: Type.Array(HouseholdView) } } }, async (req) =>
    (await store.households.list(req.query)).map(masked),
  );

  app.get('/api/households/:id', { schema: { params: IdParams, response: { 200: HouseholdView } } }, async (req) => {
    const household = await store.households.get(req.params.id);
    if (!household) throw new AppError('HOUSEHOLD_NOT_FOUND', String(req.params.id));
    return household;
  });

  app.patch(
    '/api/households/:id',
    { schema: { params: IdParams, body: HouseholdPatch, response: { 200: HouseholdView } } },
    async (req) => store.households.update(req.params.id, req.body),
  );

  app.delete('/api/households/:id', { schema: { params: IdParams } }, async (req, reply) => {
    await store.households.remove(req.params.id);
    return reply.code(204).send();
  });
};

export default households;
