/**
 * Builds the apps stage's input (FlowEvidence) from a corpus oracle JSON alone: tshark's
 * conversations, TLS/QUIC SNI, DNS, STUN, RTP streams, certificates and HTTP requests, plus
 * nDPI's *protocol* labels (TLS, DTLS, QUIC, DNS, MDNS...) for facts our analyzers will supply.
 * nDPI's *application* labels are never used as input: they are what the corpus test compares
 * against.
 */
import {readFileSync} from 'node:fs'
import type {FlowEvidence, NameSource, StunMapped} from '../../src/apps/index.js'

interface Row {
  frame?: number
  transport?: string
  src?: string
  sport?: number
  dst?: string
  dport?: number
}

interface OracleConv {
  a: string
  a_port: number
  b: string
  b_port: number
  a_to_b_packets: number
  b_to_a_packets: number
  a_to_b_bytes: number
  b_to_a_bytes: number
  duration: number
}

interface SniRow {client: string; client_port: number; server: string; server_port: number; sni: string; frames: number[]}
interface DnsRow extends Row {proto: string; response: boolean; queries: Array<{name: string; type: number}>; a: string[]; aaaa: string[]}
interface StunAddr {ip: string; port: number}
interface StunRow extends Row {
  message_type_name: string
  variant: string
  attributes: Array<{type: string; name: string}>
  software?: string
  xor_mapped_address?: StunAddr
  mapped_address?: StunAddr
}
interface RtpRow {src: string; sport: number; dst: string; dport: number}
interface X509Row {handshake: 'tls' | 'dtls'; sender: string; sender_port: number; receiver: string; receiver_port: number; sent_by: string | null; chain: Array<{subject_cn: string | null; san_dns: string[]}>; frame?: number}
interface HttpRow extends Row {host: string | null}
interface NdpiFlow {l4: string; src: string; sport: number; dst: string; dport: number; proto: string; master_proto?: string; app_proto?: string}

export interface Oracle {
  conversations: {tcp: OracleConv[]; udp: OracleConv[]}
  tls_sni: SniRow[]
  quic_sni: SniRow[]
  dtls_sni: SniRow[]
  dns: DnsRow[]
  stun: StunRow[]
  rtp_streams: RtpRow[]
  x509: X509Row[]
  http: HttpRow[]
  ndpi: {detected_protocols: Record<string, unknown>; flows: NdpiFlow[]}
}

export function readOracle(path: string): Oracle {
  return JSON.parse(readFileSync(path, 'utf8')) as Oracle
}

function tupleKey(proto: string, ip1: string, port1: number, ip2: string, port2: number): string {
  const x = `${ip1}|${port1}`
  const y = `${ip2}|${port2}`
  return x < y ? `${proto}|${x}|${y}` : `${proto}|${y}|${x}`
}

const SERVER_PORTS = new Set([53, 67, 68, 80, 123, 137, 138, 443, 853, 993, 1900, 3478, 3479, 3480, 3481, 5222, 5223, 5228, 5349, 5353, 5355, 8801, 8802, 8443, 9000, 10000, 19302, 19305])
const LAN_PORTS = new Set([67, 68, 137, 138, 546, 547, 1900, 3702, 5353, 5355])
const LAN_NDPI = new Set(['MDNS', 'LLMNR', 'NetBIOS', 'SSDP', 'DHCP', 'DHCPV6', 'WSD'])
const RELAY_MESSAGE = /Allocate|Refresh|CreatePermission|Channel-?Bind|Send Indication|Data Indication|ChannelData/i

export interface OracleEvidence {
  flows: FlowEvidence[]
  stunMapped: StunMapped[]
}

