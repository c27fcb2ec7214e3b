// Real clients end to end: a token made through the API with curl (and a Jira password) works through the
// proxy with curl and with Python requests, as docs/clients.md shows.
import t from 'tap'
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { startStubJira } from '../helpers/stub-jira.js'
import { startRestgate, testPolicy } from '../helpers/restgate.js'

const run = promisify(execFile)

t.test('curl creates a token with a Jira password, then uses it as Basic and as Bearer', async (t) => {
  const stub = await startStubJira(t)
  stub.users.set('alice', { password: 'alice-pw' })
  const rg = await startRestgate(t, testPolicy(stub.url))
  const created = await run('curl', [
    '-sS', '--fail-with-body', '-u', 'alice:alice-pw', '-X', 'POST', '-H', 'Content-Type: application/json',
    '-d', '{"tokenName":"ci","validForDays":"30"}', `${rg.url}/rest/ksso/api/apitokens/2.0/user/tokens`,
  ])
  const token = (JSON.parse(created.stdout) as { apiToken: string }).apiToken
  t.match(token, /^rgt_/)

  const viaBasic = await run('curl', ['-sS', '--fail-with-body', '-u', `alice:${token}`, `${rg.url}/rest/api/2/issue/TEST-1`])
  t.match(JSON.parse(viaBasic.stdout), { url: '/rest/api/2/issue/TEST-1' })
  const seen = stub.requests.at(-1)!
  t.equal(seen.headers['x-forwarded-user'], 'alice')
  t.equal(seen.headers['x-forwarded-auth'], 'token')
  t.equal(seen.headers['authorization'], undefined)

  await run('curl', ['-sS', '--fail-with-body', '-H', `Authorization: Bearer ${token}`, `${rg.url}/rest/api/2/myself`])
  t.equal(stub.requests.at(-1)!.headers['x-forwarded-user'], 'alice')

  const wrong = await run('curl', ['-sS', '-o', '/dev/null', '-w', '%{http_code}', '-u', `bob:${token}`, `${rg.url}/rest/api/2/issue/TEST-1`])
  t.equal(wrong.stdout, '401', 'another user name with the token is refused')
})

t.test('Python requests with the token as the Basic password', async (t) => {
  const stub = await startStubJira(t)
  const rg = await startRestgate(t, testPolicy(stub.url))
  const { secret } = await rg.tokens.service.create('alice', {}, rg.runtime.current.policy)
  const script = [
    'import os, requests',
    'r = requests.get(os.environ["URL"] + "/rest/api/2/issue/TEST-1", auth=("alice", os.environ["TOKEN"]))',
    'print(r.status_code)',
  ].join('\n')
  const out = await run('/usr/bin/python3', ['-c', script], { env: { ...process.env, URL: rg.url, TOKEN: secret } })
  t.equal(out.stdout.trim(), '200')
  t.equal(stub.requests.at(-1)!.headers['x-forwarded-user'], 'alice')
})
