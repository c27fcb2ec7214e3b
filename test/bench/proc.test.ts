// Reading CPU time and peak memory from /proc, for the bench's per-request CPU column.
import t from 'tap'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { clockTicksPerSecond, cpuTicks, parseHwmBytes, parseStat, peakRssBytes, processTree, treeCpuTicks } from '../../bench/proc.js'

t.test('parseStat reads ppid, utime+stime and cutime+cstime, whatever the command name holds', async (t) => {
  const line = '4242 (node (x) y) S 17 4242 4242 0 -1 4194560 1 0 0 0 150 37 5 3 20 0 11 0 100 0 0\n'
  t.same(parseStat(line), { ppid: 17, cpuTicks: 187, reapedTicks: 8 })
  t.throws(() => parseStat('garbage'), /unreadable/)
  t.throws(() => parseStat('1 (x) S nope'), /unreadable/)
})

t.test('parseHwmBytes reads VmHWM in bytes, 0 when absent', async (t) => {
  t.equal(parseHwmBytes('Name:\tnode\nVmPeak:\t  999 kB\nVmHWM:\t   51200 kB\nVmRSS:\t 40000 kB\n'), 51200 * 1024)
  t.equal(parseHwmBytes('Name:\tkthreadd\n'), 0)
})

t.test('processTree finds a child; CPU and memory of live processes are read', async (t) => {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' })
  t.teardown(() => {
    child.kill('SIGKILL')
  })
  await once(child, 'spawn')
  const tree = processTree(process.pid)
  t.ok(tree.includes(process.pid))
  t.ok(tree.includes(child.pid!), 'the child is part of the tree')
  let x = 0
  for (let i = 0; i < 3e7; i++) x += i
  t.ok(x > 0)
  t.ok(cpuTicks([process.pid]) > 0, 'this process has used CPU')
  t.ok(peakRssBytes([process.pid]) > 10 * 1024 * 1024, 'peak RSS of a Node process is over 10 MB')
  t.equal(cpuTicks([2 ** 22 + 12345]), 0, 'a missing process counts nothing')
})

t.test('treeCpuTicks still counts a child that used CPU and exited during the run (Apache retires children)', async (t) => {
  const before = treeCpuTicks(process.pid)
  const selfBefore = cpuTicks([process.pid])
  // About 0.3 s of CPU in the child, then it reports its own figure and exits; Node reaps it.
  const child = spawn(process.execPath, ['-e', 'const e = Date.now() + 300; while (Date.now() < e); const u = process.cpuUsage(); console.log(u.user + u.system)'], {
    stdio: ['ignore', 'pipe', 'ignore'],
  })
  t.teardown(() => {
    child.kill('SIGKILL')
  })
  let out = ''
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()))
  await once(child, 'close')
  const childTicks = (Number(out) / 1e6) * clockTicksPerSecond()
  const gained = treeCpuTicks(process.pid) - before - (cpuTicks([process.pid]) - selfBefore)
  t.ok(childTicks > 10, `the child used CPU (${childTicks.toFixed(0)} ticks)`)
  t.ok(gained >= childTicks * 0.8, `its CPU is counted after it exited: ${gained} ticks for the child's ${childTicks.toFixed(0)}`)
  t.notOk(processTree(process.pid).includes(child.pid!), 'and it is no longer in the tree')
})
