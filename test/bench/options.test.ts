// The bench's flags: defaults, overrides, and clear refusals.
import t from 'tap'
import { parseBenchArgs } from '../../bench/options.js'

t.test('defaults keep a full run to a few minutes', async (t) => {
  const o = parseBenchArgs([])
  t.equal(o.durationS, 3)
  t.equal(o.rounds, 5)
  t.equal(o.connections, 32)
  t.same(o.cases, [])
  t.equal(o.out, 'BENCHMARKS.md')
  t.equal(o.pin, true)
})

t.test('flags override', async (t) => {
  const o = parseBenchArgs(['--duration', '10', '--cases', '1, 3', '--no-write', '--no-pin', '--connections', '64'])
  t.equal(o.durationS, 10)
  t.same(o.cases, ['1', '3'])
  t.equal(o.out, undefined)
  t.equal(o.pin, false)
  t.equal(o.connections, 64)
})

t.test('--baseline is repeatable', async (t) => {
  t.same(parseBenchArgs([]).baselines, [])
  t.same(parseBenchArgs(['--baseline', '/a', '--baseline', '/b']).baselines, ['/a', '/b'])
})

t.test('bad values are refused with the flag named', async (t) => {
  t.throws(() => parseBenchArgs(['--rounds', '0']), /--rounds: must be a positive integer/)
  t.throws(() => parseBenchArgs(['--duration', '1.5']), /--duration: must be a positive integer/)
  t.throws(() => parseBenchArgs(['--threads', '4', '--connections', '2']), /--connections: must be at least --threads/)
  t.throws(() => parseBenchArgs(['--bogus']), /bogus/)
})
