import {linkTypeName} from '../decode/link-layer.js'
import {TUNNEL_NAMES} from '../decode/net-layer.js'
import {isoTime} from '../capture/timestamp.js'
import {ipv4Text, ipv6FromWords} from '../util/ip-text.js'
import {boundedMemo} from '../util/bounded-memo.js'
import {Buffer} from 'node:buffer'
import {safeJsonStringify} from '../report/json-text.js'
import {fragment, JsonBytes} from '../report/json-bytes.js'
import type {FlowCollection} from './collect-flows.js'
import type {ProcessInfo} from '../capture/packet-record.js'
import {captureFilters, interfaceNames} from '../capture/capture-summary.js'
import {KEY_WORDS, ST_ESTABLISHED, ST_FIN_CLIENT, ST_FIN_SERVER, ST_RST, ST_SYN, ST_SYNACK} from './flow-table.js'

/** The `flows --json` contract (documented in docs/flows-json.md); later reports reuse it. */
export interface FlowRecord {
  id: number
  /** Index into `captures` of the file where the flow was first seen. */
  capture: number
  proto: string
  ipVersion: 4 | 6
  client: {ip: string; port: number}
  server: {ip: string; port: number}
  packets: {toServer: number; toClient: number}
  bytes: {toServer: number; toClient: number}
  /** 1-based frame number (Wireshark's frame.number) of the flow's first packet in its capture. */
  firstFrame: number
  firstTime: string
  lastTime: string
  durationSeconds: number
  tcp?: {
    state: 'established' | 'closed' | 'reset' | 'syn-sent' | 'syn-received' | 'midstream'
    /** SYN → SYN/ACK as seen at the capture point: the round trip to the server. */
    handshakeRttMs: number | null
    /** SYN/ACK → ACK: the round trip to the client. */
    clientRttMs: number | null
  }
  tunnel?: {type: string; parentId: number}
  /** The process the capturing host names for the flow (macOS `tcpdump -k` / PKTAP captures):
   * the first one named by one of its packets. Names are untrusted text from the capture. */
  process?: ProcessInfo
  /** Present when the flow carried fragmented IP datagrams: fragment frames and the datagrams
   * they made whole, per direction. Every fragment frame is counted in `packets`/`bytes`. */
  fragments?: {frames: {toServer: number; toClient: number}; datagrams: {toServer: number; toClient: number}}
  /** What the protocol analyzers read in the flow (with --detail / analyze), by protocol name. */
  protocols?: Record<string, unknown>
}

export interface CaptureRecord {
  path: string
  format: string
  gzip: boolean
  byteOrder: string
  linkTypes: number[]
  linkTypeNames: string[]
  interfaces: number
  packets: number
  bytes: number
  firstTime: string | null
  lastTime: string | null
  durationSeconds: number
  /** Whether every packet's time is at or after the one before it (capinfos' "Strict time
   * order"); when not, firstTime is the earliest packet's, not the first record's. */
  strictTimeOrder: boolean
  /** Packets stored shorter than sent (captured length < original length: cut by the snapshot
   * length); what they carried past the cut was never seen. */
  truncatedPackets: number
  /** What recorded the capture (pcapng Section Header: shb_userappl, shb_os, shb_hardware),
   * each key present only when the file says it. Untrusted text. */
  recordedBy: {application?: string; os?: string; hardware?: string}
  /** The interfaces' names (pcapng if_name) and capture filters (if_filter), distinct, in
   * order; a filter is also a warning (what it left out was never recorded). */
  interfaceNames: string[]
  captureFilters: string[]
  /** The capture file's comments and its packets' comments (pcapng opt_comment: what whoever
   * made the capture wrote on it in Wireshark), the first 100 packet comments with their frame
   * numbers. Untrusted text. */
  comments: string[]
  packetComments: Array<{frame: number; text: string}>
  /** TCP/UDP packets that repeat the packet before them in their flow within 1 ms: the capture
   * saw them twice (a warning says so); counted as packets all the same, as tshark does. */
  duplicatePackets: number
  /** Packets the capturing system reported dropped (pcapng statistics), or null if unknown. */
  droppedByCapture: number | null
  /** pcapng Name Resolution Block entries (untrusted text from the file). */
  names: Record<string, string[]>
  secrets: Array<{type: string; length: number}>
  warnings: string[]
  /** Where reading stopped early because of damage, or null when read to the end. */
  stoppedAt: {offset: number; reason: string} | null
}

