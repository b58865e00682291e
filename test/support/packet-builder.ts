/**
 * Raw packet builders for tests and fixtures: every function returns a fresh `Buffer` of correct
 * wire bytes (lengths filled in, checksums computed). They compose inside-out:
 *
 *   ethernet({type: ETHERTYPE.IPV4}, ipv4({src, dst, proto: IPPROTO.UDP}, udp({sport, dport}, dns)))
 *
 * TCP/UDP/ICMPv6 checksums need the IP pseudo-header, so `tcp()`, `udp()` and `icmpv6Echo()` leave
 * the checksum 0 and `ipv4()` / `ipv6()` fill it in over the whole upper-layer payload (pass
 * `l4Checksum: false` to keep what the payload has). Build the whole datagram first, then call
 * `fragmentIpv4` / `fragmentIpv6`, so the checksum covers the reassembled datagram.
 *
 * Not the hot path: clarity over speed. No dependencies beyond node:crypto.
 */
import {createHash, createHmac} from 'node:crypto'

// ---------------------------------------------------------------------------------------------
// Constants
// ---------------------------------------------------------------------------------------------

/** tcpdump.org LINKTYPE_* values. */
export const LINKTYPE = {
  NULL: 0,
  ETHERNET: 1,
  RAW: 101,
  LOOP: 108,
  LINUX_SLL: 113,
  USER0: 147,
  IPV4: 228,
  IPV6: 229,
  LINUX_SLL2: 276,
} as const

/** IEEE 802 EtherType values (IANA ieee-802-numbers). */
export const ETHERTYPE = {
  IPV4: 0x0800,
  ARP: 0x0806,
  VLAN: 0x8100,
  IPV6: 0x86dd,
  MPLS: 0x8847,
  PPPOE_DISCOVERY: 0x8863,
  PPPOE_SESSION: 0x8864,
  QINQ: 0x88a8,
  TEB: 0x6558,
} as const

/** IANA protocol numbers. */
export const IPPROTO = {
  HOPOPTS: 0,
  ICMP: 1,
  IPIP: 4,
  TCP: 6,
  UDP: 17,
  IPV6: 41,
  ROUTING: 43,
  FRAGMENT: 44,
  GRE: 47,
  ICMPV6: 58,
  NONE: 59,
  DSTOPTS: 60,
} as const

/** BSD address-family values found in LINKTYPE_NULL / LINKTYPE_LOOP headers. */
export const AF = {
  INET: 2,
  /** NetBSD, OpenBSD, BSD/OS */
  INET6_BSD: 24,
  /** FreeBSD, DragonFly BSD */
  INET6_FREEBSD: 28,
  /** macOS / Darwin */
  INET6_DARWIN: 30,
} as const

/** PPP protocol numbers (RFC 1661 / IANA). */
export const PPP = {IPV4: 0x0021, IPV6: 0x0057} as const

// ---------------------------------------------------------------------------------------------
// Addresses
// ---------------------------------------------------------------------------------------------

export function ipv4Bytes(text: string): Buffer {
  const parts = text.split('.')
  if (parts.length !== 4) throw new Error(`bad IPv4 address ${text}`)
  return Buffer.from(
    parts.map((p) => {
      const n = Number(p)
      if (!/^\d{1,3}$/.test(p) || n > 255) throw new Error(`bad IPv4 address ${text}`)
      return n
    }),
  )
}

export function ipv6Bytes(text: string): Buffer {
  let s = text
  const out = Buffer.alloc(16)
  // embedded IPv4 tail (e.g. ::ffff:192.0.2.1)
  let tail: Buffer | undefined
  const lastColon = s.lastIndexOf(':')
  if (s.slice(lastColon + 1).includes('.')) {
    tail = ipv4Bytes(s.slice(lastColon + 1))
    s = s.slice(0, lastColon + 1) + '0:0'
  }
  const halves = s.split('::')
  if (halves.length > 2) throw new Error(`bad IPv6 address ${text}`)
  const head = halves[0] ? halves[0].split(':') : []
  const rest = halves.length === 2 && halves[1] ? halves[1].split(':') : []
  if (halves.length === 1 && head.length !== 8) throw new Error(`bad IPv6 address ${text}`)
  if (head.length + rest.length > (halves.length === 2 ? 7 : 8)) throw new Error(`bad IPv6 address ${text}`)
  const put = (group: string, index: number) => {
    if (!/^[0-9a-fA-F]{1,4}$/.test(group)) throw new Error(`bad IPv6 address ${text}`)
    out.writeUInt16BE(parseInt(group, 16), index * 2)
  }
  head.forEach((g, i) => put(g, i))
  rest.forEach((g, i) => put(g, 8 - rest.length + i))
  if (tail) tail.copy(out, 12)
  return out
}

export function isIpv6(text: string): boolean {
  return text.includes(':')
}

export function ipBytes(text: string): Buffer {
  return isIpv6(text) ? ipv6Bytes(text) : ipv4Bytes(text)
}

/** RFC 5952 §4 canonical text: lowercase, no leading zeros, longest run (≥ 2) of zero groups as ::. */
export function formatIpv6(bytes: Buffer): string {
  const groups: number[] = []
  for (let i = 0; i < 16; i += 2) groups.push(bytes.readUInt16BE(i))
  let bestStart = -1
  let bestLen = 0
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++
      continue
    }
    let j = i
    while (j < 8 && groups[j] === 0) j++
    if (j - i > bestLen) {
      bestStart = i
      bestLen = j - i
    }
    i = j
  }
  const hex = groups.map((g) => g.toString(16))
  if (bestLen < 2) return hex.join(':')
  return hex.slice(0, bestStart).join(':') + '::' + hex.slice(bestStart + bestLen).join(':')
}

export function formatIp(bytes: Buffer): string {
  return bytes.length === 4 ? [...bytes].join('.') : formatIpv6(bytes)
}

/** Canonical text of an address given in any valid text form. */
export function canonicalIp(text: string): string {
  return formatIp(ipBytes(text))
}

export function macBytes(text: string): Buffer {
  const parts = text.split(/[:-]/)
  if (parts.length !== 6) throw new Error(`bad MAC ${text}`)
  return Buffer.from(parts.map((p) => parseInt(p, 16)))
}

// ---------------------------------------------------------------------------------------------
// Checksums
// ---------------------------------------------------------------------------------------------

/** RFC 1071 Internet checksum (one's complement of the one's complement sum) over the concatenation. */
export function internetChecksum(...parts: Buffer[]): number {
  const b = parts.length === 1 ? parts[0] : Buffer.concat(parts)
  let sum = 0
  for (let i = 0; i + 1 < b.length; i += 2) sum += b.readUInt16BE(i)
  if (b.length & 1) sum += b[b.length - 1] << 8
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16)
  return ~sum & 0xffff
}

/**
 * Upper-layer checksum with the pseudo-header: RFC 793 §3.1 / RFC 768 (IPv4),
 * RFC 8200 §8.1 (IPv6). `segment` must have its checksum field zeroed.
 * For UDP a computed 0 is sent as 0xFFFF (RFC 768).
 */
export function l4Checksum(src: Buffer, dst: Buffer, proto: number, segment: Buffer): number {
  let pseudo: Buffer
  if (src.length === 4) {
    pseudo = Buffer.alloc(12)
    src.copy(pseudo, 0)
    dst.copy(pseudo, 4)
    pseudo[9] = proto
    pseudo.writeUInt16BE(segment.length, 10)
  } else {
    pseudo = Buffer.alloc(40)
    src.copy(pseudo, 0)
    dst.copy(pseudo, 16)
    pseudo.writeUInt32BE(segment.length, 32)
    pseudo[39] = proto
  }
  const c = internetChecksum(pseudo, segment)
  return proto === IPPROTO.UDP && c === 0 ? 0xffff : c
}

/** Offset of the checksum field inside an upper-layer segment, or -1 if not handled. */
function l4ChecksumOffset(proto: number): number {
  switch (proto) {
    case IPPROTO.TCP:
      return 16
    case IPPROTO.UDP:
      return 6
    case IPPROTO.ICMPV6:
      return 2
    default:
      return -1
  }
}

