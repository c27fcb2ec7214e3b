// The policy file's one schema. The Config type is derived from it, Ajv fills in the defaults, and
// `rule` is the human wording used in error messages ("server.port: must be an integer 1-65535").
// `restart: true` marks keys a hot reload cannot apply. Each key's `description` is the sentence that
// docs/policy-reference.md prints for it (`npm run docs` regenerates that page; a test keeps it in step).
import { Type, type Static, type TSchema, type SchemaOptions } from '@sinclair/typebox'

const rule = (text: string): { rule: string } => ({ rule: text })

const Port = (def: number, opts: SchemaOptions = {}) =>
  Type.Integer({ minimum: 1, maximum: 65535, default: def, ...rule('an integer 1-65535'), ...opts })

const NonEmpty = (opts: SchemaOptions = {}) => Type.String({ minLength: 1, ...rule('a non-empty string'), ...opts })

const HeaderName = (def?: string, opts: SchemaOptions = {}) =>
  Type.String({
    ...(def === undefined ? {} : { default: def }),
    ...opts,
    pattern: "^[A-Za-z0-9!#$%&'*+.^_`|~-]+$",
    ...rule('an HTTP header name'),
  })

const Cidr = Type.String({ format: 'cidr', ...rule('a CIDR like 10.0.0.0/8, 192.0.2.7 or 2001:db8::/32') })
const Cidrs = (opts: SchemaOptions = {}) => Type.Array(Cidr, { default: [], ...opts })

const Glob = Type.String({ format: 'path-glob', ...rule('a path glob starting with / (* one segment, ** any depth)') })
const Globs = (def: string[], opts: SchemaOptions = {}) => Type.Array(Glob, { default: def, ...opts })

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

const FilePath = (description: string) => NonEmpty({ format: 'file-path', description, ...rule('a readable file path') })

const Server = Type.Object(
  {
    host: Type.String({ default: '0.0.0.0', restart: true, description: 'Address the proxy listens on' }),
    port: Port(8080, { restart: true, description: 'Port the proxy listens on: clients call restgate here instead of Jira' }),
    tls: Type.Optional(
      Type.Object(
        {
          cert: FilePath('PEM certificate (with its chain) the proxy serves'),
          key: FilePath('PEM private key of that certificate'),
        },
        { additionalProperties: false, restart: true, description: 'Serve HTTPS instead of HTTP' },
      ),
    ),
    trustedProxies: Cidrs({
      restart: true,
      description: 'Load balancers whose `X-Forwarded-For`, `-Proto` and `-Host` are believed',
    }),
    maxHeaderBytes: Type.Integer({
      minimum: 8192,
      maximum: 1048576,
      default: 65536,
      restart: true,
      description: "Largest request head accepted (431 above it): Kerberos tickets of users in many AD groups exceed Node's 16 KiB",
      ...rule('an integer from 8192 to 1048576 (bytes)'),
    }),
    maxHeaders: Type.Integer({
      minimum: 16,
      maximum: 10000,
      default: 100,
      restart: true,
      description:
        "Most header lines a request may have (431 above it; Tomcat's default too). counted by restgate itself, since Node's own limit of 1,000 would drop the lines past it unseen",
      ...rule('an integer from 16 to 10000'),
    }),
    maxConnections: Type.Integer({
      minimum: 0,
      maximum: 1000000,
      default: 10000,
      description:
        'Open client connections per process, at most (`0`: no limit); past it new connections are closed at once, so a flood of idle ones cannot take the file descriptors and memory that requests to the upstream need',
      ...rule('an integer from 0 to 1000000'),
    }),
    keepAliveTimeout: Duration('72s', { description: "How long an idle client connection stays open: longer than the load balancer's idle timeout" }),
    headersTimeout: Duration('20s', {
      description: 'How long a client may take to send the request line and headers, from its first byte (or from connecting); 408 past it',
    }),
    bodyTimeout: Duration('20s', {
      description: 'The longest pause allowed while a request body arrives, and the allowance before `server.minBodyRate` counts (408 past either; `0`: neither rule)',
    }),
    minBodyRate: Type.Integer({
      minimum: 0,
      maximum: 1073741824,
      default: 500,
      description: 'Bytes a second a request body must average after its first `server.bodyTimeout` (`0`: no rate); time restgate is not reading the body does not count',
      ...rule('an integer from 0 (no minimum) to 1073741824 (bytes a second)'),
    }),
    requestTimeout: Duration('5m', { description: 'How long a client may take to send a whole request, headers and body' }),
    drainTimeout: Duration('30s', { description: 'How long SIGTERM and SIGINT wait for requests in flight (and open WebSockets) before closing their connections' }),
    websocketIdleTimeout: Duration('10m', { description: 'A WebSocket through which nothing passed this long, either way, is closed' }),
    // Each WebSocket holds a connection of its own to the product, outside the pool and its queue.
    maxWebSockets: Type.Integer({
      minimum: 1,
      maximum: 1000000,
      default: 1000,
      description: 'WebSockets open (or opening) at once, per process, every product together; one more upgrade is refused with 503',
      ...rule('an integer 1-1000000'),
    }),
    realm: Type.String({
      default: 'restgate',
      pattern: '^[^"\\\\]*$',
      description: 'Realm named in `WWW-Authenticate: Basic` challenges',
      ...rule('a realm name without quotes or backslashes'),
    }),
    workers: Type.Integer({
      minimum: 1,
      maximum: 64,
      default: 1,
      restart: true,
      description: 'Processes sharing the port (`node:cluster`); with more than 1 a primary process forks them and serves the admin listener',
      ...rule('an integer 1-64'),
    }),
    admin: Type.Object(
      {
        enabled: Type.Boolean({ default: true, restart: true, description: 'Serve `/healthz`, `/readyz` and `/metrics`' }),
        host: Type.String({ default: '127.0.0.1', restart: true, description: 'Address of the admin listener: keep it off the public network' }),
        port: Port(9090, { restart: true, description: 'Port of the admin listener; must differ from `server.port`' }),
      },
      { additionalProperties: false, default: {}, description: 'The admin listener' },
    ),
  },
  { additionalProperties: false, default: {}, description: 'The listener clients call, and the admin listener' },
)

