// Real file-system faults for the embedded store: a small tmpfs that a test fills to the last byte, and a
// database file that cannot be written. Mounting needs root; the tests that need it say so and skip
// otherwise. Every mount is undone in teardown registered on the line after it.
import { execFileSync, spawnSync } from 'node:child_process'
import { chmodSync, mkdtempSync, rmSync, rmdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

interface T {
  teardown(fn: () => unknown): void
}

export const IS_ROOT = process.getuid?.() === 0
export const NEEDS_ROOT = 'needs root: it mounts a small tmpfs to fill it (run the tests as root, as CI does)'

export interface SmallDisk {
  readonly dir: string
  /** Writes a filler file until the file system has not one byte left. */
  fill(): void
  /** Deletes the filler: the space is back. */
  free(): void
  /** Bytes still free. */
  available(): number
}

/** A tmpfs of `sizeMb` mounted on a fresh directory, unmounted and removed in teardown. */
export function mountSmallDisk(t: T, sizeMb = 2): SmallDisk {
  const dir = mkdtempSync(join(tmpdir(), 'restgate-disk-'))
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeMb}m,mode=0700`, 'tmpfs', dir])
  t.teardown(() => {
    // Lazy: a handle a failing test left open must not keep the mount (and the next run's directory) around.
    spawnSync('umount', ['-l', dir])
    rmdirSync(dir)
  })
  const filler = join(dir, 'filler')
  return {
    dir,
    fill() {
      // dd stops with "No space left on device" (exit 1): that is the point.
      spawnSync('dd', ['if=/dev/zero', `of=${filler}`, 'bs=4k'], { stdio: 'ignore' })
    },
    free() {
      rmSync(filler, { force: true })
    },
    available() {
      const out = execFileSync('df', ['--output=avail', '-B1', dir], { encoding: 'utf8' })
      return Number(out.trim().split('\n')[1])
    },
  }
}

/**
 * Makes `file` read-only for the store that opens it next: as root (who may write anything) a read-only
 * bind mount of the file itself, else its mode. The directory stays writable, as SQLite's WAL needs.
 */
export function makeReadOnly(t: T, file: string): void {
  if (IS_ROOT) {
    execFileSync('mount', ['--bind', file, file])
    t.teardown(() => spawnSync('umount', ['-l', file]))
    execFileSync('mount', ['-o', 'remount,bind,ro', file])
    return
  }
  chmodSync(file, 0o444)
  t.teardown(() => chmodSync(file, 0o600))
}
