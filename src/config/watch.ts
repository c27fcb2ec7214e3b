// Watches the policy file for saves and calls back once per burst of changes.
//
// Editors and tools rarely write a file in place: vim renames the old file away and writes a new one,
// `sed -i` and most tools write a temporary file and rename it over the old one, and a Kubernetes
// ConfigMap volume swaps a `..data` symlink so that `restgate.yaml -> ..data/restgate.yaml` points at a new
// directory. A watch on the file alone follows the old inode and misses all of these, so the directory is
// watched too. Events are only hints: after a quiet period (the debounce) the file is stat'ed through any
// symlinks and the callback runs only when what the path points at changed (another inode, size or
// modification time). Writes to other files in the directory (vim's .swp, backups) cost one stat.
import { statSync, watch, type FSWatcher, type Stats } from 'node:fs'
import { basename, dirname } from 'node:path'
import type { Logger } from 'pino'

export interface PolicyWatchOptions {
  /** Quiet period after the last event before the file is looked at. */
  readonly debounceMs: number
  readonly logger: Logger
  /** The file behind the path changed (or appeared, or went away). */
  readonly onChange: () => void
}

export interface PolicyWatcher {
  /** Stops watching; no callback runs after it returns. */
  close(): void
}

export const DEFAULT_DEBOUNCE_MS = 200

function signature(path: string): string {
  let st: Stats
  try {
    st = statSync(path)
  } catch (err) {
    return `missing:${(err as NodeJS.ErrnoException).code ?? 'error'}`
  }
  return `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}`
}

export function watchPolicyFile(path: string, options: PolicyWatchOptions): PolicyWatcher {
  const { logger } = options
  const dir = dirname(path)
  const name = basename(path)
  let closed = false
  let timer: NodeJS.Timeout | undefined
  let last = signature(path)
  let dirWatcher: FSWatcher | undefined
  let fileWatcher: FSWatcher | undefined

  const settle = (): void => {
    timer = undefined
    if (closed) return
    // The file may be a new inode now (rename-replace): watch that one from here on.
    armFileWatcher()
    const now = signature(path)
    if (now === last) return
    last = now
    options.onChange()
  }

  const poke = (): void => {
    if (closed) return
    if (timer !== undefined) clearTimeout(timer)
    timer = setTimeout(settle, options.debounceMs)
  }

  const onError = (which: string) => (err: Error) => {
    // The directory went away or the watch limit was hit: SIGHUP still reloads.
    logger.warn({ err: err.message, path, which }, 'policy file watch failed: reload with SIGHUP')
  }

  function armFileWatcher(): void {
    fileWatcher?.close()
    fileWatcher = undefined
    try {
      // fs.watch follows a symlink, so an in-place edit of the file it points at is seen too.
      fileWatcher = watch(path, { persistent: true }, poke)
      fileWatcher.on('error', onError('file'))
    } catch {
      // Missing for a moment (vim renames it away, then writes a new one): the directory watch sees it return.
    }
  }

  try {
    dirWatcher = watch(dir, { persistent: true }, (_event, filename) => {
      // Our file, a ConfigMap's `..data` swap, or a platform that does not name the file.
      if (filename === null || filename === name || String(filename).startsWith('..')) poke()
    })
    dirWatcher.on('error', onError('directory'))
  } catch (err) {
    onError('directory')(err as Error)
  }
  armFileWatcher()
  logger.debug({ path, debounceMs: options.debounceMs }, 'watching the policy file')

  return {
    close() {
      closed = true
      if (timer !== undefined) clearTimeout(timer)
      timer = undefined
      dirWatcher?.close()
      fileWatcher?.close()
      dirWatcher = fileWatcher = undefined
    },
  }
}