const PROTO_NAMES: Record<number, string> = {1: 'icmp', 2: 'igmp', 4: 'ipip', 6: 'tcp', 17: 'udp', 41: 'ipv6', 47: 'gre', 50: 'esp', 51: 'ah', 58: 'icmpv6', 89: 'ospf', 103: 'pim', 112: 'vrrp', 132: 'sctp'}

export function protoName(proto: number): string {
  return PROTO_NAMES[proto] ?? `ip-proto-${proto}`
}

/** The name protoName gives for a protocol written as a name (`tcp`) or as `ip-proto-N`
 * (N in 0-255; `ip-proto-6` is `tcp`), or undefined when it is neither. */
export function canonicalProtoName(name: string): string | undefined {
  const numbered = /^ip-proto-(\d{1,3})$/.exec(name)
  if (numbered) return Number(numbered[1]) <= 255 ? protoName(Number(numbered[1])) : undefined
  return Object.values(PROTO_NAMES).includes(name) ? name : undefined
}

/** The protocol names protoName gives, for messages. */
export const PROTO_NAME_LIST = `${Object.values(PROTO_NAMES).join(', ')}, or ip-proto-N`

function roundMs(seconds: number): number | null {
  return Number.isFinite(seconds) && seconds >= 0 ? Math.round(seconds * 1e6) / 1e3 : null
}

function tcpState(state: number): NonNullable<FlowRecord['tcp']>['state'] {
  if (state & ST_RST) return 'reset'
  if ((state & ST_FIN_CLIENT) && (state & ST_FIN_SERVER)) return 'closed'
  if (state & ST_ESTABLISHED) return 'established'
  if (state & ST_SYNACK) return 'syn-received'
  if (state & ST_SYN) return 'syn-sent'
  return 'midstream'
}

/** `zoom.us (pid 812)`, with `on behalf of <app> (pid n)` when the capture names an effective
 * process; an Android app as `Zoom (us.zoom.videomeetings, uid 10234)`. Untrusted text:
 * renderers neutralise it like every name from a capture. */
export function processLabel(p: ProcessInfo): string {
  if (p.uid !== undefined) return `${p.name || p.package || '?'} (${p.package && p.package !== p.name ? `${p.package}, ` : ''}uid ${p.uid})`
  const own = `${p.name || '?'} (pid ${p.pid ?? '?'})`
  return p.effectivePid === undefined ? own : `${own} on behalf of ${p.effectiveName || '?'} (pid ${p.effectivePid})`
}

/** The process the capture names for a slot's flow, if any. */
function processAt(collection: FlowCollection, slot: number): ProcessInfo | undefined {
  const n = collection.table.process[slot]!
  return n === 0 ? undefined : collection.processes[n - 1]
}

/** One record per flow, in creation order (flow id). */
export function flowRecords(collection: FlowCollection): FlowRecord[] {
  const out: FlowRecord[] = []
  for (let slot = 0; slot < collection.table.count; slot++) out.push(flowRecordAt(collection, slot))
  return out
}

/** IPv4 address texts by address: the capturing host's address is one end of nearly every
 * flow, and each record kept its own copy of it (about 40 bytes per flow, to the end of the
 * report). */
const sharedIpv4Text = boundedMemo(ipv4Text, 1 << 16)

/** What the key and time columns of a slot say: addresses as text, ports, which end is the
 * client, first and last time, and the time precision of the capture the flow was first seen in. */
