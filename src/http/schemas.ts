import { Type, type Static, type TSchema } from 'typebox';

/** Names and texts are stored verbatim (any Unicode) but must say something. */
export const Name = Type.String({ minLength: 1, maxLength: 200, pattern: '\\S' });

export const StringEnum = <const T extends readonly string[]>(values: T) =>
  Type.Unsafe<T[number]>({ type: 'string', enum: [...values] });

/** `T | null`, as one JSON-schema type list so validation messages stay readable. */
export const Nullable = <T extends TSchema>(schema: T) =>
  Type.Unsafe<Static<T> | null>({ ...schema, type: [(schema as { type?: string }).type ?? 'string', 'null'] });

export const DateTime = Type.Unsafe<Date>({ type: 'string', format: 'date-time' });

export const IdParams = Type.Object({ id: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }) });

/** List routes: `limit` (default 1000, up to 100000) and `offset`. Other query keys are ignored. */
export const PageQuery = Type.Object({
  limit: Type.Integer({ minimum: 1, maximum: 100_000, default: 1000 }),
  offset: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, default: 0 }),
});

export const ErrorReply = Type.Object({
  error: Type.Object({ code: Type.String(), message: Type.String(), messageZh: Type.String() }),
});