function withL4Checksum(src: Buffer, dst: Buffer, proto: number, payload: Buffer): Buffer {
  const off = l4ChecksumOffset(proto)
  if (off < 0 || payload.length < off + 2) return Buffer.from(payload)
  const seg = Buffer.from(payload)
  seg.writeUInt16BE(0, off)
  seg.writeUInt16BE(l4Checksum(src, dst, proto, seg), off)
  return seg
}

// ---------------------------------------------------------------------------------------------
// Link layers
// ---------------------------------------------------------------------------------------------

export interface EthernetHeader {
  src?: string
  dst?: string
  type: number
  /** Pad the frame to the 60-byte Ethernet minimum (as a receiving NIC delivers it). */
  pad?: boolean
}

/** Ethernet II (IEEE 802.3 with EtherType), without FCS. */
export function ethernet(h: EthernetHeader, payload: Buffer): Buffer {
  const head = Buffer.alloc(14)
  macBytes(h.dst ?? '02:00:00:00:00:02').copy(head, 0)
  macBytes(h.src ?? '02:00:00:00:00:01').copy(head, 6)
  head.writeUInt16BE(h.type, 12)
  const frame = Buffer.concat([head, payload])
  if (h.pad && frame.length < 60) return Buffer.concat([frame, Buffer.alloc(60 - frame.length)])
  return frame
}

export interface VlanTag {
  vid: number
  pcp?: number
  dei?: boolean
  /** EtherType of what follows the tag. */
  type: number
}

/** IEEE 802.1Q tag body (TCI + inner EtherType); the outer EtherType (0x8100 / 0x88a8) precedes it. */
export function vlan8021q(t: VlanTag, payload: Buffer): Buffer {
  const h = Buffer.alloc(4)
  h.writeUInt16BE((((t.pcp ?? 0) & 7) << 13) | ((t.dei ? 1 : 0) << 12) | (t.vid & 0xfff), 0)
  h.writeUInt16BE(t.type, 2)
  return Buffer.concat([h, payload])
}

/** Ethernet frame with IEEE 802.1ad QinQ: outer S-tag (0x88a8) then C-tag (0x8100). */
export function ethernetQinQ(
  h: {src?: string; dst?: string; outerVid: number; innerVid: number; type: number},
  payload: Buffer,
): Buffer {
  return ethernet(
    {src: h.src, dst: h.dst, type: ETHERTYPE.QINQ},
    vlan8021q({vid: h.outerVid, type: ETHERTYPE.VLAN}, vlan8021q({vid: h.innerVid, type: h.type}, payload)),
  )
}

/** RFC 2516 §4 PPPoE session stage header + RFC 1661 PPP protocol field (EtherType 0x8864 payload). */
export function pppoeSession(h: {sessionId: number; pppProtocol: number}, payload: Buffer): Buffer {
  const head = Buffer.alloc(8)
  head[0] = 0x11 // ver 1, type 1
  head[1] = 0x00 // code: session data
  head.writeUInt16BE(h.sessionId, 2)
  head.writeUInt16BE(payload.length + 2, 4) // PPPoE payload = PPP protocol + information
  head.writeUInt16BE(h.pppProtocol, 6)
  return Buffer.concat([head, payload])
}

export interface MplsLabel {
  label: number
  tc?: number
  ttl?: number
}

/** RFC 3032 §2.1 label stack entries; the bottom-of-stack bit is set on the last one. */
export function mpls(labels: MplsLabel[], payload: Buffer): Buffer {
  const head = Buffer.alloc(labels.length * 4)
  labels.forEach((l, i) => {
    const s = i === labels.length - 1 ? 1 : 0
    head.writeUInt32BE(((l.label & 0xfffff) << 12) | (((l.tc ?? 0) & 7) << 9) | (s << 8) | ((l.ttl ?? 64) & 0xff), i * 4)
  })
  return Buffer.concat([head, payload])
}

/** Linux "cooked" capture v1 (LINKTYPE_LINUX_SLL = 113): 16-byte header. */
export function sll(
  h: {packetType?: number; arphrd?: number; addr?: string; protocol: number},
  payload: Buffer,
): Buffer {
  const head = Buffer.alloc(16)
  head.writeUInt16BE(h.packetType ?? 0, 0) // 0 = to us, 4 = sent by us
  head.writeUInt16BE(h.arphrd ?? 1, 2) // ARPHRD_ETHER
  const addr = macBytes(h.addr ?? '02:00:00:00:00:01')
  head.writeUInt16BE(addr.length, 4)
  addr.copy(head, 6)
  head.writeUInt16BE(h.protocol, 14)
  return Buffer.concat([head, payload])
}

/** Linux "cooked" capture v2 (LINKTYPE_LINUX_SLL2 = 276): 20-byte header. */
export function sll2(
  h: {protocol: number; ifIndex?: number; arphrd?: number; packetType?: number; addr?: string},
  payload: Buffer,
): Buffer {
  const head = Buffer.alloc(20)
  head.writeUInt16BE(h.protocol, 0)
  head.writeUInt16BE(0, 2) // reserved
  head.writeUInt32BE(h.ifIndex ?? 2, 4)
  head.writeUInt16BE(h.arphrd ?? 1, 8)
  head[10] = h.packetType ?? 0
  const addr = macBytes(h.addr ?? '02:00:00:00:00:01')
  head[11] = addr.length
  addr.copy(head, 12)
  return Buffer.concat([head, payload])
}

/**
 * BSD loopback encapsulation: a 4-byte address family. LINKTYPE_NULL (0) stores it in the byte
 * order of the capturing host (`order`), LINKTYPE_LOOP (108) always in network order ('be').
 */
export function nullLink(af: number, payload: Buffer, order: 'le' | 'be'): Buffer {
  const head = Buffer.alloc(4)
  if (order === 'le') head.writeUInt32LE(af, 0)
  else head.writeUInt32BE(af, 0)
  return Buffer.concat([head, payload])
}

// ---------------------------------------------------------------------------------------------
// IPv4 (RFC 791)
// ---------------------------------------------------------------------------------------------

export interface Ipv4Option {
  /** Option type octet (copied flag 0x80 | class | number). 0 = EOL and 1 = NOP are single octets. */
  type: number
  data?: Buffer
}

/** A few RFC 791 / RFC 2113 options. */
export const ipv4Opt = {
  nop: (): Ipv4Option => ({type: 1}),
  /** RFC 2113 Router Alert (type 148, copied). */
  routerAlert: (value = 0): Ipv4Option => ({type: 0x94, data: Buffer.from([value >> 8, value & 0xff])}),
  /** RFC 791 Record Route (type 7, not copied) with `slots` addresses, the first `recorded` filled in. */
  recordRoute: (slots: number, recorded: string[] = []): Ipv4Option => {
    const data = Buffer.alloc(1 + 4 * slots)
    data[0] = 4 + 4 * recorded.length // pointer (1-based, counts type+len+ptr)
    recorded.forEach((a, i) => ipv4Bytes(a).copy(data, 1 + 4 * i))
    return {type: 7, data}
  },
  /** RFC 791 Internet Timestamp (type 68, flag 0: timestamps only) with given values. */
  timestamp: (values: number[], slots = values.length): Ipv4Option => {
    const data = Buffer.alloc(2 + 4 * slots)
    data[0] = 5 + 4 * values.length
    data[1] = 0 // overflow 0, flag 0
    values.forEach((v, i) => data.writeUInt32BE(v >>> 0, 2 + 4 * i))
    return {type: 68, data}
  },
}

export function encodeIpv4Options(options: Ipv4Option[]): Buffer {
  const parts: Buffer[] = []
  for (const o of options) {
    if (o.type === 0 || o.type === 1) parts.push(Buffer.from([o.type]))
    else {
      const d = o.data ?? Buffer.alloc(0)
      parts.push(Buffer.concat([Buffer.from([o.type, d.length + 2]), d]))
    }
  }
  let b = Buffer.concat(parts)
  if (b.length % 4) b = Buffer.concat([b, Buffer.alloc(4 - (b.length % 4))]) // pad with EOL (0)
  if (b.length > 40) throw new Error('IPv4 options exceed 40 bytes')
  return b
}

export interface Ipv4Header {
  src: string
  dst: string
  proto: number
  id?: number
  ttl?: number
  tos?: number
  df?: boolean
  mf?: boolean
  /** Fragment offset in bytes (multiple of 8). */
  fragOffset?: number
  options?: Ipv4Option[] | Buffer
  /** Fill the TCP/UDP checksum over the pseudo-header (default: yes unless this is a fragment). */
  l4Checksum?: boolean
}

