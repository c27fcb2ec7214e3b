// What the kernel knows about a process tree: CPU time (utime + stime) and peak resident memory (VmHWM).
// Linux only; the parsers are pure so they can be checked against captured /proc text.
import { readFileSync, readdirSync } from 'node:fs'
import { execFileSync } from 'node:child_process'

export interface StatFields {
  readonly ppid: number
  /** utime + stime, in clock ticks. */
  readonly cpuTicks: number
  /** cutime + cstime: the CPU time of children that exited and were waited for, in clock ticks. */
  readonly reapedTicks: number
}

/** Parses /proc/<pid>/stat. The command name sits in parentheses and may itself hold spaces or ')'. */
export function parseStat(text: string): StatFields {
  const close = text.lastIndexOf(')')
  if (close === -1) throw new Error('unreadable /proc stat line')
  // After ')': state(3) ppid(4) ... utime(14) stime(15) cutime(16) cstime(17): index 0 is field 3.
  const f = text.slice(close + 2).trim().split(' ')
  const [ppid, utime, stime, cutime, cstime] = [f[1], f[11], f[12], f[13], f[14]].map(Number) as [number, number, number, number, number]
  if (![ppid, utime, stime, cutime, cstime].every(Number.isFinite)) throw new Error('unreadable /proc stat fields')
  return { ppid, cpuTicks: utime + stime, reapedTicks: cutime + cstime }
}

/** VmHWM (peak resident set) from /proc/<pid>/status, in bytes; 0 when the line is missing. */
export function parseHwmBytes(status: string): number {
  const m = /^VmHWM:\s+(\d+)\s+kB$/m.exec(status)
  return m === null ? 0 : Number(m[1]) * 1024
}

/** USER_HZ: the unit of utime and stime (100 on every mainstream Linux build). */
export function clockTicksPerSecond(): number {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100
  } catch {
    return 100
  }
}

function readStat(pid: number): StatFields | undefined {
  try {
    return parseStat(readFileSync(`/proc/${pid}/stat`, 'utf8'))
  } catch {
    return undefined // the process is gone
  }
}

/** The process and every descendant (cluster workers), found by walking ppid links once. */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>()
  for (const name of readdirSync('/proc')) {
    const pid = Number(name)
    if (!Number.isInteger(pid)) continue
    const st = readStat(pid)
    if (st === undefined) continue
    const list = children.get(st.ppid)
    if (list === undefined) children.set(st.ppid, [pid])
    else list.push(pid)
  }
  const out: number[] = []
  const queue = [root]
  while (queue.length > 0) {
    const pid = queue.pop()!
    out.push(pid)
    for (const c of children.get(pid) ?? []) queue.push(c)
  }
  return out
}

/** CPU time used so far by these processes (all their threads), in clock ticks. */
export function cpuTicks(pids: readonly number[]): number {
  let ticks = 0
  for (const pid of pids) ticks += readStat(pid)?.cpuTicks ?? 0
  return ticks
}

/**
 * CPU time used so far by a process and every descendant, living or exited: the tree is walked afresh,
 * and a child that has exited counts through its parent's cutime/cstime. Apache's MPM forks and retires
 * children under load; read at the start and the end of a run, the difference holds all of their work.
 */
export function treeCpuTicks(root: number): number {
  let ticks = 0
  for (const pid of processTree(root)) {
    const st = readStat(pid)
    if (st !== undefined) ticks += st.cpuTicks + st.reapedTicks
  }
  return ticks
}

/** Sum of the processes' peak resident sets, in bytes. */
export function peakRssBytes(pids: readonly number[]): number {
  let total = 0
  for (const pid of pids) {
    try {
      total += parseHwmBytes(readFileSync(`/proc/${pid}/status`, 'utf8'))
    } catch {
      // gone
    }
  }
  return total
}
