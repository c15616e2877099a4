import type { FastifyInstance } from 'fastify';
import sjson from 'secure-json-parse';
import { AppError } from '../errors.ts';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Lone surrogates survive JSON.parse but cannot be stored as text: refuse them like bad bytes. */
function rejectIllFormed(_key: string, value: unknown): unknown {
  if (typeof value === 'string' && !value.isWellFormed()) throw new AppError('INVALID_UTF8', 'lone surrogate in a string');
  return value;
}

/**
 * Replaces Fastify's JSON parser with one that refuses invalid UTF-8 instead of silently turning
 * it into U+FFFD: chat text and names are stored verbatim, so a corrupted byte must not get in.
 */
export function useStrictJsonBodies(app: FastifyInstance): void {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_req, body, done) => {
    const bytes = body as Buffer;
    if (bytes.length === 0) return done(null, undefined);
    let text: string;
    try {
      text = utf8.decode(bytes);
    } catch {
      return done(new AppError('INVALID_UTF8'), undefined);
    }
    try {
      done(null, parseJsonText(text));
    } catch (err) {
      done(err as Error, undefined);
    }
  });
}

/** JSON text as the API reads every body: no `__proto__`, no lone surrogates; MALFORMED_JSON otherwise. */
export function parseJsonText(text: string): unknown {
  try {
    return sjson.parse(text, rejectIllFormed, { protoAction: 'error', constructorAction: 'error' });
  } catch (err) {
    throw err instanceof AppError ? err : new AppError('MALFORMED_JSON', (err as Error).message);
  }
}

/** The first line (1-based) of `bytes` that is not valid UTF-8, to name in an error. */
export function firstLineNotUtf8(bytes: Buffer): number {
  let start = 0;
  for (let line = 1; ; line++) {
    const end = bytes.indexOf(0x0a, start);
    try {
      utf8.decode(bytes.subarray(start, end === -1 ? bytes.length : end));
    } catch {
      return line;
    }
    if (end === -1) return line;
    start = end + 1;
  }
}
