#!/usr/bin/env node
// The entry of the restgate command. It checks the Node.js version before anything else is loaded: an
// older Node.js does not fail cleanly on restgate's native modules (better-sqlite3 13 crashes Node 20), and
// ESM imports are hoisted, so the command itself (command.ts, and everything it loads) comes in through a
// dynamic import only once the check has passed. Keep this file's imports to version.ts.
import { nodeVersionProblem } from './version.js'

const problem = nodeVersionProblem()
if (problem !== undefined) {
  process.stderr.write(`${problem}\n`)
  process.exitCode = 1
} else {
  const { main } = await import('./command.js')
  main(process.argv.slice(2), process.env).then(
    (code) => {
      if (code < 0) return
      process.exitCode = code
      // A cluster worker that could not start: its IPC channel would keep it alive.
      if (process.connected) process.disconnect()
    },
    (err: Error) => {
      process.stderr.write(`restgate: ${err.stack ?? err.message}\n`)
      process.exitCode = 1
    },
  )
}
