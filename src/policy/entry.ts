/**
 * The approved policy knowledge base, in the contract's import format. Only `approved` entries
 * are ever answered; importing is the official's act, so a missing status means approved.
 */
import { AppError } from '../errors.ts';
import { isCalendarDate } from '../time.ts';

export const ENTRY_STATUSES = ['approved', 'draft'] as const;
export type EntryStatus = (typeof ENTRY_STATUSES)[number];

export interface PolicyEntry {
  id: string;
  title: string;
  /** The canonical question first, then its variants. */
  questions: string[];
  /** Fits one chat message. */
  short: string;
  answer: string;
  source: string;
  tags: string[];
  region: string | null;
  effectiveFrom: string | null;
  effectiveTo: string | null;
  status: EntryStatus;
}

export const SHORT_MAX = 40;
/** Characters in one question, and questions in one entry. */
export const QUESTION_MAX = 200;
export const QUESTIONS_MAX = 100;
const KEYS = new Set(['id', 'title', 'questions', 'short', 'answer', 'source', 'tags', 'region', 'effectiveFrom', 'effectiveTo', 'status']);
const DATE = /^\d{4}-\d{2}-\d{2}$/;

const fail = (where: string, why: string): never => {
  throw new AppError('POLICY_IMPORT_INVALID', `${where}: ${why}`);
};

function text(where: string, value: unknown, max: number, required = true): string | null {
  if (value === undefined || value === null) {
    if (required) fail(where, 'is missing');
    return null;
  }
  if (typeof value !== 'string') return fail(where, 'must be text');
  if (required && value.trim() === '') fail(where, 'is empty');
  if ([...value].length > max) fail(where, `is longer than ${max} characters`);
  if (!value.isWellFormed()) fail(where, 'is not valid Unicode');
  return value;
}

/**
 * A question or tag as stored, whichever format it came in: without spaces at its ends, and with
 * `|` (which separates them in the CSV format) as a full-width ｜, so that an entry exported as CSV
 * and imported again is the same entry.
 */
const listItem = (item: string) => item.trim().replaceAll('|', '｜');

/** One entry of an import, checked field by field; `where` names it in the error (`entries[3]`, `line 5`). */
export function readEntry(raw: unknown, where: string): PolicyEntry {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return fail(where, 'is not an object');
  const o = raw as Record<string, unknown>;
  for (const key of Object.keys(o)) if (!KEYS.has(key)) fail(where, `has an unknown key "${key}"`);
  const id = text(`${where}.id`, o.id, 100)!;
  if (!/^[\w.:-]+$/.test(id)) fail(`${where}.id`, 'may hold only letters, digits and - _ . :');
  // From here on the entry is named by its id too: an official finds "entries[57]" by counting, "(loan-use)" at once.
  const named = `${where} (${id})`;
  if (!Array.isArray(o.questions) || o.questions.length === 0) fail(`${named}.questions`, 'must be a list with at least one question');
  const questions = (o.questions as unknown[]).map((q, i) => listItem(text(`${named}.questions[${i}]`, q, QUESTION_MAX)!));
  if (questions.length > QUESTIONS_MAX) fail(`${named}.questions`, `has more than ${QUESTIONS_MAX} questions`);
  const tags =
    o.tags === undefined || o.tags === null ? [] : Array.isArray(o.tags) ? o.tags.map((t, i) => listItem(text(`${named}.tags[${i}]`, t, 40)!)) : fail(`${named}.tags`, 'must be a list');
  const short = text(`${named}.short`, o.short, SHORT_MAX)!;
  const status = o.status ?? 'approved';
  if (!ENTRY_STATUSES.includes(status as EntryStatus)) fail(`${named}.status`, 'must be approved or draft');
  const date = (key: 'effectiveFrom' | 'effectiveTo') => {
    const v = text(`${named}.${key}`, o[key], 10, false);
    if (v !== null && (!DATE.test(v) || !isCalendarDate(v))) fail(`${named}.${key}`, 'must be a date like 2026-01-01');
    return v;
  };
  const entry: PolicyEntry = {
    id,
    title: text(`${named}.title`, o.title, 200)!,
    questions,
    short,
    answer: text(`${named}.answer`, o.answer, 5000)!,
    source: text(`${named}.source`, o.source, 500)!,
    tags,
    // "" and no region are the same: the CSV format cannot tell them apart.
    region: text(`${named}.region`, o.region, 100, false) || null,
    effectiveFrom: date('effectiveFrom'),
    effectiveTo: date('effectiveTo'),
    status: status as EntryStatus,
  };
  if (entry.effectiveFrom && entry.effectiveTo && entry.effectiveFrom > entry.effectiveTo) fail(named, 'effectiveFrom is after effectiveTo');
  return entry;
}

/**
 * A whole import file: `{ version: 1, entries: [...] }` and nothing else. It is refused whole at
 * the first wrong entry; an id given twice in the file is refused too (across imports, the same
 * id updates the entry).
 */
export function readKnowledgeBase(raw: unknown): PolicyEntry[] {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) fail('file', 'is not a JSON object');
  const o = raw as Record<string, unknown>;
  for (const key of Object.keys(o)) if (key !== 'version' && key !== 'entries') fail('file', `has an unknown key "${key}"`);
  if (o.version !== 1) fail('version', 'must be 1');
  if (!Array.isArray(o.entries)) fail('entries', 'must be a list');
  const entries = (o.entries as unknown[]).map((e, i) => readEntry(e, `entries[${i}]`));
  checkUniqueIds(entries, (i) => `entries[${i}]`);
  return entries;
}

export function checkUniqueIds(entries: PolicyEntry[], where: (i: number) => string): void {
  const seen = new Set<string>();
  entries.forEach((e, i) => {
    if (seen.has(e.id)) fail(where(i), `repeats the id "${e.id}"`);
    seen.add(e.id);
  });
}

/**
 * Chat text as a question of an entry: trimmed, cut to QUESTION_MAX characters, with `|` (which
 * separates an entry's questions in the CSV export) kept as a full-width ｜. Undefined when
 * nothing is left or it is not valid Unicode.
 */
export function asEntryQuestion(text: string): string | undefined {
  const question = [...text.trim().replaceAll('|', '｜')].slice(0, QUESTION_MAX).join('').trim();
  return question && question.isWellFormed() ? question : undefined;
}

/** An entry applies on `day` (YYYY-MM-DD in Asia/Shanghai) when it is approved and in force. */
export function inForce(e: PolicyEntry, day: string): boolean {
  return e.status === 'approved' && (!e.effectiveFrom || e.effectiveFrom <= day) && (!e.effectiveTo || day <= e.effectiveTo);
}