const ProductType = (opts: SchemaOptions = {}) =>
  Type.Union([Type.Literal('jira'), Type.Literal('confluence')], {
    restart: true,
    description: "`jira` or `confluence`: which REST API restgate's own calls (password checks, groups) use",
    ...rule('"jira" or "confluence"'),
    ...opts,
  })

// The fields a product's upstream has in both forms (`upstream:` for one product, `products:` for several).
// The keep-alive pool is bound to one origin and its connect options: changing them needs a restart.
const upstreamFields = {
  url: Type.String({
    format: 'http-url',
    restart: true,
    description:
      'The product as restgate reaches it: its origin and context path (`http://jira:8080/jira`, or `http://jira:8080` at the root); restgate serves it under the same path, and path rules are relative to it',
    ...rule('an http:// or https:// URL like http://jira:8080 or http://jira:8080/jira'),
  }),
  timeout: Duration('60s', { description: "How long to wait for the upstream's response headers, and between body chunks (504 past it)" }),
  connectTimeout: Duration('5s', { restart: true, description: 'How long to wait for a connection to the upstream' }),
  connections: Type.Integer({
    minimum: 1,
    maximum: 4096,
    default: 128,
    restart: true,
    description: 'Keep-alive connections to the upstream, at most; one request runs on each at a time, the others wait',
    ...rule('an integer 1-4096'),
  }),
  maxQueued: Type.Integer({
    minimum: 0,
    maximum: 100000,
    default: 1000,
    description: 'Requests that may wait for an upstream connection while every one is busy; one more is refused with 503 (`0`: none wait)',
    ...rule('an integer 0-100000'),
  }),
  queueTimeout: Duration('10s', {
    description: 'How long a request may wait for an upstream connection; past it, 503 and the request is not forwarded',
  }),
  preserveHost: Type.Boolean({ default: false, description: "Send the client's `Host` header instead of the upstream's" }),
  applicationName: Type.Optional(
    Type.String({ minLength: 1, description: 'Shown in snapshots (default: `JIRA` or `Confluence`, from `type`)', ...rule('a non-empty string') }),
  ),
  tls: Type.Optional(
    Type.Object(
      {
        ca: Type.Optional(FilePath("PEM CA certificates that sign the upstream's certificate (default: Node's built-in list)")),
        rejectUnauthorized: Type.Boolean({ default: true, description: 'Refuse an upstream certificate that does not verify' }),
      },
      { additionalProperties: false, restart: true, description: 'For an https upstream' },
    ),
  ),
}

const Upstream = Type.Object(
  { type: ProductType({ default: 'jira' }), ...upstreamFields },
  { additionalProperties: false, description: 'The one Jira or Confluence that restgate forwards to (or `products` for several)' },
)

