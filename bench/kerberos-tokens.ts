// Fresh single-use SPNEGO tokens for a profile run (scripts/profile.sh with KERBEROS=1): starts the bench's
// private KDC, makes COUNT tokens for HTTP@localhost with the same client code as bench case 6, writes
// them with a wrk script for each of two runs (warm.lua, then load.lua: a token is never sent twice),
// copies the keytab and krb5.conf beside them (the acceptor needs no KDC), and stops the KDC:
//   node dist/bench/kerberos-tokens.js OUT-DIR [COUNT=20000]
import { copyFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { ISSUE_GET } from './case.js'
import { freshTokens, startBenchKdc } from './kerberos-case.js'
import { encodePerRequest, wrkScript } from './load/wrk.js'

const [out, countArg = '20000'] = process.argv.slice(2)
if (out === undefined) {
  process.stderr.write('usage: kerberos-tokens.js OUT-DIR [COUNT]\n')
  process.exit(2)
}
const teardowns: Array<() => unknown> = []
try {
  const kdc = await startBenchKdc((fn) => void teardowns.push(fn))
  copyFileSync(kdc.keytab, join(out, 'http.keytab'))
  copyFileSync(kdc.krb5Conf, join(out, 'krb5.conf'))
  const sets = await freshTokens(kdc)(Number(countArg))
  const warm = Math.floor(sets.length / 4)
  const shape = { method: 'GET', path: ISSUE_GET.path, headers: ISSUE_GET.headers ?? {}, threads: 1 }
  for (const [name, part] of [['warm', sets.slice(0, warm)], ['load', sets.slice(warm)]] as const) {
    const file = join(out, `${name}-tokens.txt`)
    writeFileSync(file, encodePerRequest(part) + '\n')
    writeFileSync(join(out, `${name}.lua`), wrkScript(shape, file))
  }
} finally {
  for (const fn of teardowns.reverse()) await fn()
}