/** RFC 791 §3.1 header (+options) with header checksum; fills the TCP/UDP checksum (RFC 793/768). */
export function ipv4(h: Ipv4Header, payload: Buffer): Buffer {
  const opts = Buffer.isBuffer(h.options) ? h.options : encodeIpv4Options(h.options ?? [])
  const hl = 20 + opts.length
  const head = Buffer.alloc(hl)
  const src = ipv4Bytes(h.src)
  const dst = ipv4Bytes(h.dst)
  const fragOffset = h.fragOffset ?? 0
  if (fragOffset % 8) throw new Error('fragment offset must be a multiple of 8')
  const isFragment = !!h.mf || fragOffset > 0
  const body = (h.l4Checksum ?? !isFragment) ? withL4Checksum(src, dst, h.proto, payload) : Buffer.from(payload)
  head[0] = 0x40 | (hl / 4)
  head[1] = h.tos ?? 0
  head.writeUInt16BE(hl + body.length, 2)
  head.writeUInt16BE(h.id ?? 0, 4)
  head.writeUInt16BE((h.df ? 0x4000 : 0) | (h.mf ? 0x2000 : 0) | (fragOffset / 8), 6)
  head[8] = h.ttl ?? 64
  head[9] = h.proto
  src.copy(head, 12)
  dst.copy(head, 16)
  opts.copy(head, 20)
  head.writeUInt16BE(internetChecksum(head), 10)
  if (hl + body.length > 65535) throw new Error('IPv4 datagram too large')
  return Buffer.concat([head, body])
}

/** Split an IPv4 options field into the options to copy into non-first fragments (copied flag set). */
function copiedIpv4Options(opts: Buffer): Buffer {
  const keep: Buffer[] = []
  for (let i = 0; i < opts.length; ) {
    const t = opts[i]
    if (t === 0) break
    if (t === 1) {
      i++
      continue
    }
    const len = opts[i + 1]
    if (t & 0x80) keep.push(opts.subarray(i, i + len))
    i += len
  }
  let b = Buffer.concat(keep)
  if (b.length % 4) b = Buffer.concat([b, Buffer.alloc(4 - (b.length % 4))])
  return b
}

/**
 * RFC 791 §3.2 fragmentation: split a (possibly already fragmented) datagram so every fragment is
 * at most `mtu` bytes. Data per fragment is a multiple of 8 except the last; options with the
 * copied flag go into every fragment, the others only into the first.
 */
export function fragmentIpv4(packet: Buffer, mtu: number): Buffer[] {
  const hl = (packet[0] & 0x0f) * 4
  const total = packet.readUInt16BE(2)
  const flags = packet.readUInt16BE(6)
  if (flags & 0x4000) throw new Error('DF set: cannot fragment')
  if (total <= mtu) return [Buffer.from(packet.subarray(0, total))]
  const baseOffset = (flags & 0x1fff) * 8
  const lastMf = (flags & 0x2000) !== 0
  const firstOpts = packet.subarray(20, hl)
  const laterOpts = copiedIpv4Options(firstOpts)
  const data = packet.subarray(hl, total)
  const out: Buffer[] = []
  let pos = 0
  while (pos < data.length) {
    const opts = pos === 0 ? firstOpts : laterOpts
    const room = Math.floor((mtu - 20 - opts.length) / 8) * 8
    if (room <= 0) throw new Error('MTU too small')
    const len = Math.min(room, data.length - pos)
    const last = pos + len >= data.length
    const head = Buffer.alloc(20 + opts.length)
    packet.copy(head, 0, 0, 20)
    opts.copy(head, 20)
    head[0] = 0x40 | (head.length / 4)
    head.writeUInt16BE(head.length + len, 2)
    head.writeUInt16BE((last && !lastMf ? 0 : 0x2000) | ((baseOffset + pos) / 8), 6)
    head.writeUInt16BE(0, 10)
    head.writeUInt16BE(internetChecksum(head), 10)
    out.push(Buffer.concat([head, data.subarray(pos, pos + len)]))
    pos += len
  }
  return out
}

// ---------------------------------------------------------------------------------------------
// IPv6 (RFC 8200)
// ---------------------------------------------------------------------------------------------

/** RFC 8200 §4.2 TLV options for Hop-by-Hop / Destination Options headers. */
export const ipv6Opt = {
  /** RFC 2711 Router Alert (type 5), value 0 = MLD. */
  routerAlert: (value = 0): Buffer => Buffer.from([5, 2, value >> 8, value & 0xff]),
  /** RFC 4727 experimental option type 0x1E (action 00: skip if unknown). */
  experimental: (data: Buffer): Buffer => Buffer.concat([Buffer.from([0x1e, data.length]), data]),
}

export type Ipv6ExtHeader =
  | {type: 0 | 60; options?: Buffer}
  | {type: 43; routingType?: number; segmentsLeft?: number; addresses?: string[]}

/** Pad an options area (after the 2-byte next/len) so the header is a multiple of 8 (§4.2 Pad1/PadN). */
function padIpv6Options(opts: Buffer): Buffer {
  const used = 2 + opts.length
  const pad = (8 - (used % 8)) % 8
  if (pad === 0) return opts
  if (pad === 1) return Buffer.concat([opts, Buffer.from([0])])
  return Buffer.concat([opts, Buffer.from([1, pad - 2]), Buffer.alloc(pad - 2)])
}

function encodeExtHeader(h: Ipv6ExtHeader, next: number): Buffer {
  let body: Buffer
  if (h.type === 43) {
    // RFC 8200 §4.4: next, len, routing type, segments left, type-specific data
    const addrs = (h.addresses ?? []).map(ipv6Bytes)
    body = Buffer.concat([
      Buffer.from([h.routingType ?? 0, h.segmentsLeft ?? 0, 0, 0, 0, 0]),
      ...addrs,
    ])
  } else {
    body = padIpv6Options(h.options ?? Buffer.alloc(0))
  }
  const len = 2 + body.length
  if (len % 8) throw new Error('extension header not a multiple of 8 bytes')
  return Buffer.concat([Buffer.from([next, len / 8 - 1]), body])
}

export interface Ipv6Header {
  src: string
  dst: string
  /** Upper-layer protocol after any extension headers. */
  next: number
  hopLimit?: number
  trafficClass?: number
  flowLabel?: number
  /** Hop-by-Hop (0), Routing (43), Destination Options (60), in wire order (§4.1). */
  extHeaders?: Ipv6ExtHeader[]
  l4Checksum?: boolean
}

/** RFC 8200 §3 fixed header + §4 extension headers; fills TCP/UDP/ICMPv6 checksums (§8.1). */
export function ipv6(h: Ipv6Header, payload: Buffer): Buffer {
  const src = ipv6Bytes(h.src)
  let finalDst = ipv6Bytes(h.dst)
  const exts = h.extHeaders ?? []
  for (const e of exts) {
    if (e.type === 43 && (e.segmentsLeft ?? 0) > 0 && e.addresses?.length) {
      finalDst = ipv6Bytes(e.addresses[e.addresses.length - 1])
    }
  }
  const body = h.l4Checksum === false ? Buffer.from(payload) : withL4Checksum(src, finalDst, h.next, payload)
  const extBufs = exts.map((e, i) => encodeExtHeader(e, i + 1 < exts.length ? exts[i + 1].type : h.next))
  const ext = Buffer.concat(extBufs)
  const head = Buffer.alloc(40)
  head.writeUInt32BE(((6 << 28) | ((h.trafficClass ?? 0) << 20) | ((h.flowLabel ?? 0) & 0xfffff)) >>> 0, 0)
  head.writeUInt16BE(ext.length + body.length, 4)
  head[6] = exts.length ? exts[0].type : h.next
  head[7] = h.hopLimit ?? 64
  src.copy(head, 8)
  ipv6Bytes(h.dst).copy(head, 24)
  return Buffer.concat([head, ext, body])
}

/**
 * RFC 8200 §4.5 fragmentation with the Fragment header (44). The unfragmentable part is the IPv6
 * header plus extension headers up to and including the Routing header (or Hop-by-Hop if no
 * Routing header); everything after (e.g. Destination Options, the upper layer) is fragmented.
 */
