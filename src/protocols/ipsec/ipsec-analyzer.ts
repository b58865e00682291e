/**
 * IPsec over UDP: IKE on port 500 (IKEv1/ISAKMP RFC 2408 §3.1, IKEv2 RFC 7296 §3.1) and UDP
 * encapsulation on port 4500 (NAT traversal, RFC 3948 §2). ESP and AH straight over IP (protocols
 * 50 and 51) need no analyzer: the flow table names them.
 *
 * The IKE header is 28 bytes: initiator SPI (8, never zero), responder SPI (8), next payload,
 * version (major version in the high nibble: 1 for ISAKMP/IKEv1, 2 for IKEv2), exchange type,
 * flags, message id (4), and the length of the whole message (4) — one message per datagram.
 * On port 4500 (RFC 3948 §2.1–§2.3) a datagram is one of: four zero bytes (the non-ESP marker)
 * then an IKE message; a single 0xFF byte (NAT-keepalive); or an ESP packet, whose first four
 * bytes are its SPI (never zero; 1–255 reserved, RFC 4303 §2.1) followed by a 32-bit sequence
 * number. ESP alone is weak evidence (any datagram starts with four bytes), so a 4500 flow is
 * claimed on an IKE message, or on ESP packets that keep one SPI per direction over at least
 * MIN_ESP_RUN packets with rising sequence numbers.
 *
 * Dispatch: UDP flows with port 500 or 4500 on either end. Steps aside after MAX_UNREADABLE
 * packets that are none of the above before anything was confirmed.
 */
import type {Evidence, EvidenceOf, FlowInfo, PayloadPacket, ProtocolAnalyzer} from '../analyzer.js'
import {readIkeMessage, vendorIdName} from './ike-payloads.js'

export const IKE_PORT = 500
export const NAT_T_PORT = 4500
const IKE_HEADER = 28
/** ESP header: SPI and sequence number (RFC 4303 §2), then at least IV/payload, pad length,
 * next header and the ICV. */
const MIN_ESP = 8 + 8
const MIN_ESP_RUN = 3
const MAX_UNREADABLE = 4

export interface IpsecFacts {
  /** Port 4500: UDP encapsulation for NAT traversal (RFC 3948). */
  natTraversal: boolean
  /** Major IKE version of the first IKE message (1: ISAKMP/IKEv1, 2: IKEv2); null if none read. */
  ikeVersion: 1 | 2 | null
  /** The first packet read as IKE, or as ESP once the ESP run was confirmed. */
  evidence: Evidence
  ikeMessages: number
  espPackets: number
  keepalives: number
  /** The IKE exchanges seen (RFC 2408 §4, RFC 7296 §1.2), in order; present when an IKE message was read. */
  exchanges?: string[]
  /** Identities sent in clear: IKEv1 messages without encryption, i.e. Aggressive Mode (RFC 2409
   * §5.4). Untrusted text. At most MAX_IDENTITIES. */
  identities?: Array<{evidence: Evidence; fromClient: boolean; type: string; value: string}>
  /** Vendor ID payloads (hex, at most 32 bytes shown), named when well known. At most MAX_VENDOR_IDS. */
  vendorIds?: Array<{evidence: Evidence; fromClient: boolean; id: string; name: string | null}>
  /** IKEv1 authentication methods proposed or chosen (RFC 2409 Appendix A). */
  authMethods?: string[]
}

const MAX_IDENTITIES = 8
const MAX_VENDOR_IDS = 16
/** Distinct exchange types kept (IKEv1 and IKEv2 define fewer than this). */
const MAX_EXCHANGES = 16

/** The IKE major version of a message whose header holds (length = the bytes given), or 0. */
export function ikeVersion(d: Uint8Array): 0 | 1 | 2 {
  if (d.length < IKE_HEADER) return 0
  let spi = 0
  for (let i = 0; i < 8; i++) spi |= d[i]!
  if (spi === 0) return 0
  const major = d[17]! >> 4
  if (major !== 1 && major !== 2) return 0
  if (d[18] === 0) return 0 // exchange type 0 is reserved (RFC 2408 §3.1, RFC 7296 §3.1)
  const length = ((d[24]! << 24) >>> 0) + (d[25]! << 16) + (d[26]! << 8) + d[27]!
  return length === d.length ? major : 0
}

interface EspRun {
  spi: number
  seq: number
  run: number
  first: Evidence | null
}

interface IpsecState {
  evidenceOf: EvidenceOf
  natTraversal: boolean
  unreadable: number
  ikeVersion: 1 | 2 | null
  evidence: Evidence | null
  ikeMessages: number
  espPackets: number
  keepalives: number
  espConfirmed: boolean
  esp: [EspRun, EspRun]
  exchanges: string[]
  identities: NonNullable<IpsecFacts['identities']>
  vendorIds: NonNullable<IpsecFacts['vendorIds']>
  authMethods: string[]
}

const u32 = (d: Uint8Array, at: number) => ((d[at]! << 24) >>> 0) + (d[at + 1]! << 16) + (d[at + 2]! << 8) + d[at + 3]!