function slotKey(collection: FlowCollection, slot: number) {
  const t = collection.table
  const key = t.keyOf(slot)
  const ipVersion = (key[0]! >>> 8) as 4 | 6
  return {
    ipVersion,
    proto: key[0]! & 0xff,
    a: ipVersion === 4 ? sharedIpv4Text(key[1]!) : ipv6FromWords(key[1]!, key[2]!, key[3]!, key[4]!),
    b: ipVersion === 4 ? sharedIpv4Text(key[5]!) : ipv6FromWords(key[5]!, key[6]!, key[7]!, key[8]!),
    portA: key[9]! >>> 16,
    portB: key[9]! & 0xffff,
    clientIsA: t.clientIsA[slot] === 1,
    precision: collection.captures[t.captureIndex[slot]!]?.precision ?? 6,
    firstSec: t.firstSec[slot]!,
    firstNsec: t.firstNsec[slot]!,
    lastSec: t.lastSec[slot]!,
    lastNsec: t.lastNsec[slot]!,
  }
}

/** The record of the flow in table slot `slot`. */
export function flowRecordAt(collection: FlowCollection, slot: number): FlowRecord {
  const t = collection.table
  const {ipVersion, proto, a, b, portA, portB, clientIsA, precision, firstSec, firstNsec, lastSec, lastNsec} = slotKey(collection, slot)
  const firstTime = isoTime(firstSec, firstNsec, precision)
  const record: FlowRecord = {
    id: t.ids[slot]!,
    capture: t.captureIndex[slot]!,
    proto: protoName(proto),
    ipVersion,
    client: clientIsA ? {ip: a, port: portA} : {ip: b, port: portB},
    server: clientIsA ? {ip: b, port: portB} : {ip: a, port: portA},
    packets: {toServer: t.packets[slot * 2]!, toClient: t.packets[slot * 2 + 1]!},
    bytes: {toServer: t.bytes[slot * 2]!, toClient: t.bytes[slot * 2 + 1]!},
    firstFrame: t.firstFrame[slot]!,
    firstTime,
    // One text for both when the flow lasted no time (a single packet: DNS, a scan's probes).
    lastTime: lastSec === firstSec && lastNsec === firstNsec ? firstTime : isoTime(lastSec, lastNsec, precision),
    durationSeconds: Math.round((lastSec - firstSec + (lastNsec - firstNsec) / 1e9) * 1e9) / 1e9,
  }
  if (proto === 6) {
    record.tcp = {
      state: tcpState(t.tcpState[slot]!),
      handshakeRttMs: roundMs(t.synAckTime[slot]! - t.synTime[slot]!),
      clientRttMs: roundMs(t.ackTime[slot]! - t.synAckTime[slot]!),
    }
  }
  const frag = collection.fragmentsByFlow.get(record.id)
  if (frag) {
    record.fragments = {
      frames: {toServer: frag.frames[0], toClient: frag.frames[1]},
      datagrams: {toServer: frag.datagrams[0], toClient: frag.datagrams[1]},
    }
  }
  if (t.tunnel[slot]) record.tunnel = {type: TUNNEL_NAMES[t.tunnel[slot]!] ?? 'unknown', parentId: t.parentId[slot]!}
  const process = processAt(collection, slot)
  if (process) record.process = process
  const facts = collection.facts.get(record.id)
  if (facts) record.protocols = facts
  return record
}

/**
 * `safeJsonStringify(flowRecordAt(collection, slot))`, written straight from the table's columns
 * into bytes (see flowRecordBytes); as a string, for callers that want one.
 */
export function flowRecordJson(collection: FlowCollection, slot: number): string {
  const out = new JsonBytes()
  flowRecordBytes(out, collection, slot)
  return Buffer.concat(out.take()).toString('utf8')
}

/**
 * The constant JSON between a flow record's values, in the order of the FlowRecord keys: shared
 * by flowRecordBytes (from the table's columns) and the report's flows (report-flow-json.ts,
 * from the records), which write the same text from different sources.
 */
