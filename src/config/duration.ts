// Durations in the policy file: "30s", "15m", "8h", "7d", "250ms", or a whole number of seconds.

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }

export function durationMs(value: string | number): number {
  if (typeof value === 'number') return value * 1000
  const m = /^([0-9]+)(ms|s|m|h|d)$/.exec(value)
  if (!m) throw new Error(`"${value}" is not a duration`)
  return Number(m[1]) * UNIT_MS[m[2]!]!
}
