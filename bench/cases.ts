// The benchmark's cases, in the order of issue 8. Ratios are reported against cases 1, 2 and 3.
import { basename, join, resolve } from 'node:path'
import type { BenchCase, RequestShape } from './case.js'

/** A typical REST read, as a script would send it. */
export const ISSUE_GET: RequestShape = {
  path: '/rest/api/2/issue/BENCH-42',
  headers: { Accept: 'application/json', 'User-Agent': 'restgate-bench/1' },
}

export const REFERENCE_IDS = ['1', '2', '3'] as const

export const CASES: readonly BenchCase[] = [
  {
    id: '1',
    title: 'direct to the stub Jira',
    latency: true,
    start: async (ctx) => ({ url: ctx.stub.url, pid: ctx.stub.pid, request: ISSUE_GET }),
  },
  {
    id: '2',
    title: 'bare @fastify/http-proxy (no features)',
    latency: true,
    start: async (ctx) => {
      const p = await ctx.spawnNode('bare-proxy', ['dist/bench/servers/bare-proxy.js', '{port}', ctx.stub.url], '/')
      return { url: p.url, pid: p.pid, request: ISSUE_GET }
    },
  },
  {
    id: '3',
    title: 'restgate, auth off, access log on',
    latency: true,
    start: async (ctx) => {
      const rg = await ctx.restgate('restgate')
      return { url: rg.url, pid: rg.pid, request: ISSUE_GET }
    },
  },
  {
    id: '3w1',
    title: 'restgate, auth off, 1 worker, all cores',
    cores: 'all',
    start: async (ctx) => {
      const rg = await ctx.restgate('restgate-w1', { policy: { server: { workers: 1 } } })
      return { url: rg.url, pid: rg.pid, request: ISSUE_GET }
    },
  },
  {
    id: '3w2',
    title: 'restgate, auth off, 2 workers, all cores',
    cores: 'all',
    start: async (ctx) => {
      const rg = await ctx.restgate('restgate-w2', { policy: { server: { workers: 2 } } })
      return { url: rg.url, pid: rg.pid, request: ISSUE_GET }
    },
  },
]

/** Case 3 run from another checkout (`--baseline DIR`), to measure a change before and after in one run. */
export function baselineCase(dir: string): BenchCase {
  const cli = join(resolve(dir), 'dist', 'src', 'cli.js')
  const name = basename(resolve(dir))
  return {
    id: `3@${name}`,
    title: `restgate from ${dir}, auth off`,
    latency: true,
    start: async (ctx) => {
      const rg = await ctx.restgate(`restgate-${name}`, { cli })
      return { url: rg.url, pid: rg.pid, request: ISSUE_GET }
    },
  }
}
