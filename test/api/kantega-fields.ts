// Kantega SSO Enterprise's REST API as its documentation shows it, field by field: every field of every
// resource restgate answers in Kantega's shape, with the JSON type and an example value from Kantega's own
// examples ("Kantega SSO Enterprise REST API (latest)" and the 5.6.2 / 5.7.0 pages), and the format every
// value must have. kantega-fields.test.ts holds restgate's answers, and docs/management-api.md's table,
// against this list.

export type JsonType = 'string' | 'number' | 'boolean'

export interface DocumentedField {
  readonly field: string
  readonly type: JsonType
  /** The value in Kantega's example, as its page writes it. */
  readonly example: string | number | boolean
  /** What every value must look like, Kantega's example included (numbers are matched as text). */
  readonly format: RegExp
  /** Only on tokens that expire: Kantega's examples of a "Never" token leave the field out. */
  readonly expiringOnly?: true
  /** Where restgate knowingly answers otherwise than the example, the format it keeps and why. */
  readonly restgate?: { readonly format: RegExp; readonly why: string }
}

export interface DocumentedResource {
  /** The method and path, as docs/management-api.md's table names it. */
  readonly name: string
  readonly fields: readonly DocumentedField[]
  /** restgate's own fields beside Kantega's (documented in docs/tokens.md). */
  readonly additions: readonly string[]
}

const MILLIS = /^(0|[1-9][0-9]*)$/
const ID = /^[1-9][0-9]*$/
const TEXT = /^[\s\S]*$/
const NON_EMPTY = /^[\s\S]+$/
/** Java's LocalDateTime to the second, the server's local time: 2022-01-05T08:41:31. */
const LOCAL_SECONDS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/
/** To the minute (2022-02-04T08:41), or "Never". */
const EXPIRES_AT = /^(\d{4}-\d\d-\d\dT\d\d:\d\d|Never)$/
const SNAPSHOT_ID = /^sso-snapshot-\d{4}-\d\d-\d\d-\d\d_\d\d_\d\d(-[1-9][0-9]*)?$/

export const PING: DocumentedResource = {
  name: 'GET info/1.0/ping',
  fields: [
    { field: 'datetime', type: 'string', example: '2022-04-09T05:10:06.160+02:00[Europe/Oslo]', format: /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}(Z|[+-]\d\d:\d\d)\[[A-Za-z0-9_/+-]+\]$/ },
    { field: 'response', type: 'string', example: 'pong', format: /^pong$/ },
    { field: 'timestamp', type: 'number', example: 1649473806160, format: MILLIS },
  ],
  additions: [],
}

export const SNAPSHOT: DocumentedResource = {
  name: 'GET snapshot/1.0/config/snapshot/',
  fields: [
    { field: 'applicationName', type: 'string', example: 'JIRA', format: NON_EMPTY },
    {
      field: 'applicationVersion',
      type: 'string',
      example: '8.16.1',
      format: /^([0-9]+(\.[0-9]+)*)?$/,
      restgate: { format: /^$/, why: "empty: restgate does not know the application's version" },
    },
    { field: 'pluginVersion', type: 'string', example: '5.2.1-SNAPSHOT', format: /^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.]+)?$/ },
    { field: 'baseUrl', type: 'string', example: 'https://elisor-p1:8443/jira', format: /^https?:\/\/[^/\s]+(\/\S*)?$/ },
    { field: 'timeMillis', type: 'number', example: 1641298623998, format: MILLIS },
    { field: 'description', type: 'string', example: 'test', format: NON_EMPTY },
    {
      field: 'filename',
      type: 'string',
      example: 'sso-snapshot-2022-01-04-13_17_04.zip',
      format: /^sso-snapshot-\d{4}-\d\d-\d\d-\d\d_\d\d_\d\d(-[1-9][0-9]*)?\.zip$/,
      restgate: {
        format: /^sso-snapshot-\d{4}-\d\d-\d\d-\d\d_\d\d_\d\d(-[1-9][0-9]*)?\.yaml$/,
        why: "`.yaml`: restgate's snapshot is the policy file's YAML text, not a zip",
      },
    },
    { field: 'id', type: 'string', example: 'sso-snapshot-2022-01-04-13_17_04', format: SNAPSHOT_ID },
    { field: 'readable', type: 'boolean', example: true, format: /^(true|false)$/ },
  ],
  additions: [],
}

