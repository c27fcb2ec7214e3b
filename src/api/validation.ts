// Request validation for management API routes. Bodies are checked strictly: no type coercion (`"validForDays":
// true` is an error, not 1), no silently dropped fields (a typo like `validForDay` is named, not ignored).
// Path and query parameters arrive as text, so there numbers are coerced. Every error names the field,
// using the schema's `rule` wording where it has one, the way the policy file's errors do.
import AjvModule, { type ErrorObject } from 'ajv'
import type { FastifyInstance, FastifySchemaCompiler } from 'fastify'

const Ajv = AjvModule.default

/** Annotation on a schema: the human wording of what the field must be. */
export const rule = (text: string): { rule: string } => ({ rule: text })

function newAjv(coerce: boolean) {
  return new Ajv({
    allErrors: false,
    coerceTypes: coerce,
    useDefaults: false,
    removeAdditional: false,
    verbose: true,
    strict: true,
    keywords: ['rule'],
  })
}

const PART_NAMES: Record<string, string> = { body: 'body', querystring: 'query parameter', params: 'path parameter', headers: 'header' }

function fieldOf(e: ErrorObject): string {
  const path = e.instancePath
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
  if (e.keyword === 'additionalProperties') path.push(String((e.params as { additionalProperty: string }).additionalProperty))
  if (e.keyword === 'required') path.push(String((e.params as { missingProperty: string }).missingProperty))
  return path.join('.')
}

function messageOf(e: ErrorObject): string {
  if (e.keyword === 'additionalProperties') return 'is not a known field'
  if (e.keyword === 'required') return 'is required'
  const ruleText = (e.parentSchema as { rule?: string } | undefined)?.rule
  return ruleText !== undefined ? `must be ${ruleText}` : (e.message ?? 'is not valid')
}

/** `body.validForDays must be ...`, `query parameter id is required`, `body must be a JSON object`. */
export function formatValidationErrors(errors: readonly ErrorObject[], dataVar: string): Error {
  // With a union (anyOf), Ajv reports each branch and then the union: the union carries the rule.
  const e = errors.find((x) => x.keyword === 'anyOf') ?? errors[0]
  if (e === undefined) return new Error(`The ${PART_NAMES[dataVar] ?? dataVar} is not valid`)
  const field = fieldOf(e)
  const part = PART_NAMES[dataVar] ?? dataVar
  const subject = field === '' ? (dataVar === 'body' ? 'The request body' : `The ${part}s`) : dataVar === 'body' ? `body.${field}` : `${part} ${field}`
  return new Error(`${subject} ${field === '' && dataVar === 'body' && e.keyword === 'type' ? 'must be a JSON object' : messageOf(e)}`)
}

/**
 * The strict body / coercing parameter validators and the field-naming errors, to install on a scope. One
 * instance serves every mount of a family (`2.0` and `latest`): Ajv caches what it compiled by schema.
 */
export function strictValidation(): (app: FastifyInstance) => void {
  const bodies = newAjv(false)
  const params = newAjv(true)
  const compiler: FastifySchemaCompiler<unknown> = ({ schema, httpPart }) =>
    (httpPart === 'body' ? bodies : params).compile(schema as object) as ReturnType<FastifySchemaCompiler<unknown>>
  return (app) => {
    app.setValidatorCompiler(compiler)
    app.setSchemaErrorFormatter((errors, dataVar) => formatValidationErrors(errors as ErrorObject[], dataVar))
  }
}