const Product = Type.Object(
  {
    name: Type.String({
      pattern: '^[a-z][a-z0-9-]{0,31}$',
      description: 'Its name in logs and in `directory.product`',
      ...rule('a lower-case name like jira or wiki (letters, digits, -)'),
    }),
    type: ProductType(),
    ...upstreamFields,
  },
  { additionalProperties: false },
)

const Identity = Type.Object(
  {
    userHeader: HeaderName('X-Forwarded-User', { description: 'Header that tells the upstream who the caller is' }),
    methodHeader: HeaderName('X-Forwarded-Auth', {
      description: "Header that tells the upstream how the caller logged in: `kerberos`, `token` or `session` (`directory` on restgate's own group lookups)",
    }),
    // No default: groups are sent only when this names a header.
    groupsHeader: Type.Optional(
      HeaderName(undefined, { description: "Send the caller's groups in this header too (comma-separated, percent-encoded)" }),
    ),
    stripHeaders: Type.Array(HeaderName('X'), {
      default: [],
      description: 'More header names that clients may never send to the upstream',
    }),
    signing: Type.Optional(
      Type.Object(
        {
          keyFile: FilePath('Key shared with the upstream (32+ random bytes); read again on every reload'),
          header: HeaderName('X-Restgate-Assertion', { description: 'Header that carries the signed assertion' }),
        },
        { additionalProperties: false, description: 'Add a signed identity assertion (HMAC-SHA-256 over user, method, time and the request line) for the authenticators in integrations/atlassian' },
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
            description: "Consumer key of the Application Link's incoming OAuth (with \"Allow user impersonation\")",
            ...rule("the Application Link's consumer key (printable, at most 200 characters)"),
          }),
          privateKeyFile: FilePath('PEM RSA private key (2048 bits or more) whose public key the link holds; read again on every reload'),
          baseUrl: Type.Optional(
            Type.String({
              format: 'origin-url',
              description: "Origin signed instead of `upstream.url`: what Jira believes it serves when its Tomcat connector sets `proxyName`, `proxyPort` and `scheme`",
              ...rule("the origin Jira believes it serves (its connector's scheme://proxyName:proxyPort), like https://jira.example.com"),
            }),
          ),
        },
        { additionalProperties: false, description: 'Sign every request restgate authenticated with OAuth 1.0a (RSA-SHA1) as its user' },
      ),
    ),
  },
  { additionalProperties: false, default: {}, description: 'The headers that tell the upstream who the caller is' },
)

const HostPort = Type.Object(
  { host: NonEmpty({ description: 'Host name or address' }), port: Port(6379, { description: 'Port' }) },
  { additionalProperties: false },
)

/** How long a Redis write waits for its replicas by default; also what the store assumes when not told. */
export const DEFAULT_REPLICA_TIMEOUT = '500ms'

