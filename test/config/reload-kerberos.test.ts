// Kerberos through hot reload: a replaced keytab is picked up by a reload of the same policy text (key
// rotation with SIGHUP), an unchanged one is not, and a keytab that cannot serve refuses the reload.
import t from 'tap'
import { copyFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { startKdc } from '../helpers/kdc.js'
import { startRestgate, testPolicy } from '../helpers/restgate.js'
import { startStubJira } from '../helpers/stub-jira.js'
import { httpRequest } from '../helpers/http.js'
import { tempDir } from '../helpers/tmp.js'

const kdc = await startKdc(t)

t.test('SIGHUP with the same text: a replaced keytab is applied, the same keytab is not', async (t) => {
  const stub = await startStubJira(t)
  const dir = tempDir(t)
  const keytab = join(dir, 'http.keytab')
  copyFileSync(kdc.keytab, keytab)
  const rg = await startRestgate(
    t,
    testPolicy(stub.url, { store: { path: join(dir, 'data', 'restgate.db') }, kerberos: { enabled: true, keytab, servicePrincipal: '' } }),
    { dir, watch: false },
  )
  const negotiate = async (spn?: string) =>
    (await httpRequest(`http://localhost:${new URL(rg.url).port}/rest/api/2/myself`, { headers: { authorization: `Negotiate ${await kdc.token('alice', spn)}` } })).status
  t.equal(await negotiate(), 200, 'HTTP/localhost is served')

  t.equal((await rg.reload('SIGHUP')).result, 'unchanged', 'same text, same keytab: nothing to do')

  // The keytab is replaced by one that also holds HTTP/otherhost (as after adding a host name).
  await kdc.writeKeytab(join(dir, 'next.keytab'), ['HTTP/localhost@RESTGATE.TEST', 'HTTP/otherhost@RESTGATE.TEST'])
  copyFileSync(join(dir, 'next.keytab'), keytab)
  const rotated = await rg.reload('SIGHUP')
  t.equal(rotated.result, 'applied', 'same text, new keytab: a reload')
  t.same(rotated.changed, [], 'no policy key changed')
  t.equal(await negotiate(), 200, 'still served after the rotation')

  // A keytab without keys refuses the reload and says why.
  writeFileSync(keytab, Buffer.from([0x05, 0x02]))
  const refused = await rg.reload('SIGHUP')
  t.equal(refused.result, 'failed')
  t.match(refused.problems[0]!.message, /holds no keys/)
  t.match(rg.runtime.stale, /kerberos\.keytab/)
  t.equal(rg.runtime.current.generation, 2, 'the policy in force stays')
})

t.test('the keytab through KRB5_KTNAME (as the systemd unit hands it over): served at start and after a reload', async (t) => {
  const stub = await startStubJira(t)
  const dir = tempDir(t)
  const keytab = join(dir, 'credential.keytab')
  copyFileSync(kdc.keytab, keytab)
  const before = process.env['KRB5_KTNAME']
  process.env['KRB5_KTNAME'] = keytab
  t.teardown(() => {
    if (before === undefined) delete process.env['KRB5_KTNAME']
    else process.env['KRB5_KTNAME'] = before
  })
  const rg = await startRestgate(
    t,
    testPolicy(stub.url, { store: { path: join(dir, 'data', 'restgate.db') }, kerberos: { enabled: true, servicePrincipal: '' } }),
    { dir, watch: false },
  )
  t.equal(rg.runtime.current.config.kerberos.keytab, keytab, 'no kerberos.keytab in the policy: the file KRB5_KTNAME names')
  t.equal(process.env['KRB5_KTNAME'], `FILE:${keytab}`, 'restgate sets it in the form libkrb5 reads')
  const negotiate = async () =>
    (await httpRequest(`http://localhost:${new URL(rg.url).port}/rest/api/2/myself`, { headers: { authorization: `Negotiate ${await kdc.token('alice')}` } })).status
  t.equal(await negotiate(), 200)
  const reloaded = await rg.reload('SIGHUP')
  t.equal(reloaded.result, 'unchanged', 'a reload reads the same keytab from FILE:… again: nothing changed, nothing refused')
  t.equal(await negotiate(), 200)
})
