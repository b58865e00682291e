/**
 * LAN name leaks: what a machine broadcasts about itself to everyone on its network segment, and
 * hence to whoever captures there — DHCP (UDP 67/68) and DHCPv6 (546/547) host names, vendor
 * classes and FQDNs, NetBIOS names (NBNS, UDP 137), SSDP announcements and searches (UDP 1900).
 *
 * mDNS and LLMNR names are read by the DNS analyzer (same wire format, same parser, facts with
 * `service: 'mdns' | 'llmnr'`); `lanNames` in ./lan-names.ts puts both sources together.
 */
import type {EvidenceOf, Evidence, FlowInfo, PayloadPacket, ProtocolAnalyzer} from '../analyzer.js'
import {type DhcpMessage, parseDhcp, parseDhcpv6} from './dhcp.js'
import {type NbnsMessage, parseNbns} from './nbns.js'
import {parseSsdp, type SsdpMessage} from './ssdp.js'

export type LanService = 'dhcp' | 'dhcpv6' | 'nbns' | 'ssdp'

/** Messages kept per flow (DHCP and SSDP flows between fixed ports last the whole capture). */
export const MAX_LAN_MESSAGES = 256
const MAX_DESCRIBE_LINES = 24

type Common = {evidence: Evidence; fromClient: boolean}
export type LanMessageFact = Common & (DhcpMessage | NbnsMessage | SsdpMessage)

export interface LanFacts {
  service: LanService
  messages: LanMessageFact[]
  messageCount: number
  droppedMessages: number
  /** Datagrams on the service's port that did not parse as its messages. */
  unparsed: number
}

interface LanState {
  service: LanService
  evidenceOf: EvidenceOf
  messages: LanMessageFact[]
  messageCount: number
  unparsed: number
}

export function lanServiceOf(flow: FlowInfo): LanService | null {
  if (flow.transport !== 'udp') return null
  return serviceOfPort(flow.client.port) ?? serviceOfPort(flow.server.port)
}

function serviceOfPort(port: number): LanService | null {
  switch (port) {
    case 67:
    case 68:
      return 'dhcp'
    case 546:
    case 547:
      return 'dhcpv6'
    case 137:
      return 'nbns'
    case 1900:
      return 'ssdp'
    default:
      return null
  }
}

function parse(service: LanService, data: Uint8Array): DhcpMessage | NbnsMessage | SsdpMessage | null {
  switch (service) {
    case 'dhcp':
      return parseDhcp(data)
    case 'dhcpv6':
      return parseDhcpv6(data)
    case 'nbns':
      return parseNbns(data)
    case 'ssdp':
      return parseSsdp(data)
  }
}

/**
 * The kept fact: the evidence, then the message's fields in their order, written out (a spread
 * would add the fields one by one to an object that then holds them out of line).
 */
function messageFact(service: LanService, evidence: Evidence, fromClient: boolean, parsed: DhcpMessage | NbnsMessage | SsdpMessage): LanMessageFact {
  switch (service) {
    case 'dhcp':
    case 'dhcpv6': {
      const m = parsed as DhcpMessage
      return {
        evidence,
        fromClient,
        version: m.version,
        messageType: m.messageType,
        xid: m.xid,
        clientMac: m.clientMac,
        hostname: m.hostname,
        vendorClass: m.vendorClass,
        clientFqdn: m.clientFqdn,
        requestedIp: m.requestedIp,
        yourIp: m.yourIp,
        serverId: m.serverId,
        domainName: m.domainName,
        parameterRequestList: m.parameterRequestList,
      }
    }
    case 'nbns': {
      const m = parsed as NbnsMessage
      return {evidence, fromClient, id: m.id, response: m.response, opcode: m.opcode, rcode: m.rcode, names: m.names, addresses: m.addresses, mac: m.mac, malformed: m.malformed}
    }
    case 'ssdp': {
      const m = parsed as SsdpMessage
      return {
        evidence,
        fromClient,
        kind: m.kind,
        method: m.method,
        target: m.target,
        status: m.status,
        host: m.host,
        searchTarget: m.searchTarget,
        notificationSubtype: m.notificationSubtype,
        usn: m.usn,
        location: m.location,
        server: m.server,
        userAgent: m.userAgent,
      }
    }
  }
}