const Store = Type.Object(
  {
    type: Type.Union([Type.Literal('embedded'), Type.Literal('redis')], {
      default: 'embedded',
      restart: true,
      description: '`embedded` (a SQLite file, one instance) or `redis` (several instances)',
      ...rule('"embedded" or "redis"'),
    }),
    path: Type.String({
      default: './data/restgate.db',
      restart: true,
      description: "The embedded store's SQLite file; a generated token hash key and the default Kerberos replay cache go beside it",
    }),
    redis: Type.Optional(
      Type.Object(
        {
          url: Type.Optional(
            Type.String({
              pattern: '^rediss?://',
              description: 'One Redis server: `redis://[:password@]host:port/db`, or `rediss://` for TLS',
              ...rule('a redis:// or rediss:// URL'),
            }),
          ),
          sentinels: Type.Optional(Type.Array(HostPort, { minItems: 1, description: 'Redis Sentinel addresses (with `name`)' })),
          name: Type.Optional(NonEmpty({ description: 'Sentinel master name' })),
          cluster: Type.Optional(Type.Array(HostPort, { minItems: 1, description: 'Redis Cluster nodes to start from' })),
          username: Type.Optional(Type.String({ description: 'Redis ACL user name' })),
          password: Type.Optional(Type.String({ description: 'Redis password (write `${VAR}` and keep it in the environment, or use `passwordFile`)' })),
          passwordFile: Type.Optional(
            FilePath("A file holding the Redis password (a container or systemd secret): its text, less one final newline, read at start"),
          ),
          sentinelUsername: Type.Optional(Type.String({ description: 'With `sentinels`: the ACL user name restgate gives the Sentinels' })),
          sentinelPassword: Type.Optional(
            Type.String({ description: 'With `sentinels`: the password of the Sentinels themselves (their `requirepass`); the master\'s is `password`' }),
          ),
          sentinelPasswordFile: Type.Optional(FilePath('With `sentinels`: a file holding the Sentinels\' password, read like `passwordFile`')),
          db: Type.Optional(Type.Integer({ minimum: 0, maximum: 15, description: 'Database number', ...rule('an integer 0-15') })),
          keyPrefix: Type.String({ default: 'restgate:', description: 'Prefix of every key, to share a Redis' }),
          // A confirmed write is on this many replicas (WAIT) before its 2xx. No default here, because the
          // right one depends on the mode: 1 with sentinels or cluster (a failover promotes a replica), 0 with
          // url (a lone server has none to wait for). See docs/stores.md.
          minReplicas: Type.Optional(
            Type.Integer({
              minimum: 0,
              maximum: 16,
              description: 'Replicas that must acknowledge a write before it is confirmed; default 1 with sentinels or cluster, 0 with url',
              ...rule('an integer 0-16'),
            }),
          ),
          replicaTimeout: Duration(DEFAULT_REPLICA_TIMEOUT, { description: 'How long a write waits for its replicas before it is refused (503); 1ms to 10s' }),
          tls: Type.Optional(
            Type.Object(
              {
                ca: Type.Optional(FilePath("PEM CA certificates that sign Redis's certificate")),
                cert: Type.Optional(FilePath('PEM client certificate')),
                key: Type.Optional(FilePath('PEM private key of the client certificate')),
                rejectUnauthorized: Type.Boolean({ default: true, description: "Refuse a Redis certificate that does not verify" }),
              },
              { additionalProperties: false, description: 'TLS to Redis' },
            ),
          ),
        },
        {
          additionalProperties: false,
          restart: true,
          description: 'The Redis store: exactly one of `url`, `sentinels` (with `name`) or `cluster`; required with `type: redis`',
        },
      ),
    ),
  },
  { additionalProperties: false, default: {}, description: 'Where tokens, sessions, lockout counters and policy snapshots live' },
)

const Directory = Type.Object(
  {
    source: Type.Union([Type.Literal('static'), Type.Literal('upstream')], {
      default: 'static',
      description: "Where a user's groups come from: `static` (`directory.groups`) or `upstream` (the product's own, plus `directory.groups`)",
      ...rule('"static" or "upstream"'),
    }),
    product: Type.Optional(
      NonEmpty({ description: 'With `source: upstream` and several products: the one whose REST answers for groups (default: the first)' }),
    ),
    admins: Type.Object(
      {
        users: Names({ description: 'Administrators by user name' }),
        groups: Names({ description: 'Groups whose members are administrators' }),
      },
      { additionalProperties: false, default: {}, description: "restgate's administrators (the management API's admin routes)" },
    ),
    groups: Type.Record(Type.String({ minLength: 1 }), Type.Array(NonEmpty()), {
      default: {},
      description: 'Static groups: `{ group: [user, ...] }`',
    }),
    cacheSeconds: Type.Integer({
      minimum: 0,
      maximum: 86400,
      default: 300,
      description: "With `source: upstream`: how long Jira's answer for a user is kept",
      ...rule('an integer 0-86400'),
    }),
    graceSeconds: Type.Integer({
      minimum: 0,
      maximum: 604800,
      default: 3600,
      description: 'With `source: upstream`: how much longer a kept answer is used while Jira cannot answer',
      ...rule('an integer 0-604800'),
    }),
  },
  { additionalProperties: false, default: {}, description: 'Users, groups and administrators' },
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
    match: Type.String({ format: 'regex', description: 'Regular expression that must match the whole principal', ...rule('a regular expression') }),
    replace: Type.String({ default: '$1', description: 'The user name: `$1`, `$<name>` and `$&` fill in from the match' }),
  },
  { additionalProperties: false },
)