export function fragmentIpv6(packet: Buffer, mtu: number, id: number): Buffer[] {
  const payloadLen = packet.readUInt16BE(4)
  const end = 40 + payloadLen
  // Walk the chain to find the end of the unfragmentable part.
  let next = packet[6]
  let pos = 40
  let unfragEnd = 40
  let unfragNextPos = 6
  while (next === 0 || next === 43 || next === 60) {
    const hdrNext = packet[pos]
    const len = (packet[pos + 1] + 1) * 8
    if (next === 0 || next === 43) {
      unfragEnd = pos + len
      unfragNextPos = pos
    }
    next = hdrNext
    pos += len
  }
  const firstFragmentable = packet[unfragNextPos]
  const unfrag = Buffer.from(packet.subarray(0, unfragEnd))
  unfrag[unfragNextPos] = IPPROTO.FRAGMENT
  const data = packet.subarray(unfragEnd, end)
  const room = Math.floor((mtu - unfrag.length - 8) / 8) * 8
  if (room <= 0) throw new Error('MTU too small')
  const out: Buffer[] = []
  for (let off = 0; off < data.length; off += room) {
    const len = Math.min(room, data.length - off)
    const more = off + len < data.length
    const fh = Buffer.alloc(8)
    fh[0] = firstFragmentable
    fh[1] = 0
    fh.writeUInt16BE(((off / 8) << 3) | (more ? 1 : 0), 2)
    fh.writeUInt32BE(id >>> 0, 4)
    const head = Buffer.from(unfrag)
    head.writeUInt16BE(unfrag.length - 40 + 8 + len, 4)
    out.push(Buffer.concat([head, fh, data.subarray(off, off + len)]))
  }
  return out
}

// ---------------------------------------------------------------------------------------------
// TCP (RFC 9293), UDP (RFC 768)
// ---------------------------------------------------------------------------------------------

export const TCP_FLAGS = {FIN: 0x01, SYN: 0x02, RST: 0x04, PSH: 0x08, ACK: 0x10, URG: 0x20, ECE: 0x40, CWR: 0x80} as const

/** Flags from letters: F S R P A U E C (e.g. 'SA' = SYN+ACK, 'PA' = PSH+ACK). */
export function tcpFlags(letters: string): number {
  const map: Record<string, number> = {F: 1, S: 2, R: 4, P: 8, A: 16, U: 32, E: 64, C: 128}
  let f = 0
  for (const c of letters) {
    if (!(c in map)) throw new Error(`bad TCP flag ${c}`)
    f |= map[c]
  }
  return f
}

export type TcpOption =
  | {kind: 'mss'; value: number}
  | {kind: 'wscale'; shift: number}
  | {kind: 'sackPermitted'}
  | {kind: 'timestamps'; tsval: number; tsecr: number}
  | {kind: 'nop'}

/** RFC 9293 §3.2 option encoding, padded with NOPs... then EOL to a multiple of 4. */
export function encodeTcpOptions(options: TcpOption[]): Buffer {
  const parts = options.map((o) => {
    switch (o.kind) {
      case 'nop':
        return Buffer.from([1])
      case 'mss':
        return Buffer.from([2, 4, o.value >> 8, o.value & 0xff])
      case 'wscale':
        return Buffer.from([3, 3, o.shift])
      case 'sackPermitted':
        return Buffer.from([4, 2])
      case 'timestamps': {
        const b = Buffer.alloc(10)
        b[0] = 8
        b[1] = 10
        b.writeUInt32BE(o.tsval >>> 0, 2)
        b.writeUInt32BE(o.tsecr >>> 0, 6)
        return b
      }
    }
  })
  let b = Buffer.concat(parts)
  if (b.length % 4) b = Buffer.concat([b, Buffer.alloc(4 - (b.length % 4))])
  if (b.length > 40) throw new Error('TCP options exceed 40 bytes')
  return b
}

export interface TcpHeader {
  sport: number
  dport: number
  seq: number
  ack?: number
  /** Numeric flags or letters ('S', 'SA', 'A', 'PA', 'FA', 'R'). */
  flags: number | string
  window?: number
  urgent?: number
  options?: TcpOption[] | Buffer
}

/** TCP segment (RFC 9293 §3.1); checksum left 0 for ipv4()/ipv6() to fill. */
export function tcp(h: TcpHeader, payload: Buffer = Buffer.alloc(0)): Buffer {
  const opts = Buffer.isBuffer(h.options) ? h.options : encodeTcpOptions(h.options ?? [])
  const head = Buffer.alloc(20 + opts.length)
  head.writeUInt16BE(h.sport, 0)
  head.writeUInt16BE(h.dport, 2)
  head.writeUInt32BE(h.seq >>> 0, 4)
  head.writeUInt32BE((h.ack ?? 0) >>> 0, 8)
  const flags = typeof h.flags === 'string' ? tcpFlags(h.flags) : h.flags
  head.writeUInt16BE(((head.length / 4) << 12) | flags, 12)
  head.writeUInt16BE(h.window ?? 65535, 14)
  head.writeUInt16BE(h.urgent ?? 0, 18)
  opts.copy(head, 20)
  return Buffer.concat([head, payload])
}

/** UDP datagram (RFC 768); checksum left 0 for ipv4()/ipv6() to fill. */
export function udp(h: {sport: number; dport: number}, payload: Buffer): Buffer {
  const head = Buffer.alloc(8)
  head.writeUInt16BE(h.sport, 0)
  head.writeUInt16BE(h.dport, 2)
  head.writeUInt16BE(8 + payload.length, 4)
  return Buffer.concat([head, payload])
}

// ---------------------------------------------------------------------------------------------
// ICMP (RFC 792), ICMPv6 (RFC 4443)
// ---------------------------------------------------------------------------------------------

/** RFC 792 Echo (type 8) / Echo Reply (type 0) with checksum. */
export function icmpEcho(h: {reply?: boolean; id: number; seq: number}, data: Buffer): Buffer {
  const head = Buffer.alloc(8)
  head[0] = h.reply ? 0 : 8
  head.writeUInt16BE(h.id, 4)
  head.writeUInt16BE(h.seq, 6)
  const msg = Buffer.concat([head, data])
  msg.writeUInt16BE(internetChecksum(msg), 2)
  return msg
}

/**
 * RFC 792 Destination Unreachable (type 3) quoting the offending datagram's IP header and the
 * first 8 bytes of its payload (e.g. the UDP header). code 3 = port unreachable.
 */
export function icmpDestUnreachable(h: {code: number}, offending: Buffer, quoteBytes = 8): Buffer {
  const hl = (offending[0] & 0x0f) * 4
  const quoted = offending.subarray(0, Math.min(offending.length, hl + quoteBytes))
  const head = Buffer.alloc(8)
  head[0] = 3
  head[1] = h.code
  const msg = Buffer.concat([head, quoted])
  msg.writeUInt16BE(internetChecksum(msg), 2)
  return msg
}

/** RFC 4443 §4.1/4.2 Echo Request (128) / Reply (129); checksum filled by ipv6(). */
export function icmpv6Echo(h: {reply?: boolean; id: number; seq: number}, data: Buffer): Buffer {
  const head = Buffer.alloc(8)
  head[0] = h.reply ? 129 : 128
  head.writeUInt16BE(h.id, 4)
  head.writeUInt16BE(h.seq, 6)
  return Buffer.concat([head, data])
}

// ---------------------------------------------------------------------------------------------
// Tunnels
// ---------------------------------------------------------------------------------------------

/** GRE: RFC 2784 header (C bit + checksum) with RFC 2890 key (K) and sequence number (S). */
export function gre(h: {protocol: number; checksum?: boolean; key?: number; seq?: number}, payload: Buffer): Buffer {
  const fields: Buffer[] = []
  const base = Buffer.alloc(4)
  base.writeUInt16BE((h.checksum ? 0x8000 : 0) | (h.key !== undefined ? 0x2000 : 0) | (h.seq !== undefined ? 0x1000 : 0), 0)
  base.writeUInt16BE(h.protocol, 2)
  fields.push(base)
  const csumPos = 4
  if (h.checksum) fields.push(Buffer.alloc(4)) // checksum + reserved1
  if (h.key !== undefined) {
    const k = Buffer.alloc(4)
    k.writeUInt32BE(h.key >>> 0, 0)
    fields.push(k)
  }
  if (h.seq !== undefined) {
    const s = Buffer.alloc(4)
    s.writeUInt32BE(h.seq >>> 0, 0)
    fields.push(s)
  }
  const msg = Buffer.concat([...fields, payload])
  if (h.checksum) msg.writeUInt16BE(internetChecksum(msg), csumPos)
  return msg
}

