// The policy file's one schema. The Config type is derived from it, Ajv fills in the defaults, and
// `rule` is the human wording used in error messages ("server.port: must be an integer 1-65535").
// `restart: true` marks keys a hot reload cannot apply.
import { Type, type Static, type TSchema, type SchemaOptions } from '@sinclair/typebox'

const rule = (text: string): { rule: string } => ({ rule: text })

const Port = (def: number, opts: SchemaOptions = {}) =>
  Type.Integer({ minimum: 1, maximum: 65535, default: def, ...rule('an integer 1-65535'), ...opts })

const NonEmpty = (opts: SchemaOptions = {}) => Type.String({ minLength: 1, ...rule('a non-empty string'), ...opts })

const HeaderName = (def?: string) =>
  Type.String({
    ...(def === undefined ? {} : { default: def }),
    pattern: "^[A-Za-z0-9!#$%&'*+.^_`|~-]+$",
    ...rule('an HTTP header name'),
  })

const Cidr = Type.String({ format: 'cidr', ...rule('a CIDR like 10.0.0.0/8, 192.0.2.7 or 2001:db8::/32') })
const Cidrs = (opts: SchemaOptions = {}) => Type.Array(Cidr, { default: [], ...opts })

const Glob = Type.String({ format: 'path-glob', ...rule('a path glob starting with / (* one segment, ** any depth)') })
const Globs = (def: string[]) => Type.Array(Glob, { default: def })

const UserAgentRule = Type.String({
  format: 'user-agent-rule',
  ...rule('a case-insensitive substring, or a /regular expression/'),
})

const DURATION_RULE = 'a duration like 30s, 15m, 8h, 7d, or a whole number of seconds'
const Duration = (def: string | number, opts: SchemaOptions = {}) =>
  Type.Union(
    [
      Type.Integer({ minimum: 0, ...rule(DURATION_RULE) }),
      Type.String({ pattern: '^[0-9]+(ms|s|m|h|d)$', ...rule(DURATION_RULE) }),
    ],
    { default: def, ...rule(DURATION_RULE), ...opts },
  )

const Names = (opts: SchemaOptions = {}) => Type.Array(NonEmpty(), { default: [], ...opts })

const Networks = Type.Object(
  {
    allow: Cidrs({ description: 'Only these client networks; empty means every network' }),
    deny: Cidrs({ description: 'Never these client networks; deny wins over allow' }),
  },
  { additionalProperties: false, default: {} },
)

const FilePath = NonEmpty({ format: 'file-path', ...rule('a readable file path') })

const Server = Type.Object(
  {
    host: Type.String({ default: '0.0.0.0', restart: true }),
    port: Port(8080, { restart: true }),
    tls: Type.Optional(
      Type.Object({ cert: FilePath, key: FilePath }, { additionalProperties: false, restart: true }),
    ),
    trustedProxies: Cidrs({ restart: true }),
    maxHeaderBytes: Type.Integer({
      minimum: 8192,
      maximum: 1048576,
      default: 65536,
      restart: true,
      ...rule('an integer from 8192 to 1048576 (bytes)'),
    }),
    keepAliveTimeout: Duration('72s'),
    requestTimeout: Duration('5m'),
    drainTimeout: Duration('30s'),
    realm: Type.String({
      default: 'restgate',
      pattern: '^[^"\\\\]*$',
      description: 'Realm named in WWW-Authenticate: Basic challenges',
      ...rule('a realm name without quotes or backslashes'),
    }),
    workers: Type.Integer({ minimum: 1, maximum: 64, default: 1, restart: true, ...rule('an integer 1-64') }),
    admin: Type.Object(
      {
        enabled: Type.Boolean({ default: true, restart: true }),
        host: Type.String({ default: '127.0.0.1', restart: true }),
        port: Port(9090, { restart: true }),
      },
      { additionalProperties: false, default: {} },
    ),
  },
  { additionalProperties: false, default: {} },
)

const Upstream = Type.Object(
  {
    // The keep-alive pool is bound to one origin and its connect options: changing them needs a restart.
    url: Type.String({ format: 'origin-url', restart: true, ...rule('an http:// or https:// origin without a path, like http://jira:8080') }),
    timeout: Duration('60s'),
    connectTimeout: Duration('5s', { restart: true }),
    connections: Type.Integer({ minimum: 1, maximum: 4096, default: 128, restart: true, ...rule('an integer 1-4096') }),
    preserveHost: Type.Boolean({ default: false }),
    applicationName: Type.String({ default: 'JIRA', description: 'JIRA or Confluence: shown in snapshots' }),
    tls: Type.Optional(
      Type.Object(
        {
          ca: Type.Optional(FilePath),
          rejectUnauthorized: Type.Boolean({ default: true }),
        },
        { additionalProperties: false, restart: true },
      ),
    ),
  },
  { additionalProperties: false },
)

