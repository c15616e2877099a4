import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { AppError } from '../../errors.ts';
import { firstLineNotUtf8, parseJsonText } from '../json-body.ts';
import { readEntry, readKnowledgeBase, type PolicyEntry } from '../../policy/entry.ts';
import { entriesFromCsv, entriesToCsv } from '../../policy/csv.ts';
import { fileStamp } from '../../time.ts';

const Synonyms = Type.Record(Type.String({ minLength: 1, maxLength: 20 }), Type.Array(Type.String({ minLength: 1, maxLength: 40 }), { minItems: 1, maxItems: 10 }), {
  maxProperties: 2000,
});

// Two characters at least: one (修, 房) is part of too many words the knowledge base answers.
const Outside = Type.Array(Type.String({ minLength: 2, maxLength: 20, pattern: '\\S{2}' }), { maxItems: 2000 });

const exportFile = (entries: PolicyEntry[]) => ({ version: 1 as const, entries: entries.map(({ region, effectiveFrom, effectiveTo, ...e }) => ({ ...e, ...(region && { region }), ...(effectiveFrom && { effectiveFrom }), ...(effectiveTo && { effectiveTo }) })) });

/**
 * The policy knowledge base: import (the contract's JSON, or CSV), export, edit one entry, ask,
 * and the synonym table and the subjects outside the knowledge base, which the official can extend.
 */
const policy: FastifyPluginAsyncTypebox = async (app) => {
  const { policy: service, store } = app;

  // CSV imports arrive as text/csv; the JSON format goes through the strict JSON parser.
  app.addContentTypeParser(['text/csv', 'text/plain'], { parseAs: 'buffer', bodyLimit: 16 * 1024 * 1024 }, (req, body, done) => {
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(body as Buffer);
    } catch {
      // A spreadsheet saved as GBK, most often: say where, and what to do.
      return done(new AppError('INVALID_UTF8', `line ${firstLineNotUtf8(body as Buffer)}: the file is not UTF-8 (save it as "CSV UTF-8")`), undefined);
    }
    // The JSON format sent as plain text (a file picker that knows no .json): no CSV starts with "{".
    if (req.headers['content-type']?.startsWith('text/plain') && /^\uFEFF?\s*\{/.test(text)) {
      try {
        return done(null, parseJsonText(text.replace(/^\uFEFF/, '')));
      } catch (err) {
        return done(err as Error, undefined);
      }
    }
    done(null, text);
  });

  app.post('/api/policy/import', { bodyLimit: 16 * 1024 * 1024 }, async (req) => {
    const entries = typeof req.body === 'string' ? entriesFromCsv(req.body) : readKnowledgeBase(req.body);
    const imported = await service.import(entries);
    req.log.info({ imported }, 'policy knowledge base imported');
    return { imported };
  });

  app.get('/api/policy/export.json', async (_req, reply) => {
    reply.header('content-disposition', `attachment; filename="nongbo-policy-${fileStamp(new Date())}.json"`);
    return exportFile(await store.policy.entries());
  });

  app.get('/api/policy/export.csv', async (_req, reply) =>
    reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="nongbo-policy-${fileStamp(new Date())}.csv"`)
      .send(entriesToCsv(await store.policy.entries())),
  );

  app.get('/api/policy/entries', async () => store.policy.entries());

  app.get('/api/policy/entries/:id', { schema: { params: Type.Object({ id: Type.String({ maxLength: 100 }) }) } }, async (req) => service.entry(req.params.id));

  // Which of an entry's questions were learned from viewers through the moderation queue, for the
  // official to review (not part of the entry's import format).
  app.get('/api/policy/entries/:id/learned', { schema: { params: Type.Object({ id: Type.String({ maxLength: 100 }) }) } }, async (req) => {
    const entry = await service.entry(req.params.id);
    const learned = (await store.policy.learned()).get(entry.id) ?? new Set();
    return entry.questions.filter((q) => learned.has(q));
  });

  // Editing in the dashboard: the whole entry, in the import format; the path's id wins.
  app.put('/api/policy/entries/:id', { schema: { params: Type.Object({ id: Type.String({ pattern: '^[\\w.:-]{1,100}$' }) }) } }, async (req) => {
    const entry = readEntry({ ...(req.body as object), id: req.params.id }, 'entry');
    await service.import([entry]);
    return entry;
  });

  // Any text is a fair question (the service reads at most the first 500 characters); only a missing q is refused.
  // `?q=a&q=b` (a page's form sent twice, a hand-made link) asks the first: any q is a question.
  app.get('/api/policy/ask', { schema: { querystring: Type.Object({ q: Type.Union([Type.String(), Type.Array(Type.String(), { minItems: 1 })]) }) } }, async (req) =>
    service.ask(typeof req.query.q === 'string' ? req.query.q : req.query.q[0]!),
  );

  app.get('/api/policy/synonyms', async () => service.synonyms());

  app.put('/api/policy/synonyms', { schema: { body: Type.Object({ custom: Synonyms }, { additionalProperties: false }) } }, async (req) => {
    await service.setSynonyms(req.body.custom);
    return service.synonyms();
  });

  app.get('/api/policy/outside', async () => service.outside());

  app.put('/api/policy/outside', { schema: { body: Type.Object({ custom: Outside }, { additionalProperties: false }) } }, async (req) => {
    await service.setOutside(req.body.custom);
    return service.outside();
  });
};

export default policy;
