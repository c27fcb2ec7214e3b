// Reads a counter of a running restgate's registry, for assertions like "exactly one reload happened".
import type { Counter, Gauge } from 'prom-client'

export async function counterValue<L extends string>(counter: Counter<L>, labels: Partial<Record<L, string>> = {}): Promise<number> {
  const { values } = await counter.get()
  let sum = 0
  for (const v of values) {
    const l = v.labels as Record<string, string | number | undefined>
    if (Object.entries(labels).every(([k, want]) => String(l[k]) === want)) sum += v.value
  }
  return sum
}

export async function gaugeValue(gauge: Gauge): Promise<number | undefined> {
  return (await gauge.get()).values[0]?.value
}
