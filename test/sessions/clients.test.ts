// Real clients keeping cookies: curl with a cookie jar (-c/-b) and a Python requests Session, as docs/clients.md shows.
import t from 'tap'
import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { startStubJira } from '../helpers/stub-jira.js'
import { startRestgate, testPolicy } from '../helpers/restgate.js'
import { httpRequest } from '../helpers/http.js'

const run = promisify(execFile)

t.test('curl: log in with a token into a cookie jar, call REST with the jar, log out', async (t) => {
  const stub = await startStubJira(t)
  const rg = await startRestgate(t, testPolicy(stub.url))
  const { secret } = await rg.tokens.service.create('alice', {}, rg.runtime.current.policy)
  const jar = join(rg.dir, 'jar.txt')
  const login = await run('curl', [
    '-sS', '--fail-with-body', '-c', jar, '-H', 'Content-Type: application/json',
    '-d', JSON.stringify({ username: 'alice', password: secret }), `${rg.url}/rest/auth/1/session`,
  ])
  t.equal(JSON.parse(login.stdout).session.name, 'RESTGATE_SESSION')
  const saved = readFileSync(jar, 'utf8')
  t.match(saved, /#HttpOnly_127\.0\.0\.1\tFALSE\t\/\tFALSE\t\d+\tRESTGATE_SESSION\trgs_/, 'curl kept it as an HttpOnly cookie for /')
  const value = /RESTGATE_SESSION\t(\S+)/.exec(saved)![1]!

  const issue = await run('curl', ['-sS', '--fail-with-body', '-b', jar, '-H', 'X-Atlassian-Token: no-check', `${rg.url}/rest/api/2/issue/TEST-1`])
  t.match(JSON.parse(issue.stdout), { url: '/rest/api/2/issue/TEST-1' })
  t.equal(stub.requests.at(-1)!.headers['x-forwarded-user'], 'alice')
  t.equal(stub.requests.at(-1)!.headers['cookie'], undefined)
  t.equal(stub.requests.at(-1)!.headers['x-atlassian-token'], 'no-check')

  const me = await run('curl', ['-sS', '--fail-with-body', '-b', jar, `${rg.url}/rest/auth/1/session`])
  t.equal(JSON.parse(me.stdout).name, 'alice')

  const out = await run('curl', ['-sS', '-o', '/dev/null', '-w', '%{http_code}', '-b', jar, '-c', jar, '-X', 'DELETE', `${rg.url}/rest/auth/1/session`])
  t.equal(out.stdout, '204')
  t.notMatch(readFileSync(jar, 'utf8'), /RESTGATE_SESSION/, 'curl dropped the cleared cookie')
  const stale = await run('curl', ['-sS', '-w', '\n%{http_code}', '-b', `RESTGATE_SESSION=${value}`, `${rg.url}/rest/api/2/issue/TEST-1`])
  const [body, code] = stale.stdout.split('\n')
  t.equal(code, '401')
  t.equal(JSON.parse(body!).code, 'RG_ERR_SESSION_EXPIRED')
})

t.test('Python requests Session: POST the login, then the session cookie alone carries the identity', async (t) => {
  const stub = await startStubJira(t)
  const rg = await startRestgate(t, testPolicy(stub.url))
  const { secret } = await rg.tokens.service.create('alice', {}, rg.runtime.current.policy)
  const script = [
    'import os, requests',
    'base = os.environ["URL"]',
    's = requests.Session()',
    'r = s.post(base + "/rest/auth/1/session", json={"username": "alice", "password": os.environ["TOKEN"]})',
    'print(r.status_code, r.json()["session"]["name"])',
    'print(s.get(base + "/rest/api/2/issue/TEST-2").status_code)',
    'print(s.get(base + "/rest/auth/1/session").json()["name"])',
    'print(s.delete(base + "/rest/auth/1/session").status_code)',
    'print(len(s.cookies))',
  ].join('\n')
  const out = await run('/usr/bin/python3', ['-c', script], { env: { ...process.env, URL: rg.url, TOKEN: secret } })
  t.same(out.stdout.trim().split('\n'), ['200 RESTGATE_SESSION', '200', 'alice', '204', '0'])
  const issue = stub.requests.find((r) => r.url === '/rest/api/2/issue/TEST-2')!
  t.equal(issue.headers['x-forwarded-user'], 'alice')
  t.equal(issue.headers['x-forwarded-auth'], 'session')
  t.equal(issue.headers['authorization'], undefined)
  // Nothing of the login reached Jira.
  t.notOk(stub.requests.some((r) => r.url.startsWith('/rest/auth/')))
  t.equal((await httpRequest(`${rg.url}/rest/api/2/issue/TEST-2`)).status, 200, 'anonymous still passes (anonymous: passthrough)')
})
