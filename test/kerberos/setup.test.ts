// Getting Kerberos ready for a policy: what the keytab holds, and every reason it cannot serve, said the
// way check-config, start-up and reload report it.
import t from 'tap'
import { spawnSync } from 'node:child_process'
import { existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { startKdc } from '../helpers/kdc.js'
import { tempDir } from '../helpers/tmp.js'
import { CLI } from '../helpers/paths.js'
import { startRestgate, testPolicy, writePolicy } from '../helpers/restgate.js'
import { parseConfig } from '../../src/config/load.js'
import type { Config } from '../../src/config/schema.js'
import { KeytabFormatError, keytabHasService, keytabOnlyFor, parseKeytab, readKeytab } from '../../src/kerberos/keytab.js'
import { prepareKerberos, replayCacheDirOf } from '../../src/kerberos/setup.js'
import { ConfigError } from '../../src/main.js'

const kdc = await startKdc(t)
const work = tempDir(t)
const otherKeytab = await kdc.writeKeytab(join(work, 'other.keytab'), ['HTTP/otherhost@RESTGATE.TEST'])
const notKeytab = join(work, 'krb5.conf.by-mistake')
writeFileSync(notKeytab, '[libdefaults]\n')
const emptyKeytab = join(work, 'empty.keytab')
writeFileSync(emptyKeytab, Buffer.from([0x05, 0x02]))

function config(kerberos: Record<string, unknown>, extra = ''): Config {
  const r = parseConfig(`upstream: { url: "http://jira:8080" }\nstore: { path: ${join(work, 'data', 'restgate.db')} }\n${extra}kerberos: ${JSON.stringify({ enabled: true, ...kerberos })}\n`, { checkFiles: false })
  if (!r.ok) throw new Error(JSON.stringify(r.problems))
  return r.config
}

t.test('the keytab reader lists principals, kvno and enctypes, never keys', async (t) => {
  const entries = readKeytab(kdc.keytab)
  t.same(entries.map((e) => [e.principal, e.kvno, e.enctype]), [
    ['HTTP/localhost@RESTGATE.TEST', 1, 18],
    ['HTTP/localhost@RESTGATE.TEST', 1, 17],
  ])
  t.same(Object.keys(entries[0]!).sort(), ['components', 'enctype', 'kvno', 'principal', 'realm'])
  t.ok(keytabHasService(entries, 'HTTP@localhost'))
  t.ok(keytabHasService(entries, 'HTTP@LocalHost'), 'host names are read in lower case, like MIT')
  t.notOk(keytabHasService(entries, 'HTTP@otherhost'))
  t.notOk(keytabHasService(entries, 'host@localhost'))
  t.ok(keytabOnlyFor(entries, 'HTTP@localhost'), 'every key is the service principal’s')
  t.notOk(keytabOnlyFor([...entries, ...readKeytab(otherKeytab)], 'HTTP@localhost'), 'a key of another principal beside it')
  t.notOk(keytabOnlyFor([], 'HTTP@localhost'))
  t.throws(() => parseKeytab(Buffer.from('[libdefaults]\n')), KeytabFormatError)
  t.throws(() => parseKeytab(Buffer.concat([Buffer.from([5, 2, 0, 0, 0, 40]), Buffer.alloc(8)])), /truncated/)
  t.same(parseKeytab(Buffer.from([5, 2])), [])
})

t.test('ready: the state, and libkrb5 pointed at the keytab and the replay cache', async (t) => {
  const env: NodeJS.ProcessEnv = {}
  const replay = join(work, 'rc-ready')
  const r = await prepareKerberos(config({ keytab: kdc.keytab, replayCacheDir: replay }), { env, createReplayCacheDir: true })
  t.equal(r.ok, true)
  if (!r.ok || r.state === undefined) return
  t.same(r.state.keytabRealms, ['RESTGATE.TEST'])
  t.same(r.state.principals, ['HTTP/localhost@RESTGATE.TEST'])
  t.same(env, { KRB5_KTNAME: `FILE:${kdc.keytab}`, KRB5RCACHEDIR: replay })
  t.ok(existsSync(replay), 'start-up creates the replay cache directory')
})

t.test('disabled: nothing to prepare, nothing touched', async (t) => {
  const env: NodeJS.ProcessEnv = {}
  const r = await prepareKerberos(config({ enabled: false }), { env, createReplayCacheDir: true })
  t.same(r, { ok: true, state: undefined })
  t.same(env, {})
})

t.test('the replay cache directory: configured, inherited from KRB5RCACHEDIR, or beside store.path', async (t) => {
  t.equal(replayCacheDirOf(config({ keytab: 'k', replayCacheDir: '/srv/rc' }), { KRB5RCACHEDIR: '/x' }), '/srv/rc')
  t.equal(replayCacheDirOf(config({ keytab: 'k' }), { KRB5RCACHEDIR: '/var/lib/restgate' }), '/var/lib/restgate')
  t.equal(replayCacheDirOf(config({ keytab: 'k' }), {}), join(work, 'data', 'krb5-rcache'))
})

async function problems(c: Config, create = false, loadBinding?: () => Promise<{ ok: false; reason: string }>) {
  const r = await prepareKerberos(c, { env: {}, createReplayCacheDir: create, loadBinding })
  return r.ok ? [] : r.problems.map((p) => `${p.path}: ${p.message}`)
}

t.test('a missing keytab, a file that is not a keytab, an empty keytab', async (t) => {
  t.match(await problems(config({ keytab: join(work, 'nope.keytab') })), [/^kerberos\.keytab: .*nope\.keytab: cannot read it \(ENOENT\)$/])
  t.match(await problems(config({ keytab: notKeytab })), [/^kerberos\.keytab: .*: not a keytab file/])
  t.match(await problems(config({ keytab: emptyKeytab })), [/^kerberos\.keytab: .*empty\.keytab holds no keys: export the service key/])
})

t.test('a keytab without kerberos.servicePrincipal says what it holds', async (t) => {
  t.same(await problems(config({ keytab: otherKeytab, servicePrincipal: 'HTTP@localhost' })), [
    `kerberos.servicePrincipal: ${otherKeytab} has no key for HTTP/localhost (it holds HTTP/otherhost@RESTGATE.TEST): export the key for HTTP/localhost, or set servicePrincipal to one it holds`,
  ])
  t.same(await problems(config({ keytab: otherKeytab, servicePrincipal: '' })), [], 'empty servicePrincipal: any key will do')
})

t.test('the native module missing: enabling Kerberos fails with what to install', async (t) => {
  const missing = async () => ({ ok: false as const, reason: "Cannot find module 'kerberos'" })
  t.match(await problems(config({ keytab: kdc.keytab }), false, missing), [
    /^kerberos\.enabled: Kerberos needs the native "kerberos" module, which is not available \(Cannot find module 'kerberos'\): install .*libkrb5-dev.*npm rebuild kerberos/,
  ])
})

t.test('a replay cache directory restgate cannot create or write', async (t) => {
  const file = join(work, 'a-file')
  writeFileSync(file, '')
  t.match(await problems(config({ keytab: kdc.keytab, replayCacheDir: join(file, 'rc') }), true), [
    /^kerberos\.replayCacheDir: .*a-file\/rc is not a writable directory \((ENOTDIR|EEXIST)\)/,
  ])
  const later = join(work, 'created-later', 'rc')
  t.same(await problems(config({ keytab: kdc.keytab, replayCacheDir: later })), [], 'check-config: a creatable directory is fine')
  t.notOk(existsSync(later), 'check-config creates nothing')
})

function cli(args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, RESTGATE_CONFIG: '' }, timeout: 20000 })
  return { code: r.status, out: r.stdout, err: r.stderr }
}

