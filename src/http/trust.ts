// Which peers may set the client address (X-Forwarded-For), protocol and host: the listed proxies only,
// as Fastify's `trustProxy` function. It is asked again whenever `request.ip` is read, so also for an
// access line written after the connection closed; a socket that never had its address read before its
// peer went away has none left then (undefined), and is trusted by no one. Reading it as a string threw
// out of the response's close event and took the process down: any client of a trusted front proxy
// that gave up on a request could stop restgate.
import type { CidrSet } from '../match/cidr.js'

export function proxyTrust(trusted: CidrSet): false | ((address: string | undefined) => boolean) {
  if (trusted.empty) return false
  return (address) => typeof address === 'string' && trusted.contains(address)
}
