// Reading CPU time and peak memory from /proc, for the bench's per-request CPU column.
import t from 'tap'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { cpuTicks, parseHwmBytes, parseStat, peakRssBytes, processTree } from '../../bench/proc.js'

t.test('parseStat reads ppid and utime+stime, whatever the command name holds', async (t) => {
  const line = '4242 (node (x) y) S 17 4242 4242 0 -1 4194560 1 0 0 0 150 37 0 0 20 0 11 0 100 0 0\n'
  t.same(parseStat(line), { ppid: 17, cpuTicks: 187 })
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