/** FlowEvidence per tshark conversation (TCP and UDP), ids in conversation order. */
export function evidenceFromOracle(o: Oracle): OracleEvidence {
  const byKey = new Map<string, FlowEvidence>()
  const flows: FlowEvidence[] = []
  const orient = new Map<string, string>() // key → client ip|port
  for (const r of [...o.tls_sni, ...o.quic_sni, ...o.dtls_sni]) {
    const proto = o.tls_sni.includes(r) ? 'tcp' : 'udp'
    orient.set(tupleKey(proto, r.client, r.client_port, r.server, r.server_port), `${r.client}|${r.client_port}`)
  }
  for (const f of o.ndpi?.flows ?? []) {
    const key = tupleKey(f.l4.toLowerCase(), f.src, f.sport, f.dst, f.dport)
    if (!orient.has(key)) orient.set(key, `${f.src}|${f.sport}`)
  }
  let id = 0
  for (const proto of ['tcp', 'udp'] as const) {
    for (const c of o.conversations[proto]) {
      const key = tupleKey(proto, c.a, c.a_port, c.b, c.b_port)
      if (byKey.has(key)) continue
      let clientIsA: boolean
      const known = orient.get(key)
      if (known) clientIsA = known === `${c.a}|${c.a_port}`
      else if (SERVER_PORTS.has(c.b_port) !== SERVER_PORTS.has(c.a_port)) clientIsA = SERVER_PORTS.has(c.b_port)
      else clientIsA = c.a_port >= c.b_port
      const f: FlowEvidence = {
        flowId: ++id,
        proto,
        client: clientIsA ? {ip: c.a, port: c.a_port} : {ip: c.b, port: c.b_port},
        server: clientIsA ? {ip: c.b, port: c.b_port} : {ip: c.a, port: c.a_port},
        packets: clientIsA ? {toServer: c.a_to_b_packets, toClient: c.b_to_a_packets} : {toServer: c.b_to_a_packets, toClient: c.a_to_b_packets},
        bytes: clientIsA ? {toServer: c.a_to_b_bytes, toClient: c.b_to_a_bytes} : {toServer: c.b_to_a_bytes, toClient: c.a_to_b_bytes},
        durationSeconds: c.duration,
        firstFrame: 0,
        names: [],
        stunPresent: false,
        dtls: false,
        tls: false,
        quic: false,
        rtpStreams: 0,
        isDns: false,
        isLanDiscovery: LAN_PORTS.has(c.a_port) || LAN_PORTS.has(c.b_port),
      }
      byKey.set(key, f)
      flows.push(f)
    }
  }
  const at = (proto: string | undefined, ip1?: string, p1?: number, ip2?: string, p2?: number): FlowEvidence | undefined =>
    proto && ip1 !== undefined && ip2 !== undefined && p1 !== undefined && p2 !== undefined ? byKey.get(tupleKey(proto, ip1, p1, ip2, p2)) : undefined
  const addName = (f: FlowEvidence | undefined, name: string | null | undefined, source: NameSource, frame: number | undefined): void => {
    if (!f || !name) return
    f.names.push({name, source, frame: frame ?? 0})
    if (frame && (f.firstFrame === 0 || frame < f.firstFrame)) f.firstFrame = frame
  }
  const touch = (f: FlowEvidence | undefined, frame: number | undefined): void => {
    if (f && frame && (f.firstFrame === 0 || frame < f.firstFrame)) f.firstFrame = frame
  }

  for (const r of o.tls_sni) {
    const f = at('tcp', r.client, r.client_port, r.server, r.server_port)
    addName(f, r.sni, 'sni', r.frames[0])
    if (f) f.tls = true
  }
  for (const r of o.quic_sni) {
    const f = at('udp', r.client, r.client_port, r.server, r.server_port)
    addName(f, r.sni, 'quic-sni', r.frames[0])
    if (f) f.quic = true
  }
  for (const r of o.dtls_sni) {
    const f = at('udp', r.client, r.client_port, r.server, r.server_port)
    addName(f, r.sni, 'dtls-sni', r.frames[0])
    if (f) f.dtls = true
  }
  for (const r of o.http) {
    const f = at(r.transport, r.src, r.sport, r.dst, r.dport)
    if (!f) continue
    f.http = true
    addName(f, r.host?.replace(/:\d+$/, ''), 'http-host', r.frame)
  }
  for (const x of o.x509) {
    const proto = x.handshake === 'dtls' ? 'udp' : 'tcp'
    const f = at(proto, x.sender, x.sender_port, x.receiver, x.receiver_port)
    if (!f) continue
    if (x.handshake === 'dtls') f.dtls = true
    else f.tls = true
    if (x.sent_by === 'client') continue
    const leaf = x.chain[0]
    if (!leaf) continue
    addName(f, leaf.subject_cn, 'cert', x.frame)
    for (const san of leaf.san_dns ?? []) addName(f, san, 'cert', x.frame)
  }
  // DNS: names asked on DNS flows; answers name the servers of other flows.
  const resolved = new Map<string, Array<{name: string; frame: number}>>()
  for (const r of o.dns) {
    const f = at(r.transport, r.src, r.sport, r.dst, r.dport)
    if (f) {
      if (r.proto === 'dns') f.isDns = true
      else f.isLanDiscovery = true
      touch(f, r.frame)
      if (!r.response) for (const q of r.queries) addName(f, q.name, 'dns-query', r.frame)
    }
    if (r.response && r.proto === 'dns') {
      for (const ip of [...(r.a ?? []), ...(r.aaaa ?? [])]) {
        const list = resolved.get(ip) ?? []
        for (const q of r.queries) list.push({name: q.name, frame: r.frame ?? 0})
        resolved.set(ip, list)
      }
    }
  }
  for (const f of flows) {
    if (f.isDns || f.isLanDiscovery) continue
    for (const n of resolved.get(f.server.ip) ?? []) addName(f, n.name, 'dns', n.frame)
  }
  const stunMapped: StunMapped[] = []
  for (const s of o.stun) {
    const f = at(s.transport, s.src, s.sport, s.dst, s.dport)
    if (!f) continue
    touch(f, s.frame)
    f.stunPresent = true
    if (RELAY_MESSAGE.test(s.message_type_name)) f.relay = true
    if (s.software) (f.stunSoftware ??= []).push({software: s.software, frame: s.frame ?? 0})
    for (const a of s.attributes ?? []) {
      const type = Number.parseInt(a.type, 16)
      if (Number.isFinite(type)) {
        f.stunAttributes ??= []
        if (!f.stunAttributes.includes(type)) f.stunAttributes.push(type)
      }
    }
    if (/^(Binding|Allocate) Success Response$/i.test(s.message_type_name)) {
      const mapped = s.xor_mapped_address ?? (s.variant === 'classicstun' ? s.mapped_address : undefined)
      if (mapped) stunMapped.push({ip: mapped.ip, port: mapped.port, frame: s.frame ?? 0, receivedBy: s.dst})
    }
  }
  const rtpCount = new Map<FlowEvidence, number>()
  for (const r of o.rtp_streams) {
    const f = at('udp', r.src, r.sport, r.dst, r.dport)
    if (f) rtpCount.set(f, (rtpCount.get(f) ?? 0) + 1)
  }
  for (const [f, n] of rtpCount) f.rtpStreams = n
  for (const n of o.ndpi?.flows ?? []) {
    const f = at(n.l4.toLowerCase(), n.src, n.sport, n.dst, n.dport)
    if (!f) continue
    const master = (n.master_proto ?? n.proto.split('.')[0] ?? '').trim()
    if (master === 'TLS') f.tls = true
    if (master === 'DTLS') f.dtls = true
    if (master === 'QUIC') f.quic = true
    if (master === 'DNS') f.isDns = true
    if (LAN_NDPI.has(master)) f.isLanDiscovery = true
  }
  return {flows, stunMapped}
}
