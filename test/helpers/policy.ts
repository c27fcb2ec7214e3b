// A validated, compiled policy from a test's object, without a file or a server.
import { stringify } from 'yaml'
import { parseConfig } from '../../src/config/load.js'
import { formatProblem } from '../../src/config/problems.js'
import type { Config } from '../../src/config/schema.js'
import { compilePolicy, type Policy } from '../../src/policy/compile.js'
import type { PolicyInput } from './restgate.js'

export function policyFrom(input: PolicyInput): { config: Config; policy: Policy; text: string } {
  const text = stringify(input)
  const r = parseConfig(text, { env: {}, checkFiles: false })
  if (!r.ok) throw new Error(`test policy does not validate: ${r.problems.map(formatProblem).join('; ')}`)
  return { config: r.config, policy: compilePolicy(r.config), text }
}