/** RFC 7348 §5 VXLAN header (I flag, 24-bit VNI) before an inner Ethernet frame; carried in UDP 4789. */
export function vxlan(h: {vni: number}, frame: Buffer): Buffer {
  const head = Buffer.alloc(8)
  head[0] = 0x08
  head.writeUInt32BE(((h.vni & 0xffffff) << 8) >>> 0, 4)
  return Buffer.concat([head, frame])
}

export interface GtpuExtHeader {
  type: number
  /** Content (padded with zeros to 4n-2 bytes). */
  content: Buffer
}

/** 3GPP TS 38.415 PDU Session Container (extension type 0x85): PDU type (0 DL / 1 UL) + QFI. */
export function gtpuPduSessionContainer(h: {pduType: 0 | 1; qfi: number}): GtpuExtHeader {
  return {type: 0x85, content: Buffer.from([h.pduType << 4, h.qfi & 0x3f])}
}

/**
 * 3GPP TS 29.281 §5.1 GTP-U header: version 1, PT=1, E/S/PN flags, message type (0xFF = G-PDU),
 * length (everything after the first 8 octets), TEID; optional sequence number / N-PDU number /
 * next extension header type and §5.2 extension headers. Carried in UDP 2152.
 */
export function gtpu(
  h: {teid: number; messageType?: number; seq?: number; npdu?: number; extHeaders?: GtpuExtHeader[]},
  payload: Buffer,
): Buffer {
  const exts = h.extHeaders ?? []
  const E = exts.length > 0
  const S = h.seq !== undefined
  const PN = h.npdu !== undefined
  const parts: Buffer[] = []
  if (E || S || PN) {
    const opt = Buffer.alloc(4)
    opt.writeUInt16BE(h.seq ?? 0, 0)
    opt[2] = h.npdu ?? 0
    opt[3] = E ? exts[0].type : 0
    parts.push(opt)
    exts.forEach((e, i) => {
      const clen = Math.ceil((e.content.length + 2) / 4) * 4 - 2
      const b = Buffer.alloc(clen + 2)
      b[0] = (clen + 2) / 4
      e.content.copy(b, 1)
      b[clen + 1] = i + 1 < exts.length ? exts[i + 1].type : 0
      parts.push(b)
    })
  }
  const rest = Buffer.concat([...parts, payload])
  const head = Buffer.alloc(8)
  head[0] = (1 << 5) | (1 << 4) | (E ? 4 : 0) | (S ? 2 : 0) | (PN ? 1 : 0)
  head[1] = h.messageType ?? 0xff
  head.writeUInt16BE(rest.length, 2)
  head.writeUInt32BE(h.teid >>> 0, 4)
  return Buffer.concat([head, rest])
}

// Tunnels needing no own header:
//  - IPv4-in-IPv4 (RFC 2003): ipv4({proto: IPPROTO.IPIP}, innerIpv4)
//  - 6in4 (RFC 4213 §3.5): ipv4({proto: IPPROTO.IPV6}, innerIpv6)
//  - Teredo (RFC 4380): udp({sport, dport: 3544}, innerIpv6) inside IPv4

// ---------------------------------------------------------------------------------------------
// DNS (RFC 1035 §4.1), mDNS (RFC 6762)
// ---------------------------------------------------------------------------------------------

export const DNS_TYPE = {A: 1, NS: 2, CNAME: 5, PTR: 12, TXT: 16, AAAA: 28, SRV: 33} as const
export type DnsTypeName = keyof typeof DNS_TYPE

export interface DnsQuestion {
  name: string
  type: DnsTypeName
  /** Class (default IN = 1); mDNS unicast-response bit 0x8000 may be set. */
  class?: number
}

export interface DnsRecord {
  name: string
  type: DnsTypeName
  ttl: number
  /** A/AAAA: address; CNAME/PTR/NS: name; TXT: text; SRV: "prio weight port target". */
  value: string
  /** Class (default IN = 1); mDNS cache-flush bit 0x8000 may be set. */
  class?: number
}

export interface DnsMessage {
  id: number
  /** Full 16-bit flags word (QR, opcode, AA, TC, RD, RA, Z, RCODE). */
  flags: number
  questions?: DnsQuestion[]
  answers?: DnsRecord[]
  authority?: DnsRecord[]
  additional?: DnsRecord[]
}

/** RFC 1035 §4.1 message with §4.1.4 name compression (suffix pointers) in owner names and name RDATA. */
export function dnsMessage(m: DnsMessage): Buffer {
  const chunks: Buffer[] = []
  let length = 0
  const push = (b: Buffer) => {
    chunks.push(b)
    length += b.length
  }
  const seen = new Map<string, number>()
  const nameBytes = (name: string, at: number): Buffer => {
    const labels = name.replace(/\.$/, '').split('.').filter((l) => l.length > 0)
    const out: Buffer[] = []
    let pos = at
    for (let i = 0; i < labels.length; i++) {
      const suffix = labels.slice(i).join('.').toLowerCase()
      const ptr = seen.get(suffix)
      if (ptr !== undefined) {
        out.push(Buffer.from([0xc0 | (ptr >> 8), ptr & 0xff]))
        return Buffer.concat(out)
      }
      if (pos < 0x3fff) seen.set(suffix, pos)
      const l = Buffer.from(labels[i], 'utf8')
      if (l.length > 63) throw new Error('DNS label too long')
      out.push(Buffer.from([l.length]), l)
      pos += 1 + l.length
    }
    out.push(Buffer.from([0]))
    return Buffer.concat(out)
  }
  const head = Buffer.alloc(12)
  head.writeUInt16BE(m.id, 0)
  head.writeUInt16BE(m.flags, 2)
  head.writeUInt16BE(m.questions?.length ?? 0, 4)
  head.writeUInt16BE(m.answers?.length ?? 0, 6)
  head.writeUInt16BE(m.authority?.length ?? 0, 8)
  head.writeUInt16BE(m.additional?.length ?? 0, 10)
  push(head)
  for (const q of m.questions ?? []) {
    push(nameBytes(q.name, length))
    const t = Buffer.alloc(4)
    t.writeUInt16BE(DNS_TYPE[q.type], 0)
    t.writeUInt16BE(q.class ?? 1, 2)
    push(t)
  }
  for (const r of [...(m.answers ?? []), ...(m.authority ?? []), ...(m.additional ?? [])]) {
    push(nameBytes(r.name, length))
    const fixed = Buffer.alloc(10)
    fixed.writeUInt16BE(DNS_TYPE[r.type], 0)
    fixed.writeUInt16BE(r.class ?? 1, 2)
    fixed.writeUInt32BE(r.ttl >>> 0, 4)
    const rdataAt = length + 10
    let rdata: Buffer
    switch (r.type) {
      case 'A':
        rdata = ipv4Bytes(r.value)
        break
      case 'AAAA':
        rdata = ipv6Bytes(r.value)
        break
      case 'CNAME':
      case 'PTR':
      case 'NS':
        rdata = nameBytes(r.value, rdataAt)
        break
      case 'TXT': {
        const t = Buffer.from(r.value, 'utf8')
        rdata = Buffer.concat([Buffer.from([t.length]), t])
        break
      }
      case 'SRV': {
        const [prio, weight, port, target] = r.value.split(' ')
        const f = Buffer.alloc(6)
        f.writeUInt16BE(Number(prio), 0)
        f.writeUInt16BE(Number(weight), 2)
        f.writeUInt16BE(Number(port), 4)
        rdata = Buffer.concat([f, nameBytes(target, rdataAt + 6)])
        break
      }
    }
    fixed.writeUInt16BE(rdata.length, 8)
    push(fixed)
    push(rdata)
  }
  return Buffer.concat(chunks)
}

