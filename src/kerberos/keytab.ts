// Reads the principal names out of an MIT/Active Directory keytab file (format 0x0502, also written by
// ktpass), without the native binding, so check-config and start-up can say exactly what a keytab holds
// ("it holds HTTP/jira.example.com@EXAMPLE.COM, not HTTP/jira") and which realms it serves.
// Key material is skipped, never kept. Format: https://web.mit.edu/kerberos/krb5-latest/doc/formats/keytab_file_format.html
import { readFileSync } from 'node:fs'

export interface KeytabEntry {
  /** Name components: ['HTTP', 'jira.example.com']. */
  readonly components: readonly string[]
  readonly realm: string
  /** `HTTP/jira.example.com@EXAMPLE.COM` */
  readonly principal: string
  readonly kvno: number
  readonly enctype: number
}

export class KeytabFormatError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'KeytabFormatError'
  }
}

class Reader {
  constructor(
    private readonly buf: Buffer,
    public pos: number,
    private readonly end: number,
  ) {}

  need(n: number): void {
    if (this.pos + n > this.end) throw new KeytabFormatError(`truncated entry at byte ${this.pos}`)
  }
  u8(): number {
    this.need(1)
    return this.buf.readUInt8(this.pos++)
  }
  u16(): number {
    this.need(2)
    const v = this.buf.readUInt16BE(this.pos)
    this.pos += 2
    return v
  }
  u32(): number {
    this.need(4)
    const v = this.buf.readUInt32BE(this.pos)
    this.pos += 4
    return v
  }
  text(): string {
    const n = this.u16()
    this.need(n)
    const s = this.buf.toString('utf8', this.pos, this.pos + n)
    this.pos += n
    return s
  }
  skip(n: number): void {
    this.need(n)
    this.pos += n
  }
}

/** Every key entry in a keytab, in file order. Throws KeytabFormatError for anything that is not a keytab. */
export function parseKeytab(buf: Buffer): KeytabEntry[] {
  if (buf.length < 2 || buf[0] !== 0x05 || (buf[1] !== 0x01 && buf[1] !== 0x02)) {
    throw new KeytabFormatError('not a keytab file (it does not start with the keytab version 0x0501 or 0x0502)')
  }
  const v1 = buf[1] === 0x01
  const entries: KeytabEntry[] = []
  let pos = 2
  while (pos + 4 <= buf.length) {
    const size = buf.readInt32BE(pos)
    pos += 4
    if (size === 0) break
    // A negative size marks a hole left by a deleted entry.
    if (size < 0) {
      pos += -size
      continue
    }
    if (pos + size > buf.length) throw new KeytabFormatError(`truncated entry at byte ${pos - 4}`)
    const r = new Reader(buf, pos, pos + size)
    let count = r.u16()
    if (v1) count -= 1 // version 1 counted the realm as a component
    const realm = r.text()
    const components: string[] = []
    for (let i = 0; i < count; i++) components.push(r.text())
    if (!v1) r.u32() // name type
    r.u32() // timestamp
    let kvno = r.u8()
    const enctype = r.u16()
    r.skip(r.u16()) // the key itself: never read
    // A 32-bit kvno follows when the entry has room for it (kvno > 255).
    if (pos + size - r.pos >= 4) {
      const wide = r.u32()
      if (wide !== 0) kvno = wide
    }
    entries.push({ components, realm, principal: `${components.join('/')}@${realm}`, kvno, enctype })
    pos += size
  }
  return entries
}

export function readKeytab(path: string): KeytabEntry[] {
  return parseKeytab(readFileSync(path))
}

/** Distinct principal names, in file order. */
export function keytabPrincipals(entries: readonly KeytabEntry[]): string[] {
  return [...new Set(entries.map((e) => e.principal))]
}

/** The key's principal is the GSS host-based name (`HTTP@jira.example.com`), read as MIT's acceptor reads it. */
function entryIsFor(e: KeytabEntry, hostBased: string): boolean {
  const at = hostBased.indexOf('@')
  const service = at === -1 ? hostBased : hostBased.slice(0, at)
  const host = at === -1 ? undefined : hostBased.slice(at + 1).toLowerCase()
  return e.components[0] === service && (host === undefined ? e.components.length === 1 : e.components.length === 2 && e.components[1] === host)
}

/**
 * Does the keytab hold a key for a GSS host-based name (`HTTP@jira.example.com`)? Like MIT's acceptor,
 * any realm matches and the host name is read in lower case (krb5_sname_to_principal lower-cases it).
 */
export function keytabHasService(entries: readonly KeytabEntry[], hostBased: string): boolean {
  return entries.some((e) => entryIsFor(e, hostBased))
}

/** Is every key in the keytab one of that host-based name's (its kvnos, enctypes, realms)? */
export function keytabOnlyFor(entries: readonly KeytabEntry[], hostBased: string): boolean {
  return entries.length > 0 && entries.every((e) => entryIsFor(e, hostBased))
}
