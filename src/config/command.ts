import { loadConfigFile, type LoadResult } from './load.js'
import { formatProblem } from './problems.js'

/** Where a CLI subcommand writes: stdout carries only the answer, stderr the rest. */
export interface Io {
  out(text: string): void
  err(text: string): void
}

/**
 * The policy for a subcommand that works on the store the file names (token, snapshot): a file that does not
 * validate is reported with every problem and gives undefined, so the command exits 1 without touching a store.
 */
export async function loadPolicyForCommand(
  path: string,
  env: NodeJS.ProcessEnv,
  io: Io,
): Promise<Extract<LoadResult, { ok: true }> | undefined> {
  const loaded = await loadConfigFile(path, { env })
  if (loaded.ok) return loaded
  io.err(`restgate: ${path}: ${loaded.problems.length} problem(s):`)
  for (const problem of loaded.problems) io.err(`  ${formatProblem(problem)}`)
  return undefined
}
