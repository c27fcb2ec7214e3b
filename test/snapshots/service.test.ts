// The snapshot service on a real embedded store, for what the API cannot easily provoke: a reload that
// refuses a restore after the check passed (the old file goes back, the backup is dropped), and savers in
// two processes (two services on one store file) in the same second.
import t from 'tap'
import { readFileSync, statSync, symlinkSync, writeFileSync, lstatSync } from 'node:fs'
import { join } from 'node:path'
import pino from 'pino'
import { openEmbeddedStore } from '../../src/store/embedded.js'
import { createSnapshotService, type SnapshotServiceDeps } from '../../src/snapshots/service.js'
import { snapshotBaseId } from '../../src/snapshots/id.js'
import type { ReloadResult } from '../../src/reload/reloader.js'
import type { Store } from '../../src/store/types.js'
import { createLogSink } from '../helpers/log-sink.js'
import { tempDir } from '../helpers/tmp.js'

const T0 = Date.UTC(2026, 10, 23, 9, 0, 0)
const WHO = { actor: 'ops', via: 'cli' as const }

function service(store: Store, over: Partial<SnapshotServiceDeps> = {}) {
  const logs = createLogSink()
  return {
    logs,
    svc: createSnapshotService({ store, clock: { now: () => T0 }, version: '9.9.9', keep: () => 50, check: () => [], logger: pino(logs.stream), timeZone: 'UTC', ...over }),
  }
}

function openStore(t: { teardown(fn: () => unknown): void }, file: string): Store {
  const store = openEmbeddedStore({ path: file })
  t.teardown(() => store.close())
  return store
}

const result = (over: Partial<ReloadResult>): ReloadResult => ({ result: 'applied', applied: true, problems: [], changed: [], restartPending: [], ms: 1, ...over })

t.test('a reload that refuses the restored file: the old bytes go back and the backup is dropped', async (t) => {
  const dir = tempDir(t)
  const store = openStore(t, join(dir, 'data', 'restgate.db'))
  const { svc, logs } = service(store)
  const file = join(dir, 'restgate.yaml')
  writeFileSync(file, 'anonymous: deny # current\n', { mode: 0o600 })
  const snap = await svc.save('anonymous: passthrough\n', { description: 'old' }, WHO)
  const triggers: string[] = []
  const outcome = await svc.restore(snap.id, {
    file,
    reload: async (trigger) => {
      triggers.push(trigger)
      return trigger === 'snapshot restore' ? result({ result: 'failed', applied: false, problems: [{ path: 'identity.signing.keyFile', message: 'changed meanwhile' }] }) : result({ result: 'applied' })
    },
  }, WHO)
  t.same(outcome, { kind: 'unreadable', problems: [{ path: 'identity.signing.keyFile', message: 'changed meanwhile' }] })
  t.same(triggers, ['snapshot restore', 'snapshot restore rolled back'], 'the old file was reloaded again')
  t.equal(readFileSync(file, 'utf8'), 'anonymous: deny # current\n', 'the old file is back')
  t.equal(statSync(file).mode & 0o777, 0o600)
  t.same((await store.listSnapshots()).map((s) => s.id), [snap.id], 'the backup was dropped')
  t.ok(logs.lines.some((l) => l['event'] === 'snapshot.restore.refused'))
})

t.test('a symlinked policy file stays a symlink; the file it points to is replaced', async (t) => {
  const dir = tempDir(t)
  const store = openStore(t, join(dir, 'data', 'restgate.db'))
  const { svc } = service(store)
  const real = join(dir, 'real.yaml')
  const link = join(dir, 'restgate.yaml')
  writeFileSync(real, 'anonymous: deny\n', { mode: 0o644 })
  symlinkSync(real, link)
  const snap = await svc.save('anonymous: passthrough\n', {}, WHO)
  const outcome = await svc.restore(snap.id, { file: link }, WHO)
  t.equal(outcome.kind, 'restored')
  t.ok(lstatSync(link).isSymbolicLink())
  t.equal(readFileSync(real, 'utf8'), 'anonymous: passthrough\n')
  t.equal(statSync(real).mode & 0o777, 0o644)
})

t.test('two processes saving in the same second never share an id', async (t) => {
  const file = join(tempDir(t), 'data', 'restgate.db')
  const a = service(openStore(t, file)).svc
  const b = service(openStore(t, file)).svc
  const saved = await Promise.all([a.save('a: 1\n', {}, WHO), b.save('b: 1\n', {}, WHO), a.save('a: 2\n', {}, WHO), b.save('b: 2\n', {}, WHO)])
  const base = snapshotBaseId(T0, 'UTC')
  t.same(saved.map((s) => s.id).sort(), [base, `${base}-2`, `${base}-3`, `${base}-4`])
  const texts = new Set(await Promise.all(saved.map(async (s) => (await a.get(s.id))!.text)))
  t.equal(texts.size, 4, 'each id holds its own text')
})

t.test('a store that does not answer rejects: nothing is half saved', async (t) => {
  const dir = tempDir(t)
  const store = openEmbeddedStore({ path: join(dir, 'data', 'restgate.db') })
  await store.close()
  const { svc } = service(store)
  await t.rejects(svc.save('a: 1\n', {}, WHO))
  const file = join(dir, 'restgate.yaml')
  writeFileSync(file, 'anonymous: deny\n')
  await t.rejects(svc.restore('sso-snapshot-2026-11-23-09_00_00', { file }, WHO))
  t.equal(readFileSync(file, 'utf8'), 'anonymous: deny\n')
})
