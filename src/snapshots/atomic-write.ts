// Replacing the policy file so that no reader (restgate's watcher, an editor, a second restgate) ever
// sees half a file: write a temp file beside it, fsync, give it the old file's mode (and owner, when
// allowed), rename it over the old one, fsync the directory so the rename survives a crash.
import { randomBytes } from 'node:crypto'
import { constants } from 'node:fs'
import { open, realpath, rename, stat, unlink } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'

export async function writeFileAtomic(path: string, data: string | Buffer): Promise<void> {
  // A symlinked policy (a file kept elsewhere) stays a symlink: the file it points to is replaced.
  let target = path
  try {
    target = await realpath(path)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
  }
  let mode = 0o600
  let owner: { uid: number; gid: number } | undefined
  try {
    const st = await stat(target)
    mode = st.mode & 0o7777
    owner = { uid: st.uid, gid: st.gid }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
  }
  const dir = dirname(target)
  const tmp = join(dir, `.${basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`)
  const fh = await open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, mode)
  try {
    try {
      await fh.writeFile(data)
      // The umask may have narrowed the mode open() was given.
      await fh.chmod(mode)
      if (owner !== undefined && (owner.uid !== process.getuid?.() || owner.gid !== process.getgid?.())) {
        await fh.chown(owner.uid, owner.gid).catch(() => undefined)
      }
      await fh.sync()
    } finally {
      await fh.close()
    }
    await rename(tmp, target)
  } catch (err) {
    await unlink(tmp).catch(() => undefined)
    throw err
  }
  const dh = await open(dir, constants.O_RDONLY)
  try {
    await dh.sync()
  } finally {
    await dh.close()
  }
}
