// The policy file: defaults, every problem with its YAML path in one go, env substitution, frozen result.
import t from 'tap'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { loadConfigFile, parseConfig } from '../../src/config/load.js'
import { formatProblem } from '../../src/config/problems.js'
import { DEFAULT_EXCLUDED_USER_AGENTS, type Config } from '../../src/config/schema.js'
import { durabilityOf } from '../../src/store/redis-client.js'
import { repoPath } from '../helpers/paths.js'
import { tempDir } from '../helpers/tmp.js'

const MIN = 'upstream: { url: "http://jira:8080" }\n'

function problems(text: string, env: Record<string, string> = {}): string[] {
  const r = parseConfig(text, { env, checkFiles: true })
  if (r.ok) return []
  return r.problems.map(formatProblem)
}

t.test('the example policy in config/ loads and documents the defaults', async (t) => {
  const r = await loadConfigFile(repoPath('config', 'restgate.example.yaml'), { env: {} })
  if (!r.ok) return t.fail(r.problems.map(formatProblem).join('\n'))
  const min = parseConfig(MIN, { env: {} })
  if (!min.ok) return t.fail('minimal policy')
  // Everything the example writes out equals the built-in default, except what it deliberately sets.
  t.same({ ...r.config, server: { ...r.config.server, port: 8080 }, upstream: { ...r.config.upstream, url: 'http://jira:8080' } }, min.config)
  t.equal(r.config.upstream!.url, 'http://localhost:8080', '${JIRA_URL:-...} default applied')
})

t.test('a minimal policy gets every default', async (t) => {
  const r = parseConfig(MIN, { env: {} })
  if (!r.ok) return t.fail('should load')
  const c = r.config
  t.equal(c.server.port, 8080)
  t.equal(c.server.maxHeaderBytes, 65536)
  t.equal(c.identity.userHeader, 'X-Forwarded-User')
  t.equal(c.store.type, 'embedded')
  t.equal(c.store.path, './data/restgate.db')
  t.equal(c.kerberos.enabled, false)
  t.same(c.kerberos.excludeUserAgents, DEFAULT_EXCLUDED_USER_AGENTS)
  t.same(c.apiTokens.paths, ['/rest/**'])
  t.equal(c.apiTokens.defaultLifetimeDays, 30)
  t.equal(c.passwords, 'passthrough')
  t.equal(c.sessions.cookieName, 'RESTGATE_SESSION')
  t.ok(Object.isFrozen(c) && Object.isFrozen(c.server) && Object.isFrozen(c.apiTokens.paths), 'deeply frozen')
})

t.test('every problem is reported at once with its path and line', async (t) => {
  const text = [
    'server:',
    '  port: 0',
    '  prot: 8080',
    '  trustedProxies: ["10.0.0.0/8", "10.0.0.0/33"]',
    'upstream:',
    '  url: ftp://jira',
    '  timeout: soon',
    'apiTokens:',
    '  paths: ["rest/**"]',
    'kerberos:',
    '  excludeUserAgents: ["/(/"]',
    'anonymous: maybe',
    'extra: 1',
  ].join('\n')
  t.same(problems(text), [
    'server.port (line 2): must be an integer 1-65535',
    'server.prot (line 3): unknown key (did you mean "port"?)',
    'server.trustedProxies[1] (line 4): must be a CIDR like 10.0.0.0/8, 192.0.2.7 or 2001:db8::/32',
    'upstream.url (line 6): must be an http:// or https:// URL like http://jira:8080 or http://jira:8080/jira',
    'upstream.timeout (line 7): must be a duration like 30s, 15m, 8h, 7d, or a whole number of seconds',
    'apiTokens.paths[0] (line 9): must be a path glob starting with / (* one segment, ** any depth)',
    'kerberos.excludeUserAgents[0] (line 11): must be a case-insensitive substring, or a /regular expression/',
    'anonymous (line 12): must be "passthrough" or "deny"',
    'extra (line 13): unknown key',
  ])
})

