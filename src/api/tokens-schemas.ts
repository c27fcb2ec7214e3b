// Request and response schemas of `apitokens/2.0`, with Kantega SSO 5.7's field names. Response schemas
// also decide what leaves: only the create response has `apiToken`, and no response has the hash.
import { Type, type Static } from '@sinclair/typebox'
import { rule } from './validation.js'

/** A token id in a JSON body: a JSON number, 1 or more. */
const Id = Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, ...rule('a token id (a whole number, 1 or more)') })

/**
 * A token id in a path or query: decimal digits only, checked as text. Number coercion would read `0x10` as
 * 16, `1e1` as 10, ` 1`, `+1` and `01` as 1, so `DELETE user/delete/0x10` would delete token 16: a script's
 * typo must never name another token. Fifteen digits stay below 2^53.
 */
const IdText = Type.String({ pattern: '^[1-9][0-9]{0,14}$', ...rule('a token id in decimal digits (1, 2, ... with no sign, spaces or leading zeros)') })

export const IdParams = Type.Object({ id: IdText }, { additionalProperties: false })
export type IdParams = Static<typeof IdParams>
export const IdQuery = Type.Object({ id: IdText })
export type IdQuery = Static<typeof IdQuery>

export const CreateBody = Type.Object(
  {
    tokenName: Type.Optional(Type.String({ maxLength: 200, ...rule('text of at most 200 characters') })),
    description: Type.Optional(Type.String({ maxLength: 2000, ...rule('text of at most 2000 characters') })),
    // Kantega's own examples send it as a string ("180"); both forms are accepted.
    validForDays: Type.Optional(
      Type.Union([Type.Integer({ minimum: 1 }), Type.String({ pattern: '^[1-9][0-9]{0,14}$' })], {
        ...rule('a whole number of days, 1 or more (a number, or a string of digits)'),
      }),
    ),
    isValidForever: Type.Optional(Type.Boolean({ ...rule('true or false') })),
    // restgate's additions (Kantega has neither): what the token may do, and where.
    scope: Type.Optional(Type.Union([Type.Literal('read'), Type.Literal('write')], { ...rule('"read" or "write"') })),
    paths: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 500, ...rule('a path glob starting with / (* one segment, ** any depth)') }), {
        minItems: 1,
        maxItems: 50,
        ...rule('a list of 1 to 50 path globs, like ["/rest/api/2/search", "/rest/api/2/issue/**"]'),
      }),
    ),
  },
  { additionalProperties: false },
)
export type CreateBody = Static<typeof CreateBody>

export const RefreshBody = Type.Object(
  {
    apiToken: Type.Optional(Type.String({ maxLength: 1024, ...rule('the API token text') })),
    // restgate's addition, for the token page: one of the caller's own tokens, by id.
    id: Type.Optional(Id),
  },
  { additionalProperties: false },
)
export type RefreshBody = Static<typeof RefreshBody>

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()])

/**
 * One token as lists show it. `expiresAtMillis` and `timeUntilExpiry*` are absent for tokens that never expire.
 * `timeUntilExpiryDays` is a string of digits, as Kantega's examples write it ("29").
 */
export const TokenView = Type.Object({
  id: Type.Integer(),
  tokenName: Type.String(),
  description: Type.String(),
  username: Type.String(),
  createdAt: Type.String(),
  createdAtMillis: Type.Integer(),
  expiresAt: Type.String(),
  expiresAtMillis: Type.Optional(Type.Integer()),
  validForDays: Type.String(),
  timeUntilExpiryMillis: Type.Optional(Type.Integer()),
  timeUntilExpiryDays: Type.Optional(Type.String()),
  expired: Type.Boolean(),
  active: Type.Boolean(),
  scope: Type.Union([Type.Literal('read'), Type.Literal('write')]),
  paths: Nullable(Type.Array(Type.String())),
  lastUsedAtMillis: Nullable(Type.Integer()),
  lastUsedIp: Nullable(Type.String()),
})
export type TokenView = Static<typeof TokenView>

export const CreatedView = Type.Object({
  apiToken: Type.String(),
  id: Type.Integer(),
  tokenName: Type.String(),
  description: Type.String(),
  validForDays: Type.String(),
  expiresAt: Type.String(),
  expiresAtMillis: Type.Optional(Type.Integer()),
  scope: Type.Union([Type.Literal('read'), Type.Literal('write')]),
  paths: Nullable(Type.Array(Type.String())),
})
export type CreatedView = Static<typeof CreatedView>

export const ExpiryStatus = Type.Object({
  expiresAt: Type.String(),
  apiTokenDescription: Type.String(),
  id: Type.Integer(),
  timeUntilExpiryMillis: Type.Optional(Type.Integer()),
  timeUntilExpiryDays: Type.Optional(Type.String()),
})
export type ExpiryStatus = Static<typeof ExpiryStatus>

/**
 * Both lists, the caller's own (`user/tokens`) and everyone's (`admin/tokens`), are `{ allApiTokens: [...] }`:
 * Kantega's documented example of `GET user/tokens` answers in that wrapper (docs/management-api.md).
 */
export const TokenList = Type.Object({ allApiTokens: Type.Array(TokenView) })

export const ErrorBody = Type.Object({ code: Type.String(), message: Type.String() })
