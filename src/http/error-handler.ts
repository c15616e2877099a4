import type { FastifyError, FastifyInstance } from 'fastify';
import type { ErrorObject } from 'ajv';
import { AppError, type ErrorCode } from '../errors.ts';
import { MAX_PHOTO_BYTES } from '../photos/photo.ts';
import { isUnavailable } from '../store/postgres/reach.ts';
import { describeValidation } from './validation.ts';

/** Fastify's own client errors, in the project's catalogue. */
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_BODY_TOO_LARGE: 'BODY_TOO_LARGE',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'MALFORMED_JSON',
  FST_ERR_CTP_INVALID_JSON_BODY: 'MALFORMED_JSON',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'VALIDATION_FAILED',
  FST_REQ_FILE_TOO_LARGE: 'PHOTO_TOO_LARGE',
  FST_INVALID_MULTIPART_CONTENT_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_FILES_LIMIT: 'VALIDATION_FAILED',
  FST_PARTS_LIMIT: 'VALIDATION_FAILED',
  FST_FIELDS_LIMIT: 'VALIDATION_FAILED',
};

function toAppError(err: FastifyError): AppError | undefined {
  if (err instanceof AppError) return err;
  if (err.validation) {
    const { en, zh } = describeValidation(err.validation as unknown as ErrorObject[], err.validationContext);
    return new AppError('VALIDATION_FAILED', en, zh);
  }
  const code = err.code ? FASTIFY_CODES[err.code] : undefined;
  // Fastify's own detail is English ("request file too large"): the Chinese message stands alone.
  if (code) return new AppError(code, err.message, code === 'PHOTO_TOO_LARGE' ? `不能超过 ${MAX_PHOTO_BYTES / 1024 / 1024} MB` : '');
  if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) return new AppError('VALIDATION_FAILED', err.message);
  // drizzle wraps the driver's error in its own; either may say the connection is gone.
  // Without the driver's message: it holds the failed query and its parameters (logged below).
  if (isUnavailable(err) || isUnavailable((err as { cause?: unknown }).cause)) return new AppError('DATABASE_UNAVAILABLE');
  return undefined;
}

/**
 * What Fastify refuses before routing (a path with a broken escape such as `/api/orders/%FF`, an
 * over-long parameter), in the same shape as every other refusal.
 */
export function frameworkRefusal(err: FastifyError): AppError {
  return new AppError('VALIDATION_FAILED', err.message);
}

/**
 * One error shape for every route: `{ error: { code, message, messageZh } }`. Client errors say
 * what was wrong; server errors are logged in full and answered without internals.
 */
export function useErrorShape(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    const known = toAppError(err);
    if (known) {
      if (known !== err && known.code === 'DATABASE_UNAVAILABLE') request.log.warn({ err }, 'database unavailable');
      else request.log.info({ code: known.code, detail: known.message }, 'request refused');
      return reply.code(known.statusCode).send(known.toJSON());
    }
    request.log.error({ err }, 'request failed');
    const internal = new AppError('INTERNAL');
    return reply.code(internal.statusCode).send(internal.toJSON());
  });
  app.setNotFoundHandler((request, reply) => {
    const err = new AppError('NOT_FOUND', `${request.method} ${request.url.split('?')[0]}`);
    return reply.code(404).send(err.toJSON());
  });
}