export const FLOW_RECORD_FRAGMENTS = {
  id: fragment('{"id":'),
  capture: fragment(',"capture":'),
  proto: fragment(',"proto":"'),
  ipVersion: fragment('","ipVersion":'),
  clientIp: fragment(',"client":{"ip":"'),
  port: fragment('","port":'),
  serverIp: fragment('},"server":{"ip":"'),
  packets: fragment('},"packets":{"toServer":'),
  toClient: fragment(',"toClient":'),
  bytes: fragment('},"bytes":{"toServer":'),
  firstFrame: fragment('},"firstFrame":'),
  firstTime: fragment(',"firstTime":"'),
  lastTime: fragment('","lastTime":"'),
  duration: fragment('","durationSeconds":'),
  tcp: fragment(',"tcp":{"state":"'),
  handshake: fragment('","handshakeRttMs":'),
  clientRtt: fragment(',"clientRttMs":'),
  fragments: fragment(',"fragments":{"frames":{"toServer":'),
  datagrams: fragment('},"datagrams":{"toServer":'),
  tunnel: fragment(',"tunnel":{"type":"'),
  parent: fragment('","parentId":'),
  process: fragment(',"process":'),
  protocols: fragment(',"protocols":'),
}
const F = FLOW_RECORD_FRAGMENTS

/** A record's `tcp` member, with its leading comma. */
export function tcpBytes(out: JsonBytes, state: string, handshakeRttMs: number | null, clientRttMs: number | null): void {
  out.frag(F.tcp)
  out.ascii(state)
  out.frag(F.handshake)
  out.decimal(handshakeRttMs, 3)
  out.frag(F.clientRtt)
  out.decimal(clientRttMs, 3)
  out.byte(125)
}

/** A record's `fragments` member (frames and datagrams, to server then to client), with its leading comma. */
export function fragmentsBytes(out: JsonBytes, framesToServer: number, framesToClient: number, datagramsToServer: number, datagramsToClient: number): void {
  out.frag(F.fragments)
  out.uint(framesToServer)
  out.frag(F.toClient)
  out.uint(framesToClient)
  out.frag(F.datagrams)
  out.uint(datagramsToServer)
  out.frag(F.toClient)
  out.uint(datagramsToClient)
  out.byte(125)
  out.byte(125)
}

/** A record's `tunnel` member, with its leading comma. */
export function tunnelBytes(out: JsonBytes, type: string, parentId: number): void {
  out.frag(F.tunnel)
  out.ascii(type)
  out.frag(F.parent)
  out.uint(parentId)
  out.byte(125)
}

/** One end of a flow's key: endpoint B (key words 5-8, the low port) or A (words 1-4, the high
 * port), as `ip","port":N`. */
function endpointBytes(out: JsonBytes, keys: Uint32Array, k: number, ipVersion: number, b: boolean): void {
  const at = k + (b ? 5 : 1)
  if (ipVersion === 4) out.ipv4(keys[at]!)
  else out.ascii(ipv6FromWords(keys[at]!, keys[at + 1]!, keys[at + 2]!, keys[at + 3]!))
  out.frag(F.port)
  out.uint(b ? keys[k + 9]! & 0xffff : keys[k + 9]! >>> 16)
}

/**
 * The record's JSON written by hand from the table's columns: `flows --json` lists every flow of
 * a capture (100 k and more), and building then serialising an object tree per flow, or even a
 * string per record, cost more than the rest of the listing. Numbers and the tool's own text
 * (addresses, protocol, state and tunnel names, ISO times), none of which holds a character JSON
 * escapes, go in as bytes; what comes from the capture (process names, protocol facts) goes
 * through safeJsonStringify, so no character a terminal would act on is left raw. A test holds
 * it to `safeJsonStringify(flowRecordAt(...))` over every fixture and the corpus.
 */
