import { and, asc, desc, eq, gte, inArray, lt, notInArray, sql, type SQL } from 'drizzle-orm';
import type { PolicyEntry } from '../../policy/entry.ts';
import { notDecidable, type Question } from '../../policy/question.ts';
import type { Page, QuestionFilter, Store } from '../store.ts';
import * as schema from './schema.ts';

import type { Runner } from './tx.ts';

type Db = Runner & { transaction: import('./tx.ts').Db['transaction'] };
const { policyEntries: pe, policyLearnedQuestions: learned, questions: q, chatUsers } = schema;

function toEntry(row: typeof pe.$inferSelect): PolicyEntry {
  const { createdAt: _c, updatedAt: _u, ...entry } = row;
  return entry;
}

function byEntry(rows: { entryId: string; question: string }[]): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const { entryId, question } of rows) out.set(entryId, (out.get(entryId) ?? new Set()).add(question));
  return out;
}

/** The knowledge base. */
export function pgPolicy(db: Db): Store['policy'] {
  return {
    entries: async () => (await db.select().from(pe).orderBy(asc(pe.id))).map(toEntry),
    get: async (id) => {
      const [row] = await db.select().from(pe).where(eq(pe.id, id));
      return row ? toEntry(row) : undefined;
    },
    upsert: async (entries) => {
      const now = new Date();
      await db.transaction(async (tx) => {
        for (const e of entries) {
          await tx
            .insert(pe)
            .values({ ...e, createdAt: now, updatedAt: now })
            .onConflictDoUpdate({ target: pe.id, set: { ...e, updatedAt: now } });
          // A learned question the new version no longer has is no longer learned.
          await tx.delete(learned).where(and(eq(learned.entryId, e.id), notInArray(learned.question, e.questions)));
        }
      });
      return entries.length;
    },
    addQuestion: async (id, question, max) =>
      db.transaction(async (tx) => {
        // Locked: two officials teaching the same entry at once both get their question in.
        const [row] = await tx.select({ questions: pe.questions }).from(pe).where(eq(pe.id, id)).for('update');
        if (!row || row.questions.includes(question) || row.questions.length >= max) return false;
        const now = new Date();
        await tx
          .update(pe)
          .set({ questions: [...row.questions, question], updatedAt: now })
          .where(eq(pe.id, id));
        await tx.insert(learned).values({ entryId: id, question, createdAt: now }).onConflictDoNothing();
        return true;
      }),
    learned: async () => byEntry(await db.select({ entryId: learned.entryId, question: learned.question }).from(learned)),
    version: async () => {
      const [row] = await db.select({ n: sql<number>`count(*)::int`, at: sql<string>`coalesce(max(${pe.updatedAt})::text, '')` }).from(pe);
      return `${row!.n}:${row!.at}`;
    },
  };
}

function questionWhere(f: QuestionFilter): SQL | undefined {
  const where: SQL[] = [];
  if (f.roomId !== undefined) where.push(eq(q.roomId, f.roomId));
  if (f.liveSessionId !== undefined) where.push(eq(q.liveSessionId, f.liveSessionId));
  if (f.status !== undefined) where.push(eq(q.status, f.status));
  if (f.from) where.push(gte(q.createdAt, f.from));
  if (f.to) where.push(lt(q.createdAt, f.to));
  return and(...where);
}

async function loadQuestions(db: Runner, where: SQL | undefined, page: Page, newestFirst = true): Promise<Question[]> {
  return (await db
    .select({ q, platform: chatUsers.platform, userId: chatUsers.platformUserId, name: sql<string>`coalesce(${q.askerName}, ${chatUsers.displayName})` })
    .from(q)
    .innerJoin(chatUsers, eq(chatUsers.id, q.chatUserId))
    .where(where)
    .orderBy(newestFirst ? desc(q.id) : asc(q.id))
    .limit(page.limit)
    .offset(page.offset)).map(({ q: { askerName: _, ...row }, platform, userId, name }) => ({ ...row, asker: { platform, userId, name } }));
}

/**
 * What a question was about: the entry the official answered with; else the matcher's pick, unless
 * the official dismissed the question or answered it in their own words: then the pick was wrong,
 * and the question is about no entry (fifteen pig-farming questions were "about" farm machinery).
 */
const about = sql<string>`case when ${q.answeredEntryId} is not null then ${q.answeredEntryId} when ${q.status} in ('dismissed', 'answered_by_official') then null else ${q.entryId} end`;

/** Viewers' questions and what became of them. */
export function pgQuestions(db: Db): Store['questions'] {
  const one = async (id: number) => (await loadQuestions(db, eq(q.id, id), { limit: 1, offset: 0 }))[0];
  return {
    list: async ({ limit, offset, ...filter }) => loadQuestions(db, questionWhere(filter), { limit, offset }),
    get: async (id) => one(id),
    decide: async (id, decision) => {
      const [changed] = await db
        .update(q)
        .set(decision)
        .where(and(eq(q.id, id), eq(q.status, 'queued')))
        .returning({ id: q.id });
      if (!changed) throw notDecidable(await one(id), id);
      return (await one(id))!;
    },
    requeue: async (ids) => {
      if (ids.length === 0) return [];
      const changed = await db
        .update(q)
        .set({ status: 'queued', answer: null, answeredAt: null })
        .where(and(inArray(q.id, ids), eq(q.status, 'answered')))
        .returning({ id: q.id });
      return changed.length ? loadQuestions(db, inArray(q.id, changed.map((c) => c.id)), { limit: changed.length, offset: 0 }, false) : [];
    },
    topics: async (filter) =>
      db
        .select({
          entryId: about,
          title: pe.title,
          asked: sql<number>`count(*)::int`,
          answered: sql<number>`sum(case when ${q.status} in ('answered', 'answered_by_official') then 1 else 0 end)::int`,
        })
        .from(q)
        .innerJoin(pe, eq(pe.id, about))
        .where(questionWhere(filter))
        .groupBy(about, pe.title)
        .orderBy(desc(sql`count(*)`), asc(about)),
  };
}