const Kerberos = Type.Object(
  {
    enabled: Type.Boolean({ default: false, description: 'Accept `Authorization: Negotiate` and send Negotiate challenges' }),
    keytab: Type.Optional(
      FilePath('The keytab file (default: the file `$KRB5_KTNAME` names, as libkrb5 reads it; one of the two is required when enabled); read again on every reload'),
    ),
    servicePrincipal: Type.String({
      default: '',
      pattern: '^$|^[^@\\s]+@[^@\\s]+$',
      description: '`HTTP@host`; empty accepts a ticket for any key in the keytab',
      ...rule('"HTTP@host", or empty for any key in the keytab'),
    }),
    realms: Names({ description: "Accepted realms; empty accepts the realms of the keytab's keys" }),
    stripRealm: Type.Boolean({ default: true, description: '`alice@EXAMPLE.COM` becomes `alice`' }),
    principalMap: Type.Array(PrincipalRule, {
      default: [],
      description: 'Ordered rules on the whole principal; the first that matches gives the user name instead of `stripRealm`',
    }),
    lowercase: Type.Boolean({ default: false, description: 'Lower-case the user name' }),
    paths: Globs(['/rest/**'], { description: 'Where Kerberos applies (globs on the canonical path within each product\'s context path: `/rest/**` covers `/jira/rest/...`)' }),
    excludePaths: Globs([], { description: 'Where it does not, within `paths`' }),
    networks: Networks,
    excludeUserAgents: Type.Array(UserAgentRule, {
      default: DEFAULT_EXCLUDED_USER_AGENTS,
      description: 'User agents that get no Negotiate challenge (substrings, or `/regex/`); a token they send is still checked',
    }),
    replayCacheDir: Type.Optional(
      NonEmpty({ restart: true, description: "MIT's replay cache directory (default: `$KRB5RCACHEDIR`, else `krb5-rcache` beside `store.path`)" }),
    ),
    sessions: Type.Boolean({ default: false, description: 'Set the restgate session cookie after a handshake (needs `sessions.enabled`)' }),
  },
  { additionalProperties: false, default: {}, description: 'SPNEGO (Kerberos) for REST' },
)

const ApiTokens = Type.Object(
  {
    enabled: Type.Boolean({ default: true, description: 'Accept and issue API tokens' }),
    basic: Type.Boolean({ default: true, description: 'Accept a token as the Basic password (`curl -u alice:TOKEN`)' }),
    bearer: Type.Boolean({ default: true, description: 'Accept `Authorization: Bearer TOKEN` (other Bearer values pass to Jira)' }),
    paths: Globs(['/rest/**'], { description: 'Where tokens count, within each product\'s context path (add globs for tokens on non-REST URLs); a token elsewhere is refused' }),
    networks: Networks,
    creators: Type.Object(
      { groups: Names({ description: 'Who may hold tokens besides admins; empty means everyone' }) },
      { additionalProperties: false, default: {} },
    ),
    defaultLifetimeDays: Type.Integer({
      minimum: 1,
      maximum: 3650,
      default: 30,
      description: 'Lifetime of a token created without `validForDays`',
      ...rule('an integer 1-3650'),
    }),
    maxLifetimeDays: Type.Integer({
      minimum: 1,
      maximum: 3650,
      default: 365,
      description: 'The longest lifetime allowed',
      ...rule('an integer 1-3650'),
    }),
    allowNonExpiring: Type.Boolean({ default: false, description: 'Allow tokens that never expire (`isValidForever: true`)' }),
    hashKeyFile: Type.Optional(
      NonEmpty({ restart: true, description: 'Key for the token hashes (default: generated once into `token-hash.key` beside `store.path`)' }),
    ),
    cache: Type.Object(
      {
        maxEntries: Type.Integer({
          minimum: 0,
          maximum: 1000000,
          default: 10000,
          description: 'Validated tokens kept in memory per process',
          ...rule('an integer 0-1000000'),
        }),
        ttl: Duration('30s', { description: 'How long a validated token is believed without asking the store again' }),
      },
      { additionalProperties: false, default: {} },
    ),
    scopes: Type.Object(
      {
        allowWrite: Names({
          description: 'Groups that may create write tokens (admins always may); others get read-only tokens; empty means everyone',
        }),
      },
      { additionalProperties: false, default: {} },
    ),
  },
  { additionalProperties: false, default: {}, description: 'API tokens, in place of passwords in scripts' },
)