function readEsp(s: IpsecState, packet: PayloadPacket): boolean {
  const d = packet.data
  if (d.length < MIN_ESP) return false
  const spi = u32(d, 0)
  if (spi < 256) return false
  const seq = u32(d, 4)
  const r = s.esp[packet.toServer ? 0 : 1]
  if (r.spi === spi && seq > r.seq) r.run++
  else {
    r.spi = spi
    r.run = 1
    r.first = s.evidenceOf(packet)
  }
  r.seq = seq
  s.espPackets++
  if (!s.espConfirmed && r.run >= MIN_ESP_RUN) {
    s.espConfirmed = true
    if (!s.evidence) s.evidence = r.first
  }
  return true
}

export const ipsecAnalyzer: ProtocolAnalyzer<IpsecState, IpsecFacts> = {
  name: 'ipsec',

  probe(flow: FlowInfo, packet: PayloadPacket): boolean {
    if (flow.transport !== 'udp' || packet.data.length === 0) return false
    const {client, server} = flow
    return client.port === IKE_PORT || server.port === IKE_PORT || client.port === NAT_T_PORT || server.port === NAT_T_PORT
  },

  start(flow: FlowInfo, evidenceOf: EvidenceOf): IpsecState {
    const natTraversal = flow.client.port === NAT_T_PORT || flow.server.port === NAT_T_PORT
    const run = (): EspRun => ({spi: -1, seq: -1, run: 0, first: null})
    return {evidenceOf, natTraversal, unreadable: 0, ikeVersion: null, evidence: null, ikeMessages: 0, espPackets: 0, keepalives: 0, espConfirmed: false, esp: [run(), run()], exchanges: [], identities: [], vendorIds: [], authMethods: []}
  },

  feed(s: IpsecState, packet: PayloadPacket): boolean {
    const d = packet.data
    let read = false
    if (!s.natTraversal) {
      const v = ikeVersion(d)
      if (v) read = ike(s, packet, d, v)
    } else if (d.length === 1 && d[0] === 0xff) {
      s.keepalives++
      read = true
    } else if (d.length >= 4 && d[0] === 0 && d[1] === 0 && d[2] === 0 && d[3] === 0) {
      const message = d.subarray(4)
      const v = ikeVersion(message)
      if (v) read = ike(s, packet, message, v)
    } else read = readEsp(s, packet)
    if (!read) s.unreadable++
    return s.evidence !== null || s.unreadable < MAX_UNREADABLE
  },

  finish(s: IpsecState): IpsecFacts | undefined {
    if (!s.evidence) return undefined
    return {
      natTraversal: s.natTraversal,
      ikeVersion: s.ikeVersion,
      evidence: s.evidence,
      ikeMessages: s.ikeMessages,
      espPackets: s.espPackets,
      keepalives: s.keepalives,
      ...(s.exchanges.length ? {exchanges: s.exchanges} : {}),
      ...(s.identities.length ? {identities: s.identities} : {}),
      ...(s.vendorIds.length ? {vendorIds: s.vendorIds} : {}),
      ...(s.authMethods.length ? {authMethods: s.authMethods} : {}),
    }
  },

  describe(f: IpsecFacts): string[] {
    const ike = f.ikeVersion ? `IKEv${f.ikeVersion}` : 'no IKE read'
    const esp = f.natTraversal ? `, ${f.espPackets} ESP-in-UDP packet(s), ${f.keepalives} NAT-keepalive(s)` : ''
    const lines = [`IPsec ${f.natTraversal ? 'NAT-T (UDP 4500)' : 'IKE (UDP 500)'}: ${ike}, ${f.ikeMessages} IKE message(s)${esp}${f.exchanges ? ` (${f.exchanges.join(', ')})` : ''}, first at frame ${f.evidence.frame}`]
    if (f.authMethods) lines.push(`IKE authentication: ${f.authMethods.join(', ')}`)
    for (const i of f.identities ?? []) lines.push(`IKE identity in clear from the ${i.fromClient ? 'client' : 'server'}: ${i.type} "${i.value}" (frame ${i.evidence.frame})`)
    const vendors = (f.vendorIds ?? []).map((v) => v.name ?? v.id)
    if (vendors.length) lines.push(`IKE vendor IDs: ${[...new Set(vendors)].join(', ')}`)
    return lines
  },
}

function ike(s: IpsecState, packet: PayloadPacket, message: Uint8Array, version: 1 | 2): boolean {
  s.ikeMessages++
  if (s.ikeVersion === null) s.ikeVersion = version
  if (!s.evidence) s.evidence = s.evidenceOf(packet)
  const info = readIkeMessage(message, version)
  if (!s.exchanges.includes(info.exchange) && s.exchanges.length < MAX_EXCHANGES) s.exchanges.push(info.exchange)
  for (const m of info.authMethods) if (!s.authMethods.includes(m)) s.authMethods.push(m)
  for (const id of info.identities) {
    if (s.identities.length >= MAX_IDENTITIES || s.identities.some((k) => k.fromClient === packet.toServer && k.type === id.type && k.value === id.value)) continue
    s.identities.push({evidence: s.evidenceOf(packet), fromClient: packet.toServer, type: id.type, value: id.value})
  }
  for (const id of info.vendorIds) {
    if (s.vendorIds.length >= MAX_VENDOR_IDS || s.vendorIds.some((k) => k.fromClient === packet.toServer && k.id === id)) continue
    s.vendorIds.push({evidence: s.evidenceOf(packet), fromClient: packet.toServer, id, name: vendorIdName(id)})
  }
  return true
}