export function flowRecordBytes(out: JsonBytes, collection: FlowCollection, slot: number): void {
  const t = collection.table
  // The key's words read in place (a view per flow would be an allocation per record).
  const keys = t.keys
  const k = slot * KEY_WORDS
  const ipVersion = keys[k]! >>> 8
  const proto = keys[k]! & 0xff
  const clientIsA = t.clientIsA[slot] === 1
  const precision = collection.captures[t.captureIndex[slot]!]?.precision ?? 6
  const id = t.ids[slot]!
  out.frag(F.id)
  out.uint(id)
  out.frag(F.capture)
  out.uint(t.captureIndex[slot]!)
  out.frag(F.proto)
  out.ascii(protoName(proto))
  out.frag(F.ipVersion)
  out.uint(ipVersion)
  out.frag(F.clientIp)
  endpointBytes(out, keys, k, ipVersion, !clientIsA)
  out.frag(F.serverIp)
  endpointBytes(out, keys, k, ipVersion, clientIsA)
  out.frag(F.packets)
  out.uint(t.packets[slot * 2]!)
  out.frag(F.toClient)
  out.uint(t.packets[slot * 2 + 1]!)
  out.frag(F.bytes)
  out.number(t.bytes[slot * 2]!)
  out.frag(F.toClient)
  out.number(t.bytes[slot * 2 + 1]!)
  out.frag(F.firstFrame)
  out.uint(t.firstFrame[slot]!)
  const firstSec = t.firstSec[slot]!
  const firstNsec = t.firstNsec[slot]!
  const lastSec = t.lastSec[slot]!
  const lastNsec = t.lastNsec[slot]!
  out.frag(F.firstTime)
  out.isoTime(firstSec, firstNsec, precision, 0)
  out.frag(F.lastTime)
  out.isoTime(lastSec, lastNsec, precision, 1)
  out.frag(F.duration)
  out.nanosAsSeconds(Math.round((lastSec - firstSec + (lastNsec - firstNsec) / 1e9) * 1e9))
  if (proto === 6) tcpBytes(out, tcpState(t.tcpState[slot]!), roundMs(t.synAckTime[slot]! - t.synTime[slot]!), roundMs(t.ackTime[slot]! - t.synAckTime[slot]!))
  // Most captures have no fragments and `flows` runs no analyzers: no lookup per flow then.
  const frag = collection.fragmentsByFlow.size > 0 ? collection.fragmentsByFlow.get(id) : undefined
  if (frag) fragmentsBytes(out, frag.frames[0], frag.frames[1], frag.datagrams[0], frag.datagrams[1])
  if (t.tunnel[slot]) tunnelBytes(out, TUNNEL_NAMES[t.tunnel[slot]!] ?? 'unknown', t.parentId[slot]!)
  const process = processAt(collection, slot)
  if (process) {
    out.frag(F.process)
    out.text(safeJsonStringify(process)!)
  }
  const facts = collection.facts.size > 0 ? collection.facts.get(id) : undefined
  if (facts) {
    out.frag(F.protocols)
    out.text(safeJsonStringify(facts)!)
  }
  out.byte(125)
}

export function captureRecords(collection: FlowCollection): CaptureRecord[] {
  return collection.captures.map((c) => {
    const linkTypes = [...new Set(c.interfaces.map((i) => i.linkType))]
    const drops = c.interfaces.filter((i) => i.dropped !== undefined)
    const empty = c.packets === 0
    return {
      path: c.path,
      format: c.format,
      gzip: c.gzip,
      byteOrder: c.byteOrder,
      linkTypes,
      linkTypeNames: linkTypes.map(linkTypeName),
      interfaces: c.interfaces.length,
      packets: c.packets,
      bytes: c.bytes,
      firstTime: empty ? null : isoTime(c.firstSec, c.firstNsec, c.precision),
      lastTime: empty ? null : isoTime(c.lastSec, c.lastNsec, c.precision),
      durationSeconds: empty ? 0 : Math.round(((c.lastSec - c.firstSec) + (c.lastNsec - c.firstNsec) / 1e9) * 1e9) / 1e9,
      strictTimeOrder: !c.outOfOrder,
      truncatedPackets: c.truncatedPackets,
      recordedBy: {...(c.application ? {application: c.application} : {}), ...(c.os ? {os: c.os} : {}), ...(c.hardware ? {hardware: c.hardware} : {})},
      interfaceNames: interfaceNames(c),
      captureFilters: captureFilters(c),
      comments: c.comments,
      packetComments: c.packetComments,
      duplicatePackets: c.duplicatePackets,
      droppedByCapture: drops.length ? drops.reduce((sum, i) => sum + (i.dropped ?? 0), 0) : null,
      names: Object.fromEntries([...c.names.entries()].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))),
      secrets: c.secrets,
      warnings: c.warnings,
      stoppedAt: c.stoppedAt ?? null,
    }
  })
}