/** Standard recursive query (RD set). */
export function dnsQuery(h: {id: number; name: string; type?: DnsTypeName}): Buffer {
  return dnsMessage({id: h.id, flags: 0x0100, questions: [{name: h.name, type: h.type ?? 'A'}]})
}

/** Response (QR, RD, RA) echoing the question, with answers (CNAME chains compress against the question). */
export function dnsResponse(h: {id: number; name: string; type?: DnsTypeName; answers: DnsRecord[]; rcode?: number}): Buffer {
  return dnsMessage({
    id: h.id,
    flags: 0x8180 | (h.rcode ?? 0),
    questions: [{name: h.name, type: h.type ?? 'A'}],
    answers: h.answers,
  })
}

// ---------------------------------------------------------------------------------------------
// TLS ClientHello (RFC 5246 §7.4.1.2, RFC 8446 §4.1.2), SNI (RFC 6066 §3), ALPN (RFC 7301)
// ---------------------------------------------------------------------------------------------

function u16(n: number): Buffer {
  const b = Buffer.alloc(2)
  b.writeUInt16BE(n, 0)
  return b
}

function u24(n: number): Buffer {
  return Buffer.from([(n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff])
}

function vec16(b: Buffer): Buffer {
  return Buffer.concat([u16(b.length), b])
}

function vec8(b: Buffer): Buffer {
  return Buffer.concat([Buffer.from([b.length]), b])
}

function ext(type: number, body: Buffer): Buffer {
  return Buffer.concat([u16(type), vec16(body)])
}

/** Deterministic pseudo-random bytes from a label (SHA-256 chain). */
export function detBytes(label: string, length: number): Buffer {
  const out: Buffer[] = []
  let total = 0
  for (let i = 0; total < length; i++) {
    const h = createHash('sha256').update(`${label}#${i}`).digest()
    out.push(h)
    total += h.length
  }
  return Buffer.concat(out).subarray(0, length)
}

/** TLS record (RFC 8446 §5.1): content type, legacy version, length, fragment. */
export function tlsRecord(contentType: number, body: Buffer, version = 0x0303): Buffer {
  return Buffer.concat([Buffer.from([contentType]), u16(version), vec16(body)])
}

/**
 * A ClientHello handshake in a TLS record. version '1.3' adds supported_versions (43),
 * key_share (51, x25519) and psk_key_exchange_modes (45); '1.2' offers only TLS 1.2 suites.
 * Random, session id and key share are derived deterministically from `seed` (default: the SNI).
 */
export function tlsClientHello(h: {sni?: string; alpn?: string[]; version?: '1.2' | '1.3'; seed?: string}): Buffer {
  const v13 = (h.version ?? '1.3') === '1.3'
  const seed = h.seed ?? h.sni ?? 'tls'
  const random = detBytes(`random:${seed}`, 32)
  const sessionId = v13 ? detBytes(`sid:${seed}`, 32) : Buffer.alloc(0)
  const suites12 = [0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035]
  const suites = v13 ? [0x1301, 0x1302, 0x1303, ...suites12] : suites12
  const exts: Buffer[] = []
  if (h.sni !== undefined) {
    const name = Buffer.from(h.sni, 'ascii')
    exts.push(ext(0, vec16(Buffer.concat([Buffer.from([0]), vec16(name)]))))
  }
  exts.push(ext(23, Buffer.alloc(0))) // extended_master_secret
  exts.push(ext(0xff01, Buffer.from([0]))) // renegotiation_info
  exts.push(ext(10, vec16(Buffer.concat([u16(0x001d), u16(0x0017), u16(0x0018)])))) // supported_groups
  exts.push(ext(11, vec8(Buffer.from([0])))) // ec_point_formats: uncompressed
  if (h.alpn?.length) {
    exts.push(ext(16, vec16(Buffer.concat(h.alpn.map((p) => vec8(Buffer.from(p, 'ascii')))))))
  }
  exts.push(ext(13, vec16(Buffer.concat([0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601].map(u16)))))
  if (v13) {
    exts.push(ext(51, vec16(Buffer.concat([u16(0x001d), vec16(detBytes(`ks:${seed}`, 32))])))) // key_share
    exts.push(ext(45, vec8(Buffer.from([1])))) // psk_key_exchange_modes: psk_dhe_ke
    exts.push(ext(43, vec8(Buffer.concat([u16(0x0304), u16(0x0303)])))) // supported_versions
  }
  const body = Buffer.concat([
    u16(0x0303), // legacy_version
    random,
    vec8(sessionId),
    vec16(Buffer.concat(suites.map(u16))),
    vec8(Buffer.from([0])), // compression: null
    vec16(Buffer.concat(exts)),
  ])
  const handshake = Buffer.concat([Buffer.from([1]), u24(body.length), body])
  return tlsRecord(22, handshake, 0x0301)
}

// ---------------------------------------------------------------------------------------------
// STUN (RFC 8489)
// ---------------------------------------------------------------------------------------------

export const STUN_MAGIC = 0x2112a442

/** A reflected table-driven CRC-32 with the given (reflected) polynomial, initial value and
 * final XOR all ones. */
export function reflectedCrc32(polynomial: number): (b: Buffer) => number {
  const table = new Uint32Array(256)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? polynomial ^ (c >>> 1) : c >>> 1
    table[n] = c >>> 0
  }
  return (b) => {
    let c = 0xffffffff
    for (const x of b) c = table[(c ^ x) & 0xff]! ^ (c >>> 8)
    return (c ^ 0xffffffff) >>> 0
  }
}

/** CRC-32 (ISO 3309 / ITU-T V.42, as used by STUN FINGERPRINT). */
export const crc32 = reflectedCrc32(0xedb88320)

export interface StunAttr {
  type: number
  value: Buffer
}

/** RFC 8489 §14.2 XOR-MAPPED-ADDRESS (0x0020). */
export function stunXorMappedAddress(ip: string, port: number, txid: Buffer): StunAttr {
  const addr = ipBytes(ip)
  const key = Buffer.concat([u16(STUN_MAGIC >>> 16), u16(STUN_MAGIC & 0xffff), txid])
  const x = Buffer.from(addr.map((b, i) => b ^ key[i]))
  const v = Buffer.concat([Buffer.from([0, addr.length === 4 ? 1 : 2]), u16(port ^ (STUN_MAGIC >>> 16)), x])
  return {type: 0x0020, value: v}
}

/** RFC 8489 §14.14 SOFTWARE (0x8022). */
export function stunSoftware(text: string): StunAttr {
  return {type: 0x8022, value: Buffer.from(text, 'utf8')}
}

/**
 * RFC 8489 §5 message: type, length, magic cookie, 96-bit transaction id, attributes padded to 4
 * bytes (§14); optional §14.7 FINGERPRINT (CRC-32 XOR 0x5354554e) last.
 */
export function stunMessage(h: {type: number; txid: Buffer; attrs?: StunAttr[]; fingerprint?: boolean}): Buffer {
  if (h.txid.length !== 12) throw new Error('STUN transaction id must be 12 bytes')
  const attrBufs = (h.attrs ?? []).map((a) => {
    const pad = (4 - (a.value.length % 4)) % 4
    return Buffer.concat([u16(a.type), u16(a.value.length), a.value, Buffer.alloc(pad)])
  })
  const attrs = Buffer.concat(attrBufs)
  const head = Buffer.alloc(20)
  head.writeUInt16BE(h.type, 0)
  head.writeUInt16BE(attrs.length + (h.fingerprint ? 8 : 0), 2)
  head.writeUInt32BE(STUN_MAGIC, 4)
  h.txid.copy(head, 8)
  const msg = Buffer.concat([head, attrs])
  if (!h.fingerprint) return msg
  const fp = Buffer.alloc(8)
  fp.writeUInt16BE(0x8028, 0)
  fp.writeUInt16BE(4, 2)
  fp.writeUInt32BE((crc32(msg) ^ 0x5354554e) >>> 0, 4)
  return Buffer.concat([msg, fp])
}

export function stunBindingRequest(h: {txid: Buffer; software?: string}): Buffer {
  return stunMessage({type: 0x0001, txid: h.txid, attrs: h.software ? [stunSoftware(h.software)] : [], fingerprint: true})
}

