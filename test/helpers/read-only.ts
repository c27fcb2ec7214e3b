// Places restgate cannot write, as a read-only deployment has them: a directory on a read-only file
// system (a tmpfs remounted ro, as root; a directory of mode 0555 otherwise, where modes bind), and one
// file bind-mounted on its own (as `docker run -v FILE:FILE[:ro]` does; root only). Undone in teardown.
import { spawnSync } from 'node:child_process'
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

interface T {
  teardown(fn: () => unknown): void
}

export const isRoot = process.getuid?.() === 0

function sh(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr || r.error?.message}`)
}

/** A directory holding `files` that no one can write to any more. */
export function readOnlyDir(t: T, files: Record<string, string>): { readonly dir: string; readonly how: string } {
  const dir = mkdtempSync(join(tmpdir(), 'restgate-ro-'))
  if (isRoot) {
    sh('mount', ['-t', 'tmpfs', '-o', 'size=1m,mode=0755', 'tmpfs', dir])
    t.teardown(() => {
      spawnSync('umount', ['-l', dir])
      rmSync(dir, { recursive: true, force: true })
    })
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text, { mode: 0o644 })
    sh('mount', ['-o', 'remount,ro', dir])
    return { dir, how: 'a read-only file system' }
  }
  t.teardown(() => {
    chmodSync(dir, 0o755)
    rmSync(dir, { recursive: true, force: true })
  })
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text, { mode: 0o644 })
  chmodSync(dir, 0o555)
  return { dir, how: 'a directory of mode 0555' }
}

/** `file` (which must exist) with `source` bind-mounted over it, read-only or not. Root only. */
export function bindMountFile(t: T, source: string, file: string, readOnly: boolean): void {
  sh('mount', ['--bind', source, file])
  t.teardown(() => spawnSync('umount', ['-l', file]))
  if (readOnly) sh('mount', ['-o', 'remount,ro,bind', file])
}
