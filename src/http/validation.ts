import { Ajv, type ErrorObject } from 'ajv';
import type { FastifyInstance } from 'fastify';

function makeAjv(coerceTypes: boolean | 'array') {
  return new Ajv({
    // Unknown fields are refused, not quietly dropped, so a typo never passes for a default.
    removeAdditional: false,
    useDefaults: true,
    coerceTypes,
    allErrors: false,
    // Formats are written as patterns where they matter; response schemas' formats guide serialization only.
    strict: false,
  });
}

/**
 * Bodies are JSON and must carry the right types (`"5"` is not a price); query strings and path
 * parameters are text by nature, so they are coerced (`?limit=10`).
 */
export function useValidation(app: FastifyInstance): void {
  const strict = makeAjv(false);
  const coercing = makeAjv('array');
  app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? strict : coercing).compile(schema));
}

/** One readable line for the first validation problem: `body.sources[0].share must be > 0`. */
export function describeValidation(errors: ErrorObject[] | undefined, context: string | undefined): string {
  const first = errors?.[0];
  if (!first) return 'invalid input';
  const where = `${context ?? 'body'}${first.instancePath.replace(/\/(\d+)/g, '[$1]').replace(/\//g, '.')}`;
  const params = first.params as { additionalProperty?: string; allowedValues?: unknown[] };
  if (params.additionalProperty) return `${where} has an unknown field "${params.additionalProperty}"`;
  if (params.allowedValues) return `${where} must be one of ${params.allowedValues.join(', ')}`;
  return `${where} ${first.message ?? 'is invalid'}`;
}