t.test('check-config and start-up: a keytab that lacks the principal stops them, with the reason', async (t) => {
  const dir = tempDir(t)
  const bad = writePolicy(dir, testPolicy('http://127.0.0.1:9', {
    store: { path: join(dir, 'data', 'restgate.db') },
    kerberos: { enabled: true, keytab: otherKeytab, servicePrincipal: 'HTTP@localhost' },
  }))
  const check = cli(['check-config', bad])
  t.equal(check.code, 1)
  t.match(check.err, /kerberos\.servicePrincipal: .*has no key for HTTP\/localhost \(it holds HTTP\/otherhost@RESTGATE\.TEST\)/)
  t.match(check.err, /test failed/)
  const run = cli(['--config', bad])
  t.equal(run.code, 1)
  t.match(run.err, /1 problem\(s\), not starting/)
  t.match(run.err, /has no key for HTTP\/localhost/)

  const good = writePolicy(dir, testPolicy('http://127.0.0.1:9', {
    store: { path: join(dir, 'data', 'restgate.db') },
    kerberos: { enabled: true, keytab: kdc.keytab, servicePrincipal: 'HTTP@localhost' },
  }), 'good.yaml')
  const ok = cli(['check-config', good])
  t.equal(ok.code, 0, ok.err)
  t.match(ok.out, /test is successful/)
})

t.test('start() throws ConfigError; a reload to a keytab without the key is refused', async (t) => {
  const dir = tempDir(t)
  const base = { store: { path: join(dir, 'data', 'restgate.db') } }
  await t.rejects(
    startRestgate(t, testPolicy('http://127.0.0.1:9', { ...base, kerberos: { enabled: true, keytab: emptyKeytab } })),
    ConfigError,
  )
  const rg = await startRestgate(t, testPolicy('http://127.0.0.1:9', { ...base, kerberos: { enabled: true, keytab: kdc.keytab } }))
  await rg.logs.waitFor((l) => l['msg'] === 'Kerberos ready')
  writePolicy(rg.dir, testPolicy('http://127.0.0.1:9', { ...base, kerberos: { enabled: true, keytab: kdc.keytab, servicePrincipal: 'HTTP@otherhost' } }))
  const reload = await rg.reload('test')
  t.equal(reload.applied, false)
  t.match(reload.problems[0]!.message, /has no key for HTTP\/otherhost/)
  t.equal(rg.runtime.current.generation, 1, 'the policy in force stays')
  t.match(rg.runtime.stale, /kerberos\.servicePrincipal/)
})