export function stunBindingSuccess(h: {txid: Buffer; mapped: {ip: string; port: number}; software?: string}): Buffer {
  const attrs = [stunXorMappedAddress(h.mapped.ip, h.mapped.port, h.txid)]
  if (h.software) attrs.push(stunSoftware(h.software))
  return stunMessage({type: 0x0101, txid: h.txid, attrs, fingerprint: true})
}

// ---------------------------------------------------------------------------------------------
// RTP / RTCP (RFC 3550)
// ---------------------------------------------------------------------------------------------

/** RFC 3550 §5.1 fixed header (V=2) + CSRC list, then payload. */
export function rtp(
  h: {pt: number; seq: number; timestamp: number; ssrc: number; marker?: boolean; csrcs?: number[]; extension?: {profile: number; data: Buffer}},
  payload: Buffer,
): Buffer {
  const csrcs = h.csrcs ?? []
  const head = Buffer.alloc(12 + 4 * csrcs.length)
  head[0] = 0x80 | (h.extension ? 0x10 : 0) | csrcs.length
  head[1] = (h.marker ? 0x80 : 0) | (h.pt & 0x7f)
  head.writeUInt16BE(h.seq & 0xffff, 2)
  head.writeUInt32BE(h.timestamp >>> 0, 4)
  head.writeUInt32BE(h.ssrc >>> 0, 8)
  csrcs.forEach((c, i) => head.writeUInt32BE(c >>> 0, 12 + 4 * i))
  if (!h.extension) return Buffer.concat([head, payload])
  // RFC 3550 §5.3.1: profile, length in 32-bit words, the data padded to a word.
  const data = Buffer.concat([h.extension.data, Buffer.alloc((4 - (h.extension.data.length % 4)) % 4)])
  const ext = Buffer.alloc(4)
  ext.writeUInt16BE(h.extension.profile, 0)
  ext.writeUInt16BE(data.length / 4, 2)
  return Buffer.concat([head, ext, data, payload])
}

function rtcpPacket(count: number, pt: number, body: Buffer): Buffer {
  if (body.length % 4) throw new Error('RTCP body must be 32-bit aligned')
  const head = Buffer.alloc(4)
  head[0] = 0x80 | (count & 0x1f)
  head[1] = pt
  head.writeUInt16BE((body.length + 4) / 4 - 1, 2) // length in 32-bit words minus one
  return Buffer.concat([head, body])
}

/** RFC 3550 §6.4.1 Sender Report (PT 200) without report blocks. */
export function rtcpSenderReport(h: {ssrc: number; ntpSec: number; ntpFrac: number; rtpTs: number; packets: number; octets: number}): Buffer {
  const b = Buffer.alloc(24)
  b.writeUInt32BE(h.ssrc >>> 0, 0)
  b.writeUInt32BE(h.ntpSec >>> 0, 4)
  b.writeUInt32BE(h.ntpFrac >>> 0, 8)
  b.writeUInt32BE(h.rtpTs >>> 0, 12)
  b.writeUInt32BE(h.packets >>> 0, 16)
  b.writeUInt32BE(h.octets >>> 0, 20)
  return rtcpPacket(0, 200, b)
}

/** RFC 3550 §6.4.2 Receiver Report (PT 201) without report blocks. */
export function rtcpReceiverReport(h: {ssrc: number}): Buffer {
  return rtcpPacket(0, 201, u32(h.ssrc))
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4)
  b.writeUInt32BE(n >>> 0, 0)
  return b
}

export const SDES = {CNAME: 1, NAME: 2, EMAIL: 3, PHONE: 4, LOC: 5, TOOL: 6, NOTE: 7, PRIV: 8} as const

/** RFC 3550 §6.5 SDES (PT 202): per chunk SSRC, items (type, length, text), END, pad to 32 bits. */
export function rtcpSdes(chunks: {ssrc: number; items: {type: keyof typeof SDES; text: string}[]}[]): Buffer {
  const body = Buffer.concat(
    chunks.map((c) => {
      const items = Buffer.concat(
        c.items.map((i) => {
          const t = Buffer.from(i.text, 'utf8')
          return Buffer.concat([Buffer.from([SDES[i.type], t.length]), t])
        }),
      )
      const raw = Buffer.concat([u32(c.ssrc), items])
      // at least one null octet terminates the item list, then pad to the next 32-bit boundary
      const pad = 4 - (raw.length % 4)
      return Buffer.concat([raw, Buffer.alloc(pad)])
    }),
  )
  return rtcpPacket(chunks.length, 202, body)
}

// ---------------------------------------------------------------------------------------------
// DHCP (RFC 2131/2132), HTTP/1.1 (RFC 9112)
// ---------------------------------------------------------------------------------------------

/** RFC 2131 §2 BOOTP message carrying a DHCPREQUEST (option 53 = 3) with host name (option 12). */
export function dhcpRequest(h: {xid: number; mac: string; hostname: string; requestedIp?: string; ciaddr?: string}): Buffer {
  const b = Buffer.alloc(240)
  b[0] = 1 // BOOTREQUEST
  b[1] = 1 // Ethernet
  b[2] = 6
  b.writeUInt32BE(h.xid >>> 0, 4)
  b.writeUInt16BE(h.ciaddr ? 0 : 0x8000, 10) // broadcast flag when no address yet
  if (h.ciaddr) ipv4Bytes(h.ciaddr).copy(b, 12)
  macBytes(h.mac).copy(b, 28)
  b.writeUInt32BE(0x63825363, 236) // magic cookie
  const opt = (code: number, v: Buffer) => Buffer.concat([Buffer.from([code, v.length]), v])
  const options = [
    opt(53, Buffer.from([3])),
    opt(61, Buffer.concat([Buffer.from([1]), macBytes(h.mac)])),
    ...(h.requestedIp ? [opt(50, ipv4Bytes(h.requestedIp))] : []),
    opt(12, Buffer.from(h.hostname, 'ascii')),
    opt(55, Buffer.from([1, 3, 6, 15, 119, 252])),
    Buffer.from([255]),
  ]
  const msg = Buffer.concat([b, ...options])
  return msg.length < 300 ? Buffer.concat([msg, Buffer.alloc(300 - msg.length)]) : msg
}

/** HTTP/1.1 request head (RFC 9112 §3) with Host and extra headers. */
export function httpGet(h: {host: string; path: string; headers?: Record<string, string>}): Buffer {
  const lines = [`GET ${h.path} HTTP/1.1`, `Host: ${h.host}`]
  for (const [k, v] of Object.entries(h.headers ?? {})) lines.push(`${k}: ${v}`)
  return Buffer.from(lines.join('\r\n') + '\r\n\r\n', 'latin1')
}

/** HTTP/1.1 response head + body. */
export function httpResponse(h: {status: number; reason: string; headers?: Record<string, string>; body?: string}): Buffer {
  const body = Buffer.from(h.body ?? '', 'utf8')
  const lines = [`HTTP/1.1 ${h.status} ${h.reason}`]
  for (const [k, v] of Object.entries(h.headers ?? {})) lines.push(`${k}: ${v}`)
  lines.push(`Content-Length: ${body.length}`)
  return Buffer.concat([Buffer.from(lines.join('\r\n') + '\r\n\r\n', 'latin1'), body])
}

// ---------------------------------------------------------------------------------------------
// TURN (RFC 8656) and more STUN attributes (RFC 8489, RFC 8445)
// ---------------------------------------------------------------------------------------------

/** RFC 8489 §5 message types (method + class) used by TURN (RFC 8656 §17) and ICE. */
export const STUN_TYPE = {
  BINDING_REQUEST: 0x0001,
  BINDING_SUCCESS: 0x0101,
  ALLOCATE_REQUEST: 0x0003,
  ALLOCATE_SUCCESS: 0x0103,
  ALLOCATE_ERROR: 0x0113,
  REFRESH_REQUEST: 0x0004,
  REFRESH_SUCCESS: 0x0104,
  SEND_INDICATION: 0x0016,
  DATA_INDICATION: 0x0017,
  CREATE_PERMISSION_REQUEST: 0x0008,
  CREATE_PERMISSION_SUCCESS: 0x0108,
  CHANNEL_BIND_REQUEST: 0x0009,
  CHANNEL_BIND_SUCCESS: 0x0109,
} as const

