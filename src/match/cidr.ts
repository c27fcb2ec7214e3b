// Client network rules. IPv4-mapped IPv6 (::ffff:10.0.0.1) is read as IPv4, so one rule covers a
// dual-stack listener's view of the same client.
import ipaddr from 'ipaddr.js'

type Range = [ipaddr.IPv4 | ipaddr.IPv6, number]

/**
 * IPv4 only in strict dotted-quad form: inet_aton shorthands like `10.1` or `012.0.0.1` (octal) read
 * differently in different tools, so a rule written that way would not mean what it seems to.
 */
function isStrictIp(text: string): boolean {
  return text.includes(':') ? ipaddr.IPv6.isValid(text) : ipaddr.IPv4.isValidFourPartDecimal(text)
}

export function parseIp(text: string): ipaddr.IPv4 | ipaddr.IPv6 | null {
  if (!isStrictIp(text)) return null
  const addr = ipaddr.parse(text)
  if (addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress()) {
    return (addr as ipaddr.IPv6).toIPv4Address()
  }
  return addr
}

/** Parses "10.0.0.0/8", "2001:db8::/32" or a bare address (a /32 or /128). Throws with a reason. */
export function parseCidr(text: string): Range {
  const slash = text.indexOf('/')
  if (slash === -1) {
    const addr = parseIp(text)
    if (!addr) throw new Error(`"${text}" is not an IP address`)
    return [addr, addr.kind() === 'ipv4' ? 32 : 128]
  }
  if (!isStrictIp(text.slice(0, slash)) || !ipaddr.isValidCIDR(text)) throw new Error(`"${text}" is not a CIDR`)
  const [addr, bits] = ipaddr.parseCIDR(text)
  if (addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress() && bits >= 96) {
    return [(addr as ipaddr.IPv6).toIPv4Address(), bits - 96]
  }
  return [addr, bits]
}

/** Addresses whose answer a set remembers before it starts again: more clients than that cost a parse each. */
const MEMO_ENTRIES = 4096
/** The longest text form of an address (IPv4-mapped IPv6). */
const MAX_ADDRESS_LENGTH = 45

export interface CidrSet {
  readonly empty: boolean
  contains(ip: string): boolean
}

export function compileCidrSet(list: readonly string[]): CidrSet {
  const v4: Array<[ipaddr.IPv4, number]> = []
  const v6: Array<[ipaddr.IPv6, number]> = []
  for (const text of list) {
    const [addr, bits] = parseCidr(text)
    if (addr.kind() === 'ipv4') v4.push([addr as ipaddr.IPv4, bits])
    else v6.push([addr as ipaddr.IPv6, bits])
  }
  const empty = v4.length === 0 && v6.length === 0
  // The same few addresses are asked about again and again (a front proxy's, on every request, and more
  // than once per request): remembered, so each costs one parse, not one per question. Bounded.
  const answers = new Map<string, boolean>()
  const match = (ip: string): boolean => {
    const addr = parseIp(ip)
    if (!addr) return false
    if (addr.kind() === 'ipv4') {
      const a = addr as ipaddr.IPv4
      for (const r of v4) if (a.match(r)) return true
    } else {
      const a = addr as ipaddr.IPv6
      for (const r of v6) if (a.match(r)) return true
    }
    return false
  }
  return {
    empty,
    contains(ip: string): boolean {
      if (empty) return false
      // Only what could be an address is remembered: X-Forwarded-For entries are any text a client sent.
      if (ip.length > MAX_ADDRESS_LENGTH) return match(ip)
      let known = answers.get(ip)
      if (known === undefined) {
        if (answers.size >= MEMO_ENTRIES) answers.clear()
        known = match(ip)
        answers.set(ip, known)
      }
      return known
    },
  }
}

export interface NetworkRule {
  allow: CidrSet
  deny: CidrSet
}

export function compileNetworkRule(rule: { allow: readonly string[]; deny: readonly string[] }): NetworkRule {
  return { allow: compileCidrSet(rule.allow), deny: compileCidrSet(rule.deny) }
}

/** Deny wins over allow; an empty allow list allows every network. An unparseable address is refused. */
export function networkAllows(rule: NetworkRule, ip: string): boolean {
  if (rule.allow.empty && rule.deny.empty) return true
  if (!parseIp(ip)) return false
  if (rule.deny.contains(ip)) return false
  return rule.allow.empty || rule.allow.contains(ip)
}
