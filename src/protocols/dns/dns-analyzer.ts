/**
 * DNS, mDNS and LLMNR analyzer: every message of the flow (capped), with its questions, records
 * and the frame it completed in, plus the resolver the flow talks to (a resolver abroad is a
 * route abroad in itself).
 *
 * Dispatch: UDP port 53, 5353 (mDNS, RFC 6762) or 5355 (LLMNR, RFC 4795) on either side; TCP
 * port 53 with the two-octet length prefix of RFC 1035 §4.2.2 (reassembled, several messages per
 * segment or one message over several); on any other UDP port, only when the first datagram is
 * a DNS message beyond reasonable doubt (`isStrictDnsMessage`: DNSCrypt certificate lookups on
 * 443, resolvers on odd ports), and then only datagrams that pass the same test are kept.
 * NetBIOS ports 137/138 are left to the LAN analyzer, which reads NBNS with this module's parser.
 */
import type {EvidenceOf, Evidence, FlowInfo, PayloadPacket, ProtocolAnalyzer} from '../analyzer.js'
import {TcpByteStream} from '../tcp-byte-stream.js'
import {messageFact} from './dns-facts.js'
import {DNS_HEADER_LENGTH, isStrictDnsMessage, scan, scanDnsMessage, TYPE} from './dns-message.js'
import type {SvcbInfo} from './svcb.js'

export type DnsService = 'dns' | 'mdns' | 'llmnr'

/** Messages kept per flow. Generous because a DNS tunnel (iodine, dnscat) is itself a finding
 * and its messages are the evidence; most DNS flows carry one query and its response. */
export const MAX_MESSAGES = 1024
/** Records kept per flow, all messages together (bounds a flow of crafted record-heavy messages). */
export const MAX_RECORDS_PER_FLOW = 4096
/** Bytes of one direction of a TCP DNS stream kept for reassembly. */
const TCP_STREAM_BYTES = 128 * 1024
/** Datagrams in a row that fail the strict test before a heuristic flow is abandoned. */
const MAX_REJECTS_IN_A_ROW = 8
/** Messages, all malformed, after which a flow on a DNS port is taken for something else. */
const MAX_MALFORMED_START = 16
/** Lines `describe` prints per flow. */
const MAX_DESCRIBE_LINES = 24

export interface DnsQuestionFact {
  name: string
  type: number
  typeName: string
  /** Only when not IN (1). */
  class?: number
}

export interface DnsRecordFact {
  section: 'answer' | 'authority' | 'additional'
  name: string
  type: number
  typeName: string
  ttl: number
  data: string | null
  svcb?: SvcbInfo
  class?: number
}

export interface DnsMessageFact {
  evidence: Evidence
  /** Sent by the flow's client (true) or its server. */
  fromClient: boolean
  id: number
  response: boolean
  opcode: number
  rcode: number
  rcodeName: string
  flags: string[]
  questions: DnsQuestionFact[]
  records: DnsRecordFact[]
  /** Questions and records present but not kept (per-message caps). */
  dropped: number
  /** EDNS Client Subnet (RFC 7871): a prefix of the client's address sent on to other servers. */
  clientSubnet: string | null
  /** Why the message could not be read to its end, or null. */
  malformed: string | null
}

export interface DnsFacts {
  service: DnsService
  transport: 'udp' | 'tcp'
  /** The side answering queries (unicast DNS only): the resolver the client uses. */
  resolver: {ip: string; port: number} | null
  /** Recognised on a port no DNS service is registered on. */
  heuristic: boolean
  messages: DnsMessageFact[]
  /** Messages read in all, including those beyond the cap. */
  messageCount: number
  /** Messages read but not kept (beyond MAX_MESSAGES). */
  droppedMessages: number
  malformedMessages: number
}

interface Direction {
  stream: TcpByteStream
  /** Offset in the stream of the next length prefix. */
  cursor: number
  /** The direction can no longer be framed (cap reached or a hole). */
  dead: boolean
}

