// The policy file watcher: every way editors and tools replace a file is seen, a burst of events becomes
// one callback, unrelated files are ignored, and close() leaves nothing behind.
import t from 'tap'
import { appendFileSync, mkdirSync, renameSync, rmSync, symlinkSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs'
import { EventEmitter, once } from 'node:events'
import { join } from 'node:path'
import pino from 'pino'
import { watchPolicyFile, type PolicyWatcher } from '../../src/config/watch.js'
import { tempDir } from '../helpers/tmp.js'

const DEBOUNCE = 40
const silent = pino({ level: 'silent' })

interface Watched {
  readonly file: string
  readonly dir: string
  readonly changes: EventEmitter
  count(): number
  /** Resolves at the next callback. */
  next(): Promise<unknown>
  watcher: PolicyWatcher
}

function setup(t: { teardown(fn: () => unknown): void }, fileIn?: (dir: string) => string): Watched {
  const dir = tempDir(t)
  const file = fileIn?.(dir) ?? join(dir, 'restgate.yaml')
  if (fileIn === undefined) writeFileSync(file, 'a: 1\n')
  const changes = new EventEmitter()
  let n = 0
  const watcher = watchPolicyFile(file, {
    debounceMs: DEBOUNCE,
    logger: silent,
    onChange: () => {
      n++
      changes.emit('change', n)
    },
  })
  t.teardown(() => watcher.close())
  return { file, dir, changes, count: () => n, next: () => once(changes, 'change'), watcher }
}

/** A write the watcher must ignore leaves the count unchanged once a later, real change has settled. */
async function settleWith(w: Watched, change: () => void): Promise<number> {
  const next = w.next()
  change()
  await next
  return w.count()
}

t.test('an in-place write is seen', async (t) => {
  const w = setup(t)
  const next = w.next()
  writeFileSync(w.file, 'a: 2\n')
  await next
  t.equal(w.count(), 1)
})

t.test('rename-replace (sed -i, most tools: write a temp file, rename it over) is seen, and so is the next one', async (t) => {
  const w = setup(t)
  for (const [i, text] of ['a: 2\n', 'a: 3\n'].entries()) {
    const next = w.next()
    writeFileSync(join(w.dir, '.restgate.yaml.tmp'), text)
    renameSync(join(w.dir, '.restgate.yaml.tmp'), w.file)
    await next
    t.equal(w.count(), i + 1, `replacement ${i + 1}: one callback`)
  }
})

t.test("vim's default save (rename the old file away, write a new one) is one change", async (t) => {
  const w = setup(t)
  const next = w.next()
  renameSync(w.file, w.file + '~')
  writeFileSync(w.file, 'a: 2\n')
  unlinkSync(w.file + '~')
  await next
  t.equal(w.count(), 1)
  // And the watch still follows the new inode: an in-place edit after that is seen too.
  t.equal(await settleWith(w, () => appendFileSync(w.file, 'b: 1\n')), 2)
})

t.test('a Kubernetes ConfigMap swap (..data symlink replaced) is seen', async (t) => {
  // Layout of a ConfigMap volume: restgate.yaml -> ..data/restgate.yaml, ..data -> ..2024_01_01_v1
  const w = setup(t, (dir) => {
    mkdirSync(join(dir, '..v1'))
    writeFileSync(join(dir, '..v1', 'restgate.yaml'), 'a: 1\n')
    symlinkSync('..v1', join(dir, '..data'))
    symlinkSync('..data/restgate.yaml', join(dir, 'restgate.yaml'))
    return join(dir, 'restgate.yaml')
  })
  const next = w.next()
  mkdirSync(join(w.dir, '..v2'))
  writeFileSync(join(w.dir, '..v2', 'restgate.yaml'), 'a: 2\n')
  symlinkSync('..v2', join(w.dir, '..data_tmp'))
  renameSync(join(w.dir, '..data_tmp'), join(w.dir, '..data'))
  rmSync(join(w.dir, '..v1'), { recursive: true })
  await next
  t.equal(w.count(), 1)
})

t.test('a symlinked file edited in place in another directory is seen', async (t) => {
  let target = ''
  const w = setup(t, (dir) => {
    const elsewhere = join(dir, 'elsewhere')
    mkdirSync(elsewhere)
    target = join(elsewhere, 'policy.yaml')
    writeFileSync(target, 'a: 1\n')
    mkdirSync(join(dir, 'etc'))
    symlinkSync(target, join(dir, 'etc', 'restgate.yaml'))
    return join(dir, 'etc', 'restgate.yaml')
  })
  const next = w.next()
  writeFileSync(target, 'a: 2\n')
  await next
  t.equal(w.count(), 1)
})

t.test('a burst of writes gives one callback after the quiet period', async (t) => {
  const w = setup(t)
  const next = w.next()
  for (let i = 0; i < 25; i++) writeFileSync(w.file, `a: ${i}\n`)
  await next
  // A later, separate change proves no second callback for the burst was still pending.
  t.equal(await settleWith(w, () => writeFileSync(w.file, 'a: final\n')), 2, '25 writes: one callback, then one more')
})

t.test('other files in the directory (editor swap files, backups) are ignored', async (t) => {
  const w = setup(t)
  writeFileSync(join(w.dir, '.restgate.yaml.swp'), 'x')
  writeFileSync(join(w.dir, 'other.yaml'), 'x')
  unlinkSync(join(w.dir, 'other.yaml'))
  t.equal(await settleWith(w, () => writeFileSync(w.file, 'a: 2\n')), 1, 'only the policy write counted')
})

t.test('a touch (new mtime, same bytes) is reported: the reloader decides it is unchanged', async (t) => {
  const w = setup(t)
  const next = w.next()
  const later = new Date(Date.now() + 5000)
  utimesSync(w.file, later, later)
  await next
  t.equal(w.count(), 1)
})

t.test('close() stops every watch: no callback afterwards and no file handle left open', async (t) => {
  const fsEvents = (): number => process.getActiveResourcesInfo().filter((r) => r === 'FSEventWrap').length
  // Handles closed by earlier tests are released on a later turn of the event loop.
  await new Promise((resolve) => setTimeout(resolve, 10))
  const before = fsEvents()
  const w = setup(t)
  t.equal(fsEvents(), before + 2, 'the directory and the file are watched')
  w.watcher.close()
  writeFileSync(w.file, 'a: 2\n')
  // Give a stray callback every chance: longer than the debounce, then a turn of the event loop.
  await new Promise((resolve) => setTimeout(resolve, DEBOUNCE * 3))
  t.equal(w.count(), 0, 'no callback after close')
  t.equal(fsEvents(), before, 'no watcher left')
})
