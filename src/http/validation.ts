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

const TYPES_ZH: Record<string, string> = { string: '文字', integer: '整数', number: '数字', boolean: '是或否', object: '对象', array: '列表', null: '空' };

/**
 * One readable line for the first validation problem, in both languages: `body.sources[0].share
 * must be > 0` and `body.sources[0].share 必须大于 0` (the pages show the Chinese one; ajv's own
 * English read as a foreign error message to the people using them).
 */
export function describeValidation(errors: ErrorObject[] | undefined, context: string | undefined): { en: string; zh: string } {
  const first = errors?.[0];
  if (!first) return { en: 'invalid input', zh: '输入不合格' };
  const where = `${context ?? 'body'}${first.instancePath.replace(/\/(\d+)/g, '[$1]').replace(/\//g, '.')}`;
  const p = first.params as { additionalProperty?: string; allowedValues?: unknown[]; missingProperty?: string; limit?: number; type?: string | string[]; comparison?: string };
  if (p.additionalProperty) return { en: `${where} has an unknown field "${p.additionalProperty}"`, zh: `${where} 有不认识的字段 "${p.additionalProperty}"` };
  if (p.allowedValues) return { en: `${where} must be one of ${p.allowedValues.join(', ')}`, zh: `${where} 只能是 ${p.allowedValues.join('、')} 之一` };
  const en = `${where} ${first.message ?? 'is invalid'}`;
  const limit = p.limit;
  const zh = ((): string => {
    switch (first.keyword) {
      case 'required':
        return `缺少 ${where}.${p.missingProperty}`;
      case 'pattern':
        return `${where} 格式不对`;
      case 'minLength':
        return limit === 1 ? `${where} 不能为空` : `${where} 至少 ${limit} 个字`;
      case 'maxLength':
        return `${where} 最多 ${limit} 个字`;
      case 'minimum':
        return `${where} 不能小于 ${limit}`;
      case 'exclusiveMinimum':
        return `${where} 必须大于 ${limit}`;
      case 'maximum':
        return `${where} 不能大于 ${limit}`;
      case 'exclusiveMaximum':
        return `${where} 必须小于 ${limit}`;
      case 'minItems':
        return `${where} 至少 ${limit} 项`;
      case 'maxItems':
        return `${where} 最多 ${limit} 项`;
      case 'type':
        return `${where} 应为${[p.type ?? []].flat().map((t) => TYPES_ZH[t] ?? t).join('或')}`;
      default:
        return en;
    }
  })();
  return { en, zh };
}