t.test('missing required keys and cross-key rules', async (t) => {
  t.same(problems('server: { port: 8080 }\n'), ['upstream: is required: the Jira or Confluence to forward to (or products, for several)'])
  t.same(
    problems(MIN + 'store: { type: redis }\nkerberos: { enabled: true }\nsessions: { idleTimeout: 9h, absoluteTimeout: 8h }\n'),
    [
      'store.redis (line 2): is required when store.type is "redis"',
      'kerberos.keytab (line 3): is required when kerberos.enabled is true (or KRB5_KTNAME naming a keytab file in the environment)',
      'sessions.idleTimeout (line 4): must not exceed sessions.absoluteTimeout',
    ],
  )
  t.same(problems(MIN + 'store: { type: redis, redis: { url: "redis://r", cluster: [{ host: a, port: 1 }] } }\n'), [
    'store.redis (line 2): needs exactly one of url, sentinels (with name) or cluster',
  ])
  t.same(problems(MIN + 'server: { port: 9090 }\n'), ['server.admin.port (line 2): must differ from server.port'])
  t.same(problems(MIN + 'server: { headersTimeout: 10m, requestTimeout: 5m }\n'), ['server.headersTimeout (line 2): must not exceed server.requestTimeout'])
  t.same(problems(MIN + 'server: { headersTimeout: 10m, requestTimeout: 0 }\n'), [], 'no request timeout: any header timeout')
  t.same(problems('server: { maxHeaders: 8, minBodyRate: -1 }\nupstream: { url: "http://jira:8080", maxQueued: -1 }\n'), [
    'server.maxHeaders (line 1): must be an integer from 16 to 10000',
    'server.minBodyRate (line 1): must be an integer from 0 (no minimum) to 1073741824 (bytes a second)',
    'upstream.maxQueued (line 2): must be an integer 0-100000',
  ])
})

t.test('forwardAuth: on only with a trusted front proxy, and the token page kept off its path', async (t) => {
  t.same(problems(MIN + 'forwardAuth:\n  enabled: true\n'), [
    'forwardAuth.enabled (line 3): needs server.trustedProxies: auth requests are answered only for the front proxies listed there',
  ])
  t.same(problems(MIN + 'server: { trustedProxies: [10.0.0.5] }\nforwardAuth: { enabled: true }\ntokenPage: { path: /restgate/auth/tokens }\n'), [
    'tokenPage.path (line 4): must not be /restgate/auth or under it while forwardAuth.enabled is true',
  ])
  t.same(problems(MIN + 'server: { trustedProxies: [10.0.0.5] }\nforwardAuth: { enabled: true }\n'), [])
  t.same(problems(MIN + 'forwardAuth: { path: /auth }\n'), ['forwardAuth.path (line 2): unknown key'])
  const oauth = `identity: { oauth: { consumerKey: restgate, privateKeyFile: ${repoPath('package.json')} } }\n`
  t.same(problems(MIN + 'server: { trustedProxies: [10.0.0.5] }\nforwardAuth: { enabled: true }\n' + oauth), [
    'forwardAuth.enabled (line 3): cannot be used with identity.oauth: only a request restgate forwards itself can be OAuth-signed (use identity.signing beside a front proxy)',
  ])
  const r = parseConfig(MIN, { env: {} })
  t.equal(r.ok && r.config.forwardAuth.enabled, false, 'off by default')
})

t.test('kerberos.keytab left out: the keytab file KRB5_KTNAME names, as libkrb5 reads it', async (t) => {
  const keytabOf = (env: Record<string, string>): string | undefined => {
    const r = parseConfig(MIN + 'kerberos: { enabled: true }\n', { env, checkFiles: false })
    return r.ok ? r.config.kerberos.keytab : undefined
  }
  t.equal(keytabOf({ KRB5_KTNAME: 'FILE:/run/credentials/restgate.service/http.keytab' }), '/run/credentials/restgate.service/http.keytab')
  t.equal(keytabOf({ KRB5_KTNAME: '/etc/restgate/http.keytab' }), '/etc/restgate/http.keytab', 'a bare path is a FILE: keytab')
  t.equal(keytabOf({ KRB5_KTNAME: 'MEMORY:x' }), undefined, 'not a file: still required')
  t.same(problems(MIN + 'kerberos: { enabled: true }\n', { KRB5_KTNAME: 'MEMORY:x' }), [
    'kerberos.keytab (line 2): is required when kerberos.enabled is true (or KRB5_KTNAME naming a keytab file in the environment)',
  ])
  const named = parseConfig(MIN + 'kerberos: { enabled: true, keytab: /etc/restgate/http.keytab }\n', { env: { KRB5_KTNAME: 'FILE:/elsewhere' }, checkFiles: false })
  t.equal(named.ok && named.config.kerberos.keytab, '/etc/restgate/http.keytab', 'the policy wins over the environment')
})

t.test('kerberos.sessions with sessions.enabled: false is a problem at kerberos.sessions, not a switch that does nothing', async (t) => {
  t.same(problems(MIN + 'sessions:\n  enabled: false\nkerberos:\n  sessions: true\n'), [
    'kerberos.sessions (line 5): needs sessions.enabled: true (the cookie a handshake sets is a restgate session, and sessions are switched off)',
  ])
  t.same(problems(MIN + 'sessions: { enabled: false }\nkerberos: { sessions: false }\n'), [], 'either one alone is fine')
  t.same(problems(MIN + 'kerberos: { sessions: true }\n'), [], 'sessions are on by default')
})