const Identity = Type.Object(
  {
    userHeader: HeaderName('X-Forwarded-User'),
    methodHeader: HeaderName('X-Forwarded-Auth'),
    // No default: groups are sent only when this names a header (README: "none").
    groupsHeader: Type.Optional(HeaderName()),
    stripHeaders: Type.Array(HeaderName('X'), {
      default: [],
      description: 'More header names that clients may never send to the upstream',
    }),
    signing: Type.Optional(
      Type.Object(
        {
          keyFile: FilePath,
          header: HeaderName('X-Restgate-Assertion'),
        },
        { additionalProperties: false },
      ),
    ),
    // Two-legged OAuth 1.0a with user impersonation (an Application Link in Jira): every request restgate
    // authenticated is signed as its user; requests it did not authenticate never are.
    oauth: Type.Optional(
      Type.Object(
        {
          consumerKey: Type.String({
            minLength: 1,
            maxLength: 200,
            pattern: '^[^\\x00-\\x1f\\x7f]+$',
            ...rule('the Application Link\'s consumer key (printable, at most 200 characters)'),
          }),
          privateKeyFile: FilePath,
          baseUrl: Type.Optional(
            Type.String({
              format: 'origin-url',
              ...rule('the origin Jira believes it serves (its connector\'s scheme://proxyName:proxyPort), like https://jira.example.com'),
              description: 'Signed instead of upstream.url when the Tomcat connector sets proxyName/proxyPort/scheme',
            }),
          ),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false, default: {} },
)

const HostPort = Type.Object(
  { host: NonEmpty(), port: Port(6379) },
  { additionalProperties: false },
)

const Store = Type.Object(
  {
    type: Type.Union([Type.Literal('embedded'), Type.Literal('redis')], {
      default: 'embedded',
      restart: true,
      ...rule('"embedded" or "redis"'),
    }),
    path: Type.String({ default: './data/restgate.db', restart: true }),
    redis: Type.Optional(
      Type.Object(
        {
          url: Type.Optional(Type.String({ pattern: '^rediss?://', ...rule('a redis:// or rediss:// URL') })),
          sentinels: Type.Optional(Type.Array(HostPort, { minItems: 1 })),
          name: Type.Optional(NonEmpty({ description: 'Sentinel master name' })),
          cluster: Type.Optional(Type.Array(HostPort, { minItems: 1 })),
          username: Type.Optional(Type.String()),
          password: Type.Optional(Type.String()),
          db: Type.Optional(Type.Integer({ minimum: 0, maximum: 15, ...rule('an integer 0-15') })),
          keyPrefix: Type.String({ default: 'restgate:' }),
          tls: Type.Optional(
            Type.Object(
              {
                ca: Type.Optional(FilePath),
                cert: Type.Optional(FilePath),
                key: Type.Optional(FilePath),
                rejectUnauthorized: Type.Boolean({ default: true }),
              },
              { additionalProperties: false },
            ),
          ),
        },
        { additionalProperties: false, restart: true },
      ),
    ),
  },
  { additionalProperties: false, default: {} },
)

const Directory = Type.Object(
  {
    source: Type.Union([Type.Literal('static'), Type.Literal('upstream')], {
      default: 'static',
      ...rule('"static" or "upstream"'),
    }),
    admins: Type.Object({ users: Names(), groups: Names() }, { additionalProperties: false, default: {} }),
    groups: Type.Record(Type.String({ minLength: 1 }), Type.Array(NonEmpty()), { default: {} }),
    cacheSeconds: Type.Integer({ minimum: 0, maximum: 86400, default: 300, ...rule('an integer 0-86400') }),
    graceSeconds: Type.Integer({ minimum: 0, maximum: 604800, default: 3600, ...rule('an integer 0-604800') }),
  },
  { additionalProperties: false, default: {} },
)

export const DEFAULT_EXCLUDED_USER_AGENTS = [
  'AtlassianCompanion',
  'AtlassianMobileApp',
  'Axis/',
  'Bamboo-',
  'BB10',
  'Bitbucket-',
  'BlackBerry',
  'Confluence-',
  'Confluence/',
  'FishEye-',
  'GoEdit',
  'HttpClient',
  'Java/',
  'JIRA-',
  'JIRA/',
  'Monitoring Agent',
]

const PrincipalRule = Type.Object(
  {
    match: Type.String({ format: 'regex', ...rule('a regular expression') }),
    replace: Type.String({ default: '$1' }),
  },
  { additionalProperties: false },
)

const Kerberos = Type.Object(
  {
    enabled: Type.Boolean({ default: false }),
    keytab: Type.Optional(FilePath),
    servicePrincipal: Type.String({
      default: '',
      pattern: '^$|^[^@\\s]+@[^@\\s]+$',
      ...rule('"HTTP@host", or empty for any key in the keytab'),
    }),
    realms: Names({ description: 'Accepted realms; empty accepts every realm in the keytab' }),
    stripRealm: Type.Boolean({ default: true }),
    principalMap: Type.Array(PrincipalRule, { default: [] }),
    lowercase: Type.Boolean({ default: false }),
    paths: Globs(['/rest/**']),
    excludePaths: Globs([]),
    networks: Networks,
    excludeUserAgents: Type.Array(UserAgentRule, { default: DEFAULT_EXCLUDED_USER_AGENTS }),
    replayCacheDir: Type.Optional(NonEmpty({ restart: true })),
    sessions: Type.Boolean({ default: false, description: 'Set the restgate session cookie after a handshake' }),
  },
  { additionalProperties: false, default: {} },
)

const ApiTokens = Type.Object(
  {
    enabled: Type.Boolean({ default: true }),
    basic: Type.Boolean({ default: true }),
    bearer: Type.Boolean({ default: true }),
    paths: Globs(['/rest/**']),
    networks: Networks,
    creators: Type.Object({ groups: Names() }, { additionalProperties: false, default: {} }),
    defaultLifetimeDays: Type.Integer({ minimum: 1, maximum: 3650, default: 30, ...rule('an integer 1-3650') }),
    maxLifetimeDays: Type.Integer({ minimum: 1, maximum: 3650, default: 365, ...rule('an integer 1-3650') }),
    allowNonExpiring: Type.Boolean({ default: false }),
    hashKeyFile: Type.Optional(NonEmpty({ restart: true })),
    cache: Type.Object(
      {
        maxEntries: Type.Integer({ minimum: 0, maximum: 1000000, default: 10000, ...rule('an integer 0-1000000') }),
        ttl: Duration('30s'),
      },
      { additionalProperties: false, default: {} },
    ),
    scopes: Type.Object(
      { allowWrite: Names({ description: 'Groups that may create write tokens; empty means everyone' }) },
      { additionalProperties: false, default: {} },
    ),
  },
  { additionalProperties: false, default: {} },
)

const Sessions = Type.Object(
  {
    enabled: Type.Boolean({ default: true }),
    cookieName: Type.String({ default: 'RESTGATE_SESSION', pattern: "^[A-Za-z0-9!#$%&'*+.^_`|~-]+$", ...rule('a cookie name') }),
    idleTimeout: Duration('30m'),
    absoluteTimeout: Duration('8h'),
    secure: Type.Union([Type.Literal('auto'), Type.Literal('always'), Type.Literal('never')], {
      default: 'auto',
      ...rule('"auto", "always" or "never"'),
    }),
  },
  { additionalProperties: false, default: {} },
)

const Lockout = Type.Object(
  {
    enabled: Type.Boolean({ default: true }),
    maxFailures: Type.Integer({ minimum: 1, maximum: 10000, default: 10, ...rule('an integer 1-10000') }),
    window: Duration('15m'),
  },
  { additionalProperties: false, default: {} },
)

const Snapshots = Type.Object(
  {
    keep: Type.Integer({ minimum: 1, maximum: 10000, default: 50, ...rule('an integer 1-10000') }),
  },
  { additionalProperties: false, default: {} },
)

const TokenPage = Type.Object(
  {
    enabled: Type.Boolean({ default: true, restart: true }),
    path: Type.String({ default: '/restgate/tokens', pattern: '^(/[A-Za-z0-9._~-]+)+$', restart: true, ...rule('an absolute path like /restgate/tokens') }),
  },
  { additionalProperties: false, default: {} },
)

const Logging = Type.Object(
  {
    level: Type.Union(
      ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
      { default: 'info', ...rule('one of fatal, error, warn, info, debug, trace, silent') },
    ),
    accessLog: Type.Boolean({ default: true }),
  },
  { additionalProperties: false, default: {} },
)

const PassOrDeny = (def: 'passthrough' | 'deny') =>
  Type.Union([Type.Literal('passthrough'), Type.Literal('deny')], { default: def, ...rule('"passthrough" or "deny"') })

export const ConfigSchema = Type.Object(
  {
    server: Server,
    upstream: Upstream,
    identity: Identity,
    store: Store,
    directory: Directory,
    kerberos: Kerberos,
    apiTokens: ApiTokens,
    passwords: PassOrDeny('passthrough'),
    anonymous: PassOrDeny('passthrough'),
    sessions: Sessions,
    lockout: Lockout,
    snapshots: Snapshots,
    tokenPage: TokenPage,
    logging: Logging,
  },
  { additionalProperties: false },
)

export type Config = Static<typeof ConfigSchema>

/** Every schema in this file carries only keywords Ajv knows plus these annotations. */
export const SCHEMA_ANNOTATIONS = ['rule', 'restart'] as const

export type { TSchema }
