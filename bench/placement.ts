// How the machine's cores are shared during a measurement. By default the process under test gets a core
// of its own and the load generator and the stub Jira share the others, so a proxy's requests/s is set by
// its own CPU cost rather than by what it competes with; "all" rows (worker scaling) let every process
// use every core. Affinity is set with taskset(1), per process and all its threads.
import { execFileSync } from 'node:child_process'

export interface Placement {
  /** False when pinning is off or impossible (one core, no taskset): everything shares every core. */
  readonly pinned: boolean
  readonly cpuCount: number
  /** taskset CPU lists. */
  readonly subject: string
  readonly others: string
  readonly all: string
}

function hasTaskset(): boolean {
  try {
    execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

/** The subject gets the last core; the load generator and the stub share the rest. */
export function planPlacement(cpuCount: number, wanted: boolean, tasksetAvailable = hasTaskset()): Placement {
  const all = cpuCount > 1 ? `0-${cpuCount - 1}` : '0'
  if (!wanted || cpuCount < 2 || !tasksetAvailable) return { pinned: false, cpuCount, subject: all, others: all, all }
  const last = cpuCount - 1
  return { pinned: true, cpuCount, subject: String(last), others: last === 1 ? '0' : `0-${last - 1}`, all }
}

export function describePlacement(p: Placement): string {
  if (!p.pinned) return `not pinned: the process under test, the stub Jira and the load generator share all ${p.cpuCount} cores`
  return (
    `the process under test pinned to CPU ${p.subject}; the load generator and the stub Jira pinned to CPU ${p.others}` +
    `; one-request-in-flight runs put all three on CPU ${p.subject}; "all cores" rows let every process use CPUs ${p.all}`
  )
}

/** Sets the affinity of these processes and all their threads; a process that is gone is skipped. */
export function pin(pids: readonly number[], cpus: string): void {
  for (const pid of pids) {
    try {
      execFileSync('taskset', ['-a', '-p', '-c', cpus, String(pid)], { stdio: 'ignore' })
    } catch {
      // exited in between
    }
  }
}