export const CREATED: DocumentedResource = {
  name: 'POST apitokens/2.0/user/tokens',
  fields: [
    { field: 'validForDays', type: 'string', example: '180', format: /^([1-9][0-9]*|Forever)$/ },
    { field: 'expiresAt', type: 'string', example: '2022-07-03T18:27', format: EXPIRES_AT },
    { field: 'apiToken', type: 'string', example: 'YXPTJ2N52YYDDMKDHVYMQW2R7J7KMCJHQMDMUELXPKWDTR4QGRPKKS5BYTAPYAKBCMKKAMF2G3B6ATA2CVN3RWAFJX22MJEWC6QU2HTQIFJ4MVA4LOHS2ZKZ6OP3DKGR', format: /^[0-9A-Za-z_]{32,}$/ },
    { field: 'tokenName', type: 'string', example: 'api_token_2022-01-04T17:29:02.042', format: NON_EMPTY },
    { field: 'description', type: 'string', example: '', format: TEXT },
    { field: 'id', type: 'number', example: 68, format: ID },
    { field: 'expiresAtMillis', type: 'number', example: 1643905742042, format: MILLIS, expiringOnly: true },
  ],
  additions: ['scope', 'paths'],
}

/** A token in `{ "allApiTokens": [...] }`, from `user/tokens` and `admin/tokens` alike. */
export const LISTED: DocumentedResource = {
  name: 'GET apitokens/2.0/user/tokens',
  fields: [
    { field: 'timeUntilExpiryDays', type: 'string', example: '29', format: /^(0|[1-9][0-9]*)$/, expiringOnly: true },
    { field: 'createdAt', type: 'string', example: '2022-01-05T08:41:02', format: LOCAL_SECONDS },
    { field: 'createdAtMillis', type: 'number', example: 1641368462114, format: MILLIS },
    { field: 'timeUntilExpiryMillis', type: 'number', example: 2586019515, format: MILLIS, expiringOnly: true },
    { field: 'tokenName', type: 'string', example: 'non-expiring2', format: NON_EMPTY },
    { field: 'description', type: 'string', example: "Longer free-text optional description about the token's purpose", format: TEXT },
    { field: 'id', type: 'number', example: 130, format: ID },
    { field: 'expiresAt', type: 'string', example: '2022-02-04T08:41', format: EXPIRES_AT },
    { field: 'username', type: 'string', example: 'admin', format: NON_EMPTY },
  ],
  additions: ['expiresAtMillis', 'validForDays', 'expired', 'active', 'scope', 'paths', 'lastUsedAtMillis', 'lastUsedIp'],
}

export const EXPIRY_STATUS: DocumentedResource = {
  name: 'GET apitokens/2.0/user/expiry/status',
  fields: [
    { field: 'expiresAt', type: 'string', example: '2022-07-03T18:27', format: EXPIRES_AT },
    { field: 'apiTokenDescription', type: 'string', example: "Longer free-text optional description about the token's purpose", format: TEXT },
    { field: 'id', type: 'number', example: 67, format: ID },
    { field: 'timeUntilExpiryMillis', type: 'number', example: 15465600000, format: MILLIS, expiringOnly: true },
    { field: 'timeUntilExpiryDays', type: 'string', example: '179', format: /^(0|[1-9][0-9]*)$/, expiringOnly: true },
  ],
  additions: [],
}

export const RESOURCES: readonly DocumentedResource[] = [PING, SNAPSHOT, CREATED, LISTED, EXPIRY_STATUS]

/** The default name of a token created with `{}`: `api_token_` and the local time to the millisecond. */
export const DEFAULT_TOKEN_NAME = /^api_token_\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}$/