export const lanAnalyzer: ProtocolAnalyzer<LanState, LanFacts> = {
  name: 'lan',

  probe(flow: FlowInfo): boolean {
    return lanServiceOf(flow) !== null
  },

  start(flow: FlowInfo, evidenceOf: EvidenceOf): LanState {
    return {service: lanServiceOf(flow) ?? 'dhcp', evidenceOf, messages: [], messageCount: 0, unparsed: 0}
  },

  feed(state: LanState, packet: PayloadPacket): boolean {
    const parsed = parse(state.service, packet.data)
    if (!parsed) {
      state.unparsed++
      // A flow that never carried one of these messages is something else on the port.
      return !(state.messageCount === 0 && state.unparsed >= 8)
    }
    state.messageCount++
    if (state.messages.length < MAX_LAN_MESSAGES) {
      const evidence = state.evidenceOf(packet)
      state.messages.push(messageFact(state.service, evidence, packet.toServer, parsed))
    }
    return state.messages.length < MAX_LAN_MESSAGES
  },

  finish(state: LanState): LanFacts | undefined {
    if (state.messageCount === 0) return undefined
    // Exact size: the list grew by push, which leaves room unused. The state is kept beside the
    // facts, so it takes the exact copy too.
    state.messages = state.messages.slice()
    return {
      service: state.service,
      messages: state.messages,
      messageCount: state.messageCount,
      droppedMessages: state.messageCount - state.messages.length,
      unparsed: state.unparsed,
    }
  },

  describe(facts: LanFacts): string[] {
    return describeLan(facts)
  },
}

function frameRef(e: Evidence): string {
  return e.capture > 0 ? `frame ${e.frame} of capture ${e.capture + 1}` : `frame ${e.frame}`
}

function describeLan(facts: LanFacts): string[] {
  const lines: string[] = []
  const seen = new Set<string>()
  // One line per distinct fact, at its first frame.
  const add = (text: string, e: Evidence) => {
    if (seen.has(text)) return
    seen.add(text)
    lines.push(`${text} (${frameRef(e)})`)
  }
  for (const m of facts.messages) {
    if (facts.service === 'dhcp' || facts.service === 'dhcpv6') {
      const d = m as Common & DhcpMessage
      const label = d.version === 6 ? 'DHCPv6' : 'DHCP'
      if (d.hostname) add(`${label} hostname ${d.hostname}`, d.evidence)
      if (d.clientFqdn) add(`${label} client FQDN ${d.clientFqdn}`, d.evidence)
      if (d.vendorClass) add(`${label} vendor class ${d.vendorClass}`, d.evidence)
      if (d.yourIp && d.clientMac) add(`${label} ${d.messageType} assigns ${d.yourIp} to ${d.clientMac}`, d.evidence)
      if (d.domainName) add(`${label} domain ${d.domainName}`, d.evidence)
    } else if (facts.service === 'nbns') {
      const n = m as Common & NbnsMessage
      for (const name of n.names) add(`NetBIOS ${n.opcode}${n.response ? ' response' : ''} ${name.name}<${name.suffix}>${name.scope ? `.${name.scope}` : ''}`, n.evidence)
      if (n.addresses.length && n.names.length) add(`NetBIOS ${n.names[0]!.name} is ${n.addresses.join(', ')}`, n.evidence)
      if (n.mac) add(`NetBIOS node status: MAC ${n.mac}`, n.evidence)
    } else {
      const s = m as Common & SsdpMessage
      const who = [s.server && `SERVER ${s.server}`, s.userAgent && `USER-AGENT ${s.userAgent}`].filter(Boolean).join(', ')
      const what = s.searchTarget ? ` ${s.searchTarget}` : ''
      add(`SSDP ${s.kind}${what}${who ? ` ${who}` : ''}${s.location ? ` LOCATION ${s.location}` : ''}`, s.evidence)
    }
    if (lines.length >= MAX_DESCRIBE_LINES) break
  }
  if (facts.droppedMessages > 0) lines.push(`${facts.droppedMessages} further messages not kept`)
  return lines
}
