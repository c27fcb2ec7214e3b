// SIGTERM: stop accepting, let the request in flight finish, exit 0. SIGHUP: reload, never exit.
import t from 'tap'
import { once } from 'node:events'
import { startStubJira } from '../helpers/stub-jira.js'
import { spawnRestgate, testPolicy, writePolicy } from '../helpers/restgate.js'
import { httpRequest } from '../helpers/http.js'
import { freePort } from '../helpers/ports.js'
import { tempDir } from '../helpers/tmp.js'

t.test('SIGTERM drains a slow request in flight, then exits 0', async (t) => {
  const stub = await startStubJira(t)
  const dir = tempDir(t)
  const port = await freePort()
  const file = writePolicy(dir, testPolicy(stub.url, { server: { port, drainTimeout: '10s' } }))
  const rg = await spawnRestgate(t, file)
  const arrived = once(stub.events, 'request')
  const slow = httpRequest(`${rg.url}/stub/slow?ms=800`)
  await arrived
  rg.child.kill('SIGTERM')
  const res = await slow
  t.equal(res.status, 200, 'the request in flight completed')
  t.same(res.json(), { slow: true })
  const { code } = await rg.exited()
  t.equal(code, 0)
  t.ok(rg.lines.some((l) => l['msg'] === 'restgate stopped'))
  await t.rejects(httpRequest(`${rg.url}/rest/api/2/x`), 'no longer accepting')
})

t.test('the drain is bounded by server.drainTimeout', async (t) => {
  const stub = await startStubJira(t)
  const dir = tempDir(t)
  const port = await freePort()
  const file = writePolicy(dir, testPolicy(stub.url, { server: { port, drainTimeout: '300ms' } }))
  const rg = await spawnRestgate(t, file)
  const hung = once(stub.events, 'hang')
  const stuck = httpRequest(`${rg.url}/stub/hang`).catch((err: Error) => err)
  await hung
  rg.child.kill('SIGTERM')
  const { code } = await rg.exited()
  t.equal(code, 0)
  t.type(await stuck, Error, 'the stuck connection was closed')
  t.ok(rg.lines.some((l) => l['msg'] === 'drain timeout: closing the remaining connections'))
})

t.test('SIGHUP reloads the policy and keeps serving', async (t) => {
  const stub = await startStubJira(t)
  const dir = tempDir(t)
  const port = await freePort()
  const file = writePolicy(dir, testPolicy(stub.url, { server: { port } }))
  const rg = await spawnRestgate(t, file)
  writePolicy(dir, testPolicy(stub.url, { server: { port }, anonymous: 'deny' }))
  rg.child.kill('SIGHUP')
  const line = await rg.waitForLine((l) => l['msg'] === 'policy reloaded')
  t.equal(line['trigger'], 'SIGHUP')
  const res = await httpRequest(`${rg.url}/rest/api/2/myself`)
  t.equal(res.status, 401, 'the new policy (anonymous: deny) is in force')
  t.equal(rg.child.exitCode, null, 'still running')
})