const Sessions = Type.Object(
  {
    enabled: Type.Boolean({ default: true, description: "restgate's own session cookie" }),
    cookieName: Type.String({
      default: 'RESTGATE_SESSION',
      pattern: "^[A-Za-z0-9!#$%&'*+.^_`|~-]+$",
      description: 'Name of the cookie (`__Host-RESTGATE_SESSION` behind https keeps sibling subdomains from setting it)',
      ...rule('a cookie name'),
    }),
    idleTimeout: Duration('30m', { description: 'A session unused this long ends (slides with use)' }),
    absoluteTimeout: Duration('8h', { description: "A session ends this long after login, used or not (also the cookie's Max-Age)" }),
    secure: Type.Union([Type.Literal('auto'), Type.Literal('always'), Type.Literal('never')], {
      default: 'auto',
      description: 'The `Secure` cookie attribute: `auto` (when the client used https), `always` or `never`',
      ...rule('"auto", "always" or "never"'),
    }),
  },
  { additionalProperties: false, default: {}, description: "restgate's session cookie" },
)

const Lockout = Type.Object(
  {
    enabled: Type.Boolean({ default: true, description: 'Count failed logins and refuse further attempts past the limit' }),
    maxFailures: Type.Integer({
      minimum: 1,
      maximum: 10000,
      default: 10,
      description: 'Failed logins per user, and per client address, within the window',
      ...rule('an integer 1-10000'),
    }),
    window: Duration('15m', { description: 'Each counter runs this long from its first failure' }),
  },
  { additionalProperties: false, default: {}, description: 'Brute-force lockout' },
)

const Snapshots = Type.Object(
  {
    keep: Type.Integer({
      minimum: 1,
      maximum: 10000,
      default: 50,
      description: 'Snapshots kept; automatic backups are the first to go',
      ...rule('an integer 1-10000'),
    }),
  },
  { additionalProperties: false, default: {}, description: 'Policy snapshots, in the store' },
)

const TokenPage = Type.Object(
  {
    enabled: Type.Boolean({ default: true, restart: true, description: 'Serve the page; `false` leaves its path to Jira' }),
    path: Type.String({
      default: '/restgate/tokens',
      pattern: '^(/[A-Za-z0-9._~-]+)+$',
      restart: true,
      description: "Where the page is served, under each product's context path (not under `/rest/`)",
      ...rule('an absolute path like /restgate/tokens'),
    }),
  },
  { additionalProperties: false, default: {}, description: 'The self-service token page' },
)

const ForwardAuth = Type.Object(
  {
    enabled: Type.Boolean({
      default: false,
      restart: true,
      description:
        'Answer auth requests at `/restgate/auth` under each product\'s context path (nginx `auth_request`, Traefik ForwardAuth, Envoy `ext_authz`), only from the front proxies in `server.trustedProxies`',
    }),
  },
  { additionalProperties: false, default: {}, description: 'restgate beside nginx, Traefik or Envoy: the forward-auth endpoint' },
)

const Logging = Type.Object(
  {
    level: Type.Union(
      ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
      { default: 'info', description: 'Log level', ...rule('one of fatal, error, warn, info, debug, trace, silent') },
    ),
    accessLog: Type.Boolean({ default: true, description: 'One line per request (written at level `info`)' }),
  },
  { additionalProperties: false, default: {}, description: 'JSON log lines on stdout' },
)

const PassOrDeny = (def: 'passthrough' | 'deny', description: string) =>
  Type.Union([Type.Literal('passthrough'), Type.Literal('deny')], { default: def, description, ...rule('"passthrough" or "deny"') })

export const ConfigSchema = Type.Object(
  {
    server: Server,
    upstream: Type.Optional(Upstream),
    products: Type.Optional(
      Type.Array(Product, {
        minItems: 1,
        restart: true,
        description:
          'Several products behind one restgate (Jira at `/jira`, Confluence at `/confluence`), in place of `upstream`: each its own upstream and context path, one policy and one store',
      }),
    ),
    identity: Identity,
    store: Store,
    directory: Directory,
    kerberos: Kerberos,
    apiTokens: ApiTokens,
    passwords: PassOrDeny('passthrough', 'Basic with a Jira password on a protected path: `passthrough` to Jira, or `deny` (401)'),
    anonymous: PassOrDeny('passthrough', 'No credential on a protected path: `passthrough` to Jira, or `deny` (401)'),
    sessions: Sessions,
    lockout: Lockout,
    snapshots: Snapshots,
    tokenPage: TokenPage,
    forwardAuth: ForwardAuth,
    logging: Logging,
  },
  { additionalProperties: false },
)

export type Config = Static<typeof ConfigSchema>

/** Every schema in this file carries only keywords Ajv knows plus these annotations. */
export const SCHEMA_ANNOTATIONS = ['rule', 'restart'] as const

export type { TSchema }
