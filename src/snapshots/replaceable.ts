// Whether restgate can replace the policy file, as a snapshot restore does (a temp file beside it, renamed
// over it). A policy mounted read-only (a Kubernetes ConfigMap, `docker run -v ...:ro`, a read-only /etc)
// cannot be replaced, nor can a file that is a mount point of its own (one file bind-mounted into a
// container: a rename over it fails with EBUSY). Found out the way the restore would fail, without changing
// anything: a temp file is created beside the policy and removed again.
import { randomBytes } from 'node:crypto'
import { constants } from 'node:fs'
import { access, open, readFile, realpath, stat, unlink } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'

const codeOf = (err: unknown): string => (err as NodeJS.ErrnoException).code ?? 'error'

/**
 * Whether `path` is a mount point, from Linux's /proc/self/mountinfo (field 5, with spaces and the like
 * written as octal escapes). A file bind-mounted from the same file system has its directory's device
 * number, so only the mount table tells. Elsewhere (no /proc), a different device than the directory's.
 */
async function isMountPoint(path: string, dirDev: number, fileDev: number): Promise<boolean> {
  let table: string
  try {
    table = await readFile('/proc/self/mountinfo', 'utf8')
  } catch {
    return fileDev !== dirDev
  }
  const unescape = (s: string): string => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)))
  return table.split('\n').some((line) => line.split(' ')[4] !== undefined && unescape(line.split(' ')[4]!) === path)
}

/** Why the file at `path` cannot be replaced, or undefined when a restore can replace it. */
export async function replaceProblem(path: string): Promise<string | undefined> {
  let target = path
  try {
    target = await realpath(path)
  } catch (err) {
    if (codeOf(err) !== 'ENOENT') return `${path} cannot be read (${codeOf(err)})`
  }
  const dir = dirname(target)
  const where = target === path ? path : `${path} (${target})`
  try {
    await access(target, constants.W_OK)
  } catch (err) {
    if (codeOf(err) === 'EROFS') return `${where} is on a read-only file system`
  }
  try {
    const [file, parent] = await Promise.all([stat(target), stat(dir)])
    if (await isMountPoint(target, parent.dev, file.dev)) {
      return `${where} is mounted on its own (as docker -v FILE:... does): a new file cannot be renamed over it`
    }
  } catch (err) {
    if (codeOf(err) !== 'ENOENT') return `${where} cannot be looked at (${codeOf(err)})`
  }
  const probe = join(dir, `.${basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.probe`)
  try {
    const fh = await open(probe, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600)
    await fh.close()
  } catch (err) {
    const code = codeOf(err)
    if (code === 'EROFS') return `${dir}, where ${where} is, is on a read-only file system`
    if (code === 'EACCES' || code === 'EPERM') return `restgate (uid ${process.getuid?.() ?? '?'}) may not write to ${dir}, where ${where} is`
    return `restgate cannot write beside ${where} (${code})`
  }
  await unlink(probe).catch(() => undefined)
  return undefined
}