interface DnsState {
  flow: FlowInfo
  evidenceOf: EvidenceOf
  service: DnsService
  heuristic: boolean
  messages: DnsMessageFact[]
  messageCount: number
  recordsKept: number
  malformed: number
  rejectsInARow: number
  /** Per direction [to server, to client] for TCP. */
  tcp: [Direction, Direction] | null
  /** Evidence of votes for "the server is the resolver" minus votes for the client. */
  serverIsResolverScore: number
}

/** Unicast DNS wins when port 53 is one end (an mDNS responder may query a resolver from 5353). */
export function serviceOfPorts(a: number, b: number): DnsService | null {
  if (a === 53 || b === 53) return 'dns'
  if (a === 5353 || b === 5353) return 'mdns'
  if (a === 5355 || b === 5355) return 'llmnr'
  return null
}

function isNetbios(port: number): boolean {
  return port === 137 || port === 138
}

export const dnsAnalyzer: ProtocolAnalyzer<DnsState, DnsFacts> = {
  name: 'dns',
  // DNS tunnels are evidence: up to MAX_MESSAGES messages are kept.
  packetBudget: 2048,

  probe(flow: FlowInfo, packet: PayloadPacket): boolean {
    const a = flow.client.port
    const b = flow.server.port
    if (flow.transport === 'tcp') return a === 53 || b === 53
    if (serviceOfPorts(a, b) !== null) return true
    if (isNetbios(a) || isNetbios(b)) return false
    return isStrictDnsMessage(packet.data)
  },

  start(flow: FlowInfo, evidenceOf: EvidenceOf): DnsState {
    const service = serviceOfPorts(flow.client.port, flow.server.port)
    const tcp = flow.transport === 'tcp'
    const direction = (): Direction => ({stream: new TcpByteStream(TCP_STREAM_BYTES), cursor: 0, dead: false})
    return {
      flow,
      evidenceOf,
      service: service ?? 'dns',
      heuristic: service === null,
      messages: [],
      messageCount: 0,
      recordsKept: 0,
      malformed: 0,
      rejectsInARow: 0,
      tcp: tcp ? [direction(), direction()] : null,
      serverIsResolverScore: 0,
    }
  },

  feed(state: DnsState, packet: PayloadPacket): boolean {
    if (state.tcp) return feedTcp(state, packet)
    // A datagram that passes the strict test is in `scan` already: it is not read twice.
    let scanned = false
    if (state.heuristic) {
      if (!isStrictDnsMessage(packet.data)) return ++state.rejectsInARow <= MAX_REJECTS_IN_A_ROW
      state.rejectsInARow = 0
      scanned = true
    }
    if (state.messages.length >= MAX_MESSAGES) {
      // Beyond the cap a datagram is only counted (a DNS tunnel's size is part of the finding).
      if (packet.data.length >= DNS_HEADER_LENGTH) state.messageCount++
      return true
    }
    if (scanned || scanDnsMessage(packet.data)) record(state, packet.data, packet)
    // Something else on a DNS port (a VPN tunnelled over UDP 53): stop after a few datagrams.
    return !(state.messageCount >= MAX_MALFORMED_START && state.malformed === state.messageCount)
  },

  finish(state: DnsState): DnsFacts | undefined {
    // The read is over for this state: the reassembly buffers (up to 2 × 128 KiB) can go.
    if (state.tcp) state.tcp = null
    if (state.messageCount === 0) return undefined
    // Exact size: the list grew by push, which leaves room unused. The state is kept beside the
    // facts, so it takes the exact copy too.
    state.messages = state.messages.slice()
    const unicast = state.service === 'dns'
    const resolverSide = state.serverIsResolverScore >= 0 ? state.flow.server : state.flow.client
    return {
      service: state.service,
      transport: state.flow.transport,
      resolver: unicast ? {ip: resolverSide.ip, port: resolverSide.port} : null,
      heuristic: state.heuristic,
      messages: state.messages,
      messageCount: state.messageCount,
      droppedMessages: state.messageCount - state.messages.length,
      malformedMessages: state.malformed,
    }
  },

  describe(facts: DnsFacts): string[] {
    return describeDns(facts)
  },
}

