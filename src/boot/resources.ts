// What start() opens (pools, the store, services with timers, the servers), closed in reverse order of
// opening by one stack: each close is registered on the line right after its open, so a failure at any
// later step, and shutdown, close exactly what is open, last opened first (fastify-http-proxy's tests
// register teardown the same way).

export interface Resources {
  /** Registers how to close what was just opened. */
  defer(close: () => unknown): void
  /** Closes everything registered, last first. Every close runs even when one throws; the first error is
   *  thrown once all have run. A second call waits for the first. */
  close(): Promise<void>
}

export function createResources(): Resources {
  const stack: Array<() => unknown> = []
  let closing: Promise<void> | undefined
  async function closeAll(): Promise<void> {
    let first: unknown
    let failed = false
    for (let close = stack.pop(); close !== undefined; close = stack.pop()) {
      try {
        await close()
      } catch (err) {
        if (!failed) first = err
        failed = true
      }
    }
    if (failed) throw first
  }
  return {
    defer(close) {
      stack.push(close)
    },
    close: () => (closing ??= closeAll()),
  }
}