/** Attribute numbers (RFC 8489 §18.3, RFC 8656 §18, RFC 8445 §16.1). */
export const STUN_ATTR = {
  USERNAME: 0x0006,
  MESSAGE_INTEGRITY: 0x0008,
  ERROR_CODE: 0x0009,
  CHANNEL_NUMBER: 0x000c,
  LIFETIME: 0x000d,
  XOR_PEER_ADDRESS: 0x0012,
  DATA: 0x0013,
  REALM: 0x0014,
  NONCE: 0x0015,
  XOR_RELAYED_ADDRESS: 0x0016,
  REQUESTED_TRANSPORT: 0x0019,
  DONT_FRAGMENT: 0x001a,
  XOR_MAPPED_ADDRESS: 0x0020,
  PRIORITY: 0x0024,
  USE_CANDIDATE: 0x0025,
  SOFTWARE: 0x8022,
  FINGERPRINT: 0x8028,
  ICE_CONTROLLED: 0x8029,
  ICE_CONTROLLING: 0x802a,
} as const

/** An XOR-encoded address attribute of any type (RFC 8489 §14.2 layout): XOR-PEER-ADDRESS, XOR-RELAYED-ADDRESS... */
export function stunXorAddress(type: number, ip: string, port: number, txid: Buffer): StunAttr {
  return {type, value: stunXorMappedAddress(ip, port, txid).value}
}

/** RFC 8656 §14.3 XOR-PEER-ADDRESS (0x0012). */
export function turnXorPeerAddress(ip: string, port: number, txid: Buffer): StunAttr {
  return stunXorAddress(STUN_ATTR.XOR_PEER_ADDRESS, ip, port, txid)
}

/** RFC 8656 §14.5 XOR-RELAYED-ADDRESS (0x0016). */
export function turnXorRelayedAddress(ip: string, port: number, txid: Buffer): StunAttr {
  return stunXorAddress(STUN_ATTR.XOR_RELAYED_ADDRESS, ip, port, txid)
}

/** A UTF-8 text attribute (USERNAME, REALM, NONCE, SOFTWARE). */
export function stunText(type: number, text: string): StunAttr {
  return {type, value: Buffer.from(text, 'utf8')}
}

/** A 32-bit unsigned attribute (LIFETIME, PRIORITY). */
export function stunU32(type: number, n: number): StunAttr {
  return {type, value: u32(n)}
}

/** RFC 8489 §14.8 ERROR-CODE: 21 reserved bits, class (hundreds), number, reason phrase. */
export function stunErrorCode(code: number, reason: string): StunAttr {
  return {type: STUN_ATTR.ERROR_CODE, value: Buffer.concat([Buffer.from([0, 0, Math.floor(code / 100) & 7, code % 100]), Buffer.from(reason, 'utf8')])}
}

/** RFC 8656 §14.7 REQUESTED-TRANSPORT: protocol number (17 = UDP), 3 bytes RFFU. */
export function turnRequestedTransport(protocol = 17): StunAttr {
  return {type: STUN_ATTR.REQUESTED_TRANSPORT, value: Buffer.from([protocol, 0, 0, 0])}
}

/** RFC 8656 §14.1 CHANNEL-NUMBER: 16-bit channel (0x4000-0x4FFF), 16 bits RFFU. */
export function turnChannelNumber(channel: number): StunAttr {
  return {type: STUN_ATTR.CHANNEL_NUMBER, value: Buffer.concat([u16(channel), u16(0)])}
}

/** RFC 8656 §14.4 DATA. */
export function turnData(data: Buffer): StunAttr {
  return {type: STUN_ATTR.DATA, value: data}
}

/** RFC 8445 §16.1 ICE-CONTROLLING / ICE-CONTROLLED: 64-bit tie-breaker. */
export function iceRole(controlling: boolean, tieBreaker: Buffer): StunAttr {
  if (tieBreaker.length !== 8) throw new Error('ICE tie-breaker must be 8 bytes')
  return {type: controlling ? STUN_ATTR.ICE_CONTROLLING : STUN_ATTR.ICE_CONTROLLED, value: tieBreaker}
}

/** RFC 8489 §9.2.2 long-term credential key (MD5 algorithm): MD5(username ":" realm ":" password). */
export function stunLongTermKey(username: string, realm: string, password: string): Buffer {
  return createHash('md5').update(`${username}:${realm}:${password}`, 'utf8').digest()
}

/**
 * An RFC 8489 §5 message with MESSAGE-INTEGRITY (§14.5: HMAC-SHA1 over the message up to the
 * attribute, with the header length counting up to and including it) and, optionally, FINGERPRINT
 * (§14.7) last. `key`: the short-term password bytes (ICE) or `stunLongTermKey(...)` (TURN).
 */
export function stunMessageWithIntegrity(h: {type: number; txid: Buffer; attrs?: StunAttr[]; key: Buffer; fingerprint?: boolean}): Buffer {
  const unsigned = stunMessage({type: h.type, txid: h.txid, attrs: h.attrs})
  const head = Buffer.from(unsigned.subarray(0, 20))
  head.writeUInt16BE(unsigned.length - 20 + 24, 2)
  const mac = createHmac('sha1', h.key).update(Buffer.concat([head, unsigned.subarray(20)])).digest()
  const mi = Buffer.concat([u16(STUN_ATTR.MESSAGE_INTEGRITY), u16(20), mac])
  const msg = Buffer.concat([head, unsigned.subarray(20), mi])
  if (!h.fingerprint) return msg
  msg.writeUInt16BE(msg.length - 20 + 8, 2)
  const fp = Buffer.alloc(8)
  fp.writeUInt16BE(STUN_ATTR.FINGERPRINT, 0)
  fp.writeUInt16BE(4, 2)
  fp.writeUInt32BE((crc32(msg) ^ 0x5354554e) >>> 0, 4)
  return Buffer.concat([msg, fp])
}

/**
 * RFC 8656 §12.4 ChannelData message: channel number (0x4000-0x4FFF), length of the application
 * data, the data. Over UDP padding is optional (§12.5); over TCP it must pad to 4 bytes (`pad`).
 */
export function turnChannelData(channel: number, data: Buffer, pad = false): Buffer {
  if (channel < 0x4000 || channel > 0x4fff) throw new Error(`ChannelData channel out of range: ${channel}`)
  const p = pad ? (4 - (data.length % 4)) % 4 : 0
  return Buffer.concat([u16(channel), u16(data.length), data, Buffer.alloc(p)])
}

// ---------------------------------------------------------------------------------------------
// TLS ServerHello (RFC 8446 §4.1.3)
// ---------------------------------------------------------------------------------------------

/**
 * A ServerHello handshake in a TLS record (legacy version 0x0303). '1.3' adds supported_versions
 * (0x0304) and an x25519 key_share, echoes `sessionId` (the ClientHello's legacy_session_id) and
 * picks TLS_AES_128_GCM_SHA256 unless `cipher` says otherwise; '1.2' picks
 * TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 with extended_master_secret and renegotiation_info (ALPN
 * when given; in 1.3 ALPN travels encrypted). Random and key share derive from `seed`.
 */
export function tlsServerHello(h: {seed: string; version?: '1.2' | '1.3'; sessionId?: Buffer; cipher?: number; alpn?: string}): Buffer {
  const v13 = (h.version ?? '1.3') === '1.3'
  const exts: Buffer[] = []
  if (v13) {
    exts.push(ext(43, u16(0x0304))) // supported_versions: TLS 1.3
    exts.push(ext(51, Buffer.concat([u16(0x001d), vec16(detBytes(`sks:${h.seed}`, 32))]))) // key_share
  } else {
    exts.push(ext(23, Buffer.alloc(0)))
    exts.push(ext(0xff01, Buffer.from([0])))
    if (h.alpn) exts.push(ext(16, vec16(vec8(Buffer.from(h.alpn, 'ascii')))))
  }
  const body = Buffer.concat([
    u16(0x0303),
    detBytes(`srandom:${h.seed}`, 32),
    vec8(h.sessionId ?? Buffer.alloc(0)),
    u16(h.cipher ?? (v13 ? 0x1301 : 0xc02f)),
    Buffer.from([0]),
    vec16(Buffer.concat(exts)),
  ])
  return tlsRecord(22, Buffer.concat([Buffer.from([2]), u24(body.length), body]))
}
