// The PowerShell pattern against a private MIT KDC: with kerberos.sessions on and /login.jsp in kerberos.paths,
// one Negotiate login there sets restgate's session cookie and reaches Jira as the user; later REST calls
// carrying only the cookie reach Jira as the user without another handshake. An ended session is answered
// with a Negotiate challenge, so a client with a ticket logs in again at once.
import t from 'tap'
import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { startKdc } from '../helpers/kdc.js'
import { startStubJira } from '../helpers/stub-jira.js'
import { startRestgate, testPolicy } from '../helpers/restgate.js'
import { httpRequest } from '../helpers/http.js'
import { tempDir } from '../helpers/tmp.js'

const exec = promisify(execFile)
const kdc = await startKdc(t)
const stub = await startStubJira(t)
const kerberos = {
  enabled: true,
  keytab: kdc.keytab,
  servicePrincipal: 'HTTP@localhost',
  replayCacheDir: tempDir(t),
  sessions: true,
  paths: ['/rest/**', '/login.jsp'],
}
const rg = await startRestgate(t, testPolicy(stub.url, { kerberos }))
// Clients build the service name from the URL's host: HTTP@localhost.
const base = `http://localhost:${new URL(rg.url).port}`

async function handshakes(): Promise<number> {
  const metric = await rg.metrics.registry.getSingleMetric('restgate_kerberos_handshakes_total')!.get()
  return metric.values.filter((v) => v.labels['outcome'] === 'success').reduce((a, v) => a + v.value, 0)
}

async function curl(user: string | undefined, args: string[]): Promise<{ status: number; text: string }> {
  const negotiate = user === undefined ? [] : ['--negotiate', '-u', ':']
  const { stdout } = await exec('curl', ['-sS', ...negotiate, '-D', '-', '-w', '\n%{http_code}', ...args], { env: user === undefined ? process.env : kdc.clientEnv(user) })
  const lines = stdout.trimEnd().split('\n')
  return { status: Number(lines.at(-1)), text: lines.slice(0, -1).join('\n') }
}

t.test('a Negotiate login at /login.jsp sets the cookie; REST calls with only the cookie reach Jira as alice', async (t) => {
  const jar = join(tempDir(t), 'jar')
  const before = await handshakes()
  const login = await curl('alice', ['-c', jar, `${base}/login.jsp`])
  t.equal(login.status, 200)
  t.match(login.text, /\r?\nSet-Cookie: RESTGATE_SESSION=rgs_[A-Za-z0-9_-]{43}; Max-Age=28800; Path=\/; HttpOnly; SameSite=Lax\r?\n/i)
  const atLogin = stub.requests.at(-1)!
  t.equal(atLogin.url, '/login.jsp', 'the login page itself is forwarded to Jira')
  t.equal(atLogin.headers['x-forwarded-user'], 'alice')
  t.equal(atLogin.headers['x-forwarded-auth'], 'kerberos')
  t.equal(await handshakes(), before + 1)
  t.match(readFileSync(jar, 'utf8'), /RESTGATE_SESSION\trgs_/)

  for (const path of ['/rest/api/2/myself', '/rest/api/2/issue/TEST-1']) {
    const r = await curl(undefined, ['-b', jar, `${base}${path}`])
    t.equal(r.status, 200, path)
    const seen = stub.requests.at(-1)!
    t.equal(seen.headers['x-forwarded-user'], 'alice')
    t.equal(seen.headers['x-forwarded-auth'], 'session')
    t.equal(seen.headers['cookie'], undefined)
    t.equal(seen.headers['authorization'], undefined)
  }
  t.equal(await handshakes(), before + 1, 'no further handshake')
  t.ok(rg.logs.lines.some((l) => l['event'] === 'session.create' && l['user'] === 'alice' && l['method'] === 'kerberos'))
})

t.test('Python requests-kerberos with a Session: one handshake, then the cookie', async (t) => {
  const before = await handshakes()
  const script = [
    'import os, requests',
    'from requests_kerberos import HTTPKerberosAuth, OPTIONAL',
    's = requests.Session()',
    'base = os.environ["URL"]',
    'r = s.get(base + "/login.jsp", auth=HTTPKerberosAuth(mutual_authentication=OPTIONAL))',
    'print(r.status_code)',
    'print(s.get(base + "/rest/api/2/myself").json()["name"])',
    'print(s.get(base + "/rest/auth/1/session").json()["name"])',
  ].join('\n')
  const out = await exec('/usr/bin/python3', ['-c', script], { env: { ...kdc.clientEnv('bob'), URL: base } })
  t.same(out.stdout.trim().split('\n'), ['200', 'bob', 'bob'])
  t.equal(await handshakes(), before + 1)
})

t.test('an ended session is answered with a Negotiate challenge; curl --negotiate logs in again and gets a new cookie', async (t) => {
  const jar = join(tempDir(t), 'jar')
  await curl('alice', ['-c', jar, `${base}/login.jsp`])
  const old = /RESTGATE_SESSION\t(\S+)/.exec(readFileSync(jar, 'utf8'))![1]!
  const del = await httpRequest(`${rg.url}/rest/auth/1/session`, { method: 'DELETE', headers: { cookie: `RESTGATE_SESSION=${old}` } })
  t.equal(del.status, 204)
  const refused = await httpRequest(`${base}/rest/api/2/myself`, { headers: { cookie: `RESTGATE_SESSION=${old}` } })
  t.equal(refused.status, 401)
  t.equal(refused.json()['code'], 'RG_ERR_SESSION_EXPIRED')
  t.equal(refused.headers['www-authenticate'], 'Negotiate')
  const again = await curl('alice', ['-b', `RESTGATE_SESSION=${old}`, `${base}/rest/api/2/myself`])
  t.equal(again.status, 200, 'the stale cookie and a fresh ticket: the ticket decides')
  t.match(again.text, /Set-Cookie: RESTGATE_SESSION=rgs_/i)
  t.notMatch(again.text, new RegExp(`RESTGATE_SESSION=${old}`))
})

t.test('kerberos.sessions off: a handshake sets no cookie', async (t) => {
  const off = await startRestgate(t, testPolicy(stub.url, { kerberos: { ...kerberos, sessions: false, replayCacheDir: tempDir(t) } }))
  const r = await curl('alice', [`http://localhost:${new URL(off.url).port}/rest/api/2/myself`])
  t.equal(r.status, 200)
  t.notMatch(r.text, /Set-Cookie: RESTGATE_SESSION/i)
})