/** RFC 1035 §4.2.2: each message is preceded by its length in two octets. */
function feedTcp(state: DnsState, packet: PayloadPacket): boolean {
  const dir = state.tcp![packet.toServer ? 0 : 1]
  if (!dir.dead) {
    dir.stream.push(packet.seq, packet.data, packet.streamStart)
    const bytes = dir.stream.bytes
    while (bytes.length - dir.cursor >= 2) {
      const length = (bytes[dir.cursor]! << 8) | bytes[dir.cursor + 1]!
      const start = dir.cursor + 2
      if (start + length > bytes.length) break
      if (state.messages.length >= MAX_MESSAGES) state.messageCount++
      else {
        const message = bytes.subarray(start, start + length)
        if (scanDnsMessage(message)) record(state, message, packet)
      }
      dir.cursor = start + length
    }
    // At the cap the stream grows no more: nothing further can be framed in this direction.
    if (dir.stream.full) dir.dead = true
  }
  const [up, down] = state.tcp!
  return !(up.dead && down.dead)
}

/** Count and keep the message in `scan` (read from `msg`). */
function record(state: DnsState, msg: Uint8Array, packet: PayloadPacket): void {
  state.messageCount++
  if (scan.malformed !== null) state.malformed++
  // The resolver answers: responses travel from it, queries to it.
  const response = (scan.flagsWord & 0x8000) !== 0
  state.serverIsResolverScore += response !== packet.toServer ? 1 : -1
  const room = Math.max(0, MAX_RECORDS_PER_FLOW - state.recordsKept)
  const kept = Math.min(scan.recordCount, room)
  state.recordsKept += kept
  state.messages.push(messageFact(msg, state.evidenceOf(packet), packet.toServer, kept))
}

// ---------------------------------------------------------------------------------------------
// describe
// ---------------------------------------------------------------------------------------------

function frameRef(e: Evidence): string {
  return e.capture > 0 ? `frame ${e.frame} of capture ${e.capture + 1}` : `frame ${e.frame}`
}

/** What a response says about its first question: CNAME chain, addresses, HTTPS/ECH or rcode. */
function answerSummary(m: DnsMessageFact): string {
  if (m.rcode !== 0) return m.rcodeName
  const answers = m.records.filter((r) => r.section === 'answer')
  // A response cut short (a snapshot length, a damaged packet) may have had answers past the cut.
  if (answers.length === 0) return m.malformed !== null ? `answer unreadable (${m.malformed})` : 'no answer'
  const cnames = answers.filter((r) => r.type === TYPE.CNAME && r.data !== null).map((r) => r.data!)
  const addresses = answers.filter((r) => (r.type === TYPE.A || r.type === TYPE.AAAA) && r.data !== null).map((r) => r.data!)
  const services = answers.filter((r) => r.type === TYPE.HTTPS || r.type === TYPE.SVCB)
  const others = answers.filter((r) => r.type !== TYPE.CNAME && r.type !== TYPE.A && r.type !== TYPE.AAAA && r.type !== TYPE.HTTPS && r.type !== TYPE.SVCB)
  const parts = [...cnames]
  if (addresses.length) parts.push(addresses.join(', '))
  for (const s of services) parts.push(`${s.typeName} ${s.data ?? '?'}${s.svcb?.ech ? ` (ECH offered${s.svcb.echPublicNames ? `, public name ${s.svcb.echPublicNames.join(', ')}` : ''})` : ''}`)
  if (others.length) parts.push(others.map((r) => `${r.typeName} ${r.data ?? '?'}`).slice(0, 4).join(', ') + (others.length > 4 ? ', …' : ''))
  return parts.join(' → ')
}

