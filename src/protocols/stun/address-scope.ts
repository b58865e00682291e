/**
 * Whether an address carried inside a STUN attribute is a local one: a private (RFC 1918),
 * shared CGNAT (RFC 6598), link-local, loopback or unique-local (RFC 4193) address seen in a
 * mapped, peer or host attribute reveals the caller's LAN addressing to anyone on the path.
 * Works on the raw network-order bytes (4 or 16), so it needs no parsing of text.
 */
export type AddressScope = 'rfc1918' | 'cgnat' | 'link-local' | 'loopback' | 'ula' | 'unspecified'

export function addressScope(b: Uint8Array, offset: number, length: 4 | 16): AddressScope | undefined {
  if (offset + length > b.length) return undefined
  if (length === 4) {
    const a = b[offset]!
    const c = b[offset + 1]!
    if (a === 10) return 'rfc1918'
    if (a === 172 && (c & 0xf0) === 16) return 'rfc1918'
    if (a === 192 && c === 168) return 'rfc1918'
    if (a === 100 && (c & 0xc0) === 64) return 'cgnat'
    if (a === 169 && c === 254) return 'link-local'
    if (a === 127) return 'loopback'
    if (a === 0) return 'unspecified'
    return undefined
  }
  const first = b[offset]!
  if ((first & 0xfe) === 0xfc) return 'ula'
  if (first === 0xfe && (b[offset + 1]! & 0xc0) === 0x80) return 'link-local'
  let zero = true
  for (let i = 0; i < 15; i++) if (b[offset + i] !== 0) zero = false
  if (zero && b[offset + 15] === 1) return 'loopback'
  if (zero && b[offset + 15] === 0) return 'unspecified'
  // IPv4-mapped (::ffff:a.b.c.d): judge the embedded IPv4 address.
  let mapped = true
  for (let i = 0; i < 10; i++) if (b[offset + i] !== 0) mapped = false
  if (mapped && b[offset + 10] === 0xff && b[offset + 11] === 0xff) return addressScope(b, offset + 12, 4)
  return undefined
}