t.test('store.redis: replicas a confirmed write waits for, by default and as set; bad values named with their line', async (t) => {
  const redis = (more: string): Config['store']['redis'] => {
    const r = parseConfig(MIN + `store: { type: redis, redis: { ${more} } }\n`, { env: {} })
    if (!r.ok) throw new Error(r.problems.map(formatProblem).join('\n'))
    return r.config.store.redis
  }
  t.same(durabilityOf(redis('url: "redis://r"')!), { minReplicas: 0, timeoutMs: 500 }, 'a lone server: none to wait for')
  t.same(durabilityOf(redis('sentinels: [{ host: s, port: 26379 }], name: m')!), { minReplicas: 1, timeoutMs: 500 }, 'Sentinel: one')
  t.same(durabilityOf(redis('cluster: [{ host: c, port: 6379 }]')!), { minReplicas: 1, timeoutMs: 500 }, 'Cluster: one')
  t.same(durabilityOf(redis('url: "redis://r", minReplicas: 2, replicaTimeout: 1s')!), { minReplicas: 2, timeoutMs: 1000 })
  t.same(durabilityOf(redis('cluster: [{ host: c, port: 6379 }], minReplicas: 0')!).minReplicas, 0, 'opting out is explicit')
  const text = [
    'upstream: { url: "http://jira:8080" }',
    'store:',
    '  type: redis',
    '  redis:',
    '    url: "redis://r"',
    '    minReplicas: -1',
    '    replicaTimeout: soon',
  ].join('\n')
  t.same(problems(text), [
    'store.redis.minReplicas (line 6): must be an integer 0-16',
    'store.redis.replicaTimeout (line 7): must be a duration like 30s, 15m, 8h, 7d, or a whole number of seconds',
  ])
  t.same(problems(MIN + 'store: { type: redis, redis: { url: "redis://r", replicaTimeout: 20s } }\n'), [
    'store.redis.replicaTimeout (line 2): must be from 1ms to 10s',
  ])
  t.same(problems(MIN + 'store: { type: redis, redis: { url: "redis://r", replicaTimeout: 0ms } }\n'), [
    'store.redis.replicaTimeout (line 2): must be from 1ms to 10s',
  ])
})

t.test('files the policy names must be readable', async (t) => {
  const out = problems(MIN + 'server: { tls: { cert: /nonexistent/cert.pem, key: /nonexistent/key.pem } }\n')
  t.same(out, [
    'server.tls.cert (line 2): cannot read /nonexistent/cert.pem (ENOENT)',
    'server.tls.key (line 2): cannot read /nonexistent/key.pem (ENOENT)',
  ])
})

t.test('YAML syntax errors, duplicate keys and non-mapping files', async (t) => {
  t.match(problems('server: [\n'), [/YAML syntax/])
  t.match(problems(MIN + 'upstream: { url: "http://x" }\n'), [/YAML syntax: Map keys must be unique/])
  t.same(problems(''), ['(file): is empty: the policy must be a mapping with at least upstream.url'])
  t.same(problems('- a\n- b\n'), ['(file): is a list: the policy must be a mapping with at least upstream.url'])
})

t.test('${VAR} substitution for secrets and numbers', async (t) => {
  const text = 'upstream: { url: "${JIRA}" }\nserver:\n  port: ${PORT}\n  realm: "a$${b}"\n  workers: "${WORKERS}"\nstore: { path: "${DIR:-/var/lib/restgate}/db" }\n'
  const r = parseConfig(text, {
    env: { JIRA: 'http://jira:8080', PORT: '8443', WORKERS: '2' },
  })
  if (!r.ok) return t.fail(r.problems.map(formatProblem).join('\n'))
  t.equal(r.config.upstream!.url, 'http://jira:8080')
  t.equal(r.config.server.port, 8443, 'a whole-value reference reads as a number')
  t.equal(r.config.server.workers, 2, 'also when quoted (needed inside { flow } maps)')
  t.equal(r.config.server.realm, 'a${b}', '$${ is a literal')
  t.equal(r.config.store.path, '/var/lib/restgate/db')
  t.same(problems('upstream: { url: "${NOT_SET}" }\n'), [
    'upstream.url (line 1): environment variable NOT_SET is not set',
    'upstream.url (line 1): must be an http:// or https:// URL like http://jira:8080 or http://jira:8080/jira',
  ])
})

t.test('loadConfigFile reports an unreadable file', async (t) => {
  const dir = tempDir(t)
  const r = await loadConfigFile(join(dir, 'missing.yaml'))
  t.equal(r.ok, false)
  if (!r.ok) t.match(r.problems[0]!.message, /cannot read .*missing\.yaml \(ENOENT\)/)
  const file = join(dir, 'ok.yaml')
  writeFileSync(file, MIN)
  const ok = await loadConfigFile(file)
  t.equal(ok.ok, true)
  if (ok.ok) t.equal(ok.text, readFileSync(file, 'utf8'), 'keeps the exact text for snapshots')
})