function questionText(m: DnsMessageFact): string {
  // mDNS queries often ask many questions at once: show the first few.
  const shown = m.questions.slice(0, 3).map((q) => `${q.name} ${q.typeName}`)
  const more = m.questions.length - shown.length
  return shown.length ? `${shown.join(', ')}${more > 0 ? ` (+${more} more)` : ''}` : '(no question)'
}

/** Order of record types in an announcement summary: what names a machine first. */
const ANNOUNCE_ORDER: Record<number, number> = {[TYPE.A]: 0, [TYPE.AAAA]: 0, [TYPE.PTR]: 1, [TYPE.SRV]: 2, [TYPE.HINFO]: 3, [TYPE.TXT]: 4}

function describeDns(facts: DnsFacts): string[] {
  const lines: string[] = []
  // The flow line already shows the resolver on port 53; say it when DNS hides on another port.
  if (facts.resolver && facts.heuristic) {
    const host = facts.resolver.ip.includes(':') ? `[${facts.resolver.ip}]` : facts.resolver.ip
    lines.push(`DNS on a non-standard port: resolver ${host}:${facts.resolver.port}`)
  }
  const label = facts.service === 'mdns' ? 'mDNS ' : facts.service === 'llmnr' ? 'LLMNR ' : ''
  const key = (m: DnsMessageFact) => `${m.id}|${(m.questions[0]?.name ?? '').toLowerCase()}|${m.questions[0]?.type ?? -1}`
  // Pair each unicast query with the first response of the same id and question.
  const responses = new Map<string, DnsMessageFact>()
  for (const m of facts.messages) if (m.response && !responses.has(key(m))) responses.set(key(m), m)
  const answerOf = new Map<DnsMessageFact, DnsMessageFact>()
  if (facts.service === 'dns') {
    for (const m of facts.messages) {
      const response = m.response ? undefined : responses.get(key(m))
      if (response) answerOf.set(m, response)
    }
  }
  const answered = new Set(answerOf.values())
  const body: string[] = []
  for (const m of facts.messages) {
    if (!m.response) {
      const response = answerOf.get(m)
      if (response) {
        body.push(`${label}query ${questionText(m)} → ${answerSummary(response)} (${frameRef(response.evidence)})`)
      } else {
        body.push(`${label}query ${questionText(m)} (${frameRef(m.evidence)})${facts.service === 'dns' ? ' no response seen' : ''}`)
      }
    } else if (!answered.has(m)) {
      if (facts.service === 'dns' || m.questions.length > 0) {
        body.push(`${label}${m.questions.length ? `query ${questionText(m)} → ` : 'response → '}${answerSummary(m)} (${frameRef(m.evidence)})`)
      } else {
        // mDNS/LLMNR announcements carry no question: show the records, hostnames first.
        const withData = m.records.filter((r) => r.data !== null)
        const shown = withData
          .map((r, i) => [ANNOUNCE_ORDER[r.type] ?? 5, i, r] as const)
          .sort((x, y) => x[0] - y[0] || x[1] - y[1])
          .slice(0, 4)
          .map(([, , r]) => r)
        const text = shown.map((r) => `${r.name} ${r.typeName} ${r.data}`).join('; ')
        body.push(`${label}announce ${text || '(no records)'}${m.records.length > shown.length ? '; …' : ''} (${frameRef(m.evidence)})`)
      }
    }
    if (m.clientSubnet) body.push(`EDNS client subnet ${m.clientSubnet} sent (${frameRef(m.evidence)})`)
  }
  const room = MAX_DESCRIBE_LINES - lines.length
  lines.push(...body.slice(0, room))
  if (body.length > room) lines.push(`… ${body.length - room} more`)
  if (facts.droppedMessages > 0) lines.push(`${facts.droppedMessages} further messages not kept`)
  return lines
}
