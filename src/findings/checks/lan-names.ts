/**
 * What the caller's own device tells everyone on its network segment about itself (a hotel or
 * conference Wi-Fi, an office LAN): its name, OS and software, in DHCP, mDNS/LLMNR, NetBIOS and
 * SSDP broadcasts, whatever app makes the call. Names are read by the LAN and DNS analyzers and
 * gathered by lanNames (src/protocols/lan/lan-names.ts); a name counts as the caller's only when
 * the caller's device sent it (see callerNames).
 */
import type {Finding, FindingEvidence, ReportFlow} from '../../report/report-model.js'
import {factsOf} from '../../analysis/flow-facts.js'
import {type LanName, type LanNameKind, lanNames} from '../../protocols/lan/lan-names.js'
import type {LanMessageFact} from '../../protocols/lan/lan-analyzer.js'
import type {DhcpMessage} from '../../protocols/lan/dhcp.js'
import type {NbnsMessage} from '../../protocols/lan/nbns.js'
import type {SsdpMessage} from '../../protocols/lan/ssdp.js'
import {type CheckContext, finding, quote} from '../context.js'

/** Names a finding lists (every one is counted). */
const MAX_NAMES = 20

/** The kinds that describe the device itself (queries name what it looks for, not itself). */
const DESCRIBING: ReadonlySet<LanNameKind> = new Set(['hostname', 'fqdn', 'vendor-class', 'service-instance', 'netbios', 'product'])

/** DHCPv4 messages a client sends (RFC 2131 §3.1, §4.4; RFC 951's BOOTREQUEST without option 53). */
const DHCP_CLIENT_TYPES = new Set(['DISCOVER', 'REQUEST', 'DECLINE', 'RELEASE', 'INFORM', 'BOOTREQUEST'])
/** DHCPv6 messages a client sends (RFC 8415 §7.3). */
const DHCPV6_CLIENT_TYPES = new Set(['SOLICIT', 'REQUEST', 'CONFIRM', 'RENEW', 'REBIND', 'RELEASE', 'DECLINE', 'INFORMATION-REQUEST'])

const KIND_TEXT: Record<LanNameKind, string> = {
  hostname: 'host name',
  fqdn: 'client FQDN',
  'vendor-class': 'vendor class (the OS or device family)',
  'service-instance': 'service instance',
  query: 'query',
  netbios: 'NetBIOS name',
  product: 'product string (OS and software versions)',
}

const SOURCE_TEXT: Record<LanName['source'], string> = {dhcp: 'DHCP', dhcpv6: 'DHCPv6', mdns: 'mDNS', llmnr: 'LLMNR', nbns: 'NetBIOS', ssdp: 'SSDP'}

/**
 * CA-META-013: the caller's device names itself on the local network. The caller's addresses
 * are the vantage's private ones and the host's own public one. Multicast and broadcast names
 * (mDNS, LLMNR, NetBIOS, SSDP, DHCPv6) count when the caller's address sent them; DHCPv4, sent
 * from 0.0.0.0 before the device has an address, counts by the device's MAC: the client MAC of
 * the DHCP messages that asked for or were given a caller's address.
 */
export function lanNameLeaks(ctx: CheckContext): Finding[] {
  const caller = new Set(ctx.vantage.privateAddresses)
  if (ctx.vantage.hostPublicAddress) caller.add(ctx.vantage.hostPublicAddress)
  if (caller.size === 0) return []
  const names = callerNames(ctx.flows, caller)
  if (names.length === 0) return []
  const evidence: FindingEvidence[] = names.slice(0, MAX_NAMES).map((n) => ({
    description: `${SOURCE_TEXT[n.source]} ${KIND_TEXT[n.kind]} ${quote(n.name)}`,
    frame: n.evidence.frame,
    capture: n.evidence.capture,
    time: n.evidence.time,
    flowId: n.flowId,
  }))
  const shown = [...new Set(names.filter((n) => n.kind !== 'product' && n.kind !== 'vendor-class').map((n) => n.name))].slice(0, 4).map(quote)
  const sources = [...new Set(names.map((n) => SOURCE_TEXT[n.source]))].join(', ')
  const what =
    names.length === 1
      ? `its ${KIND_TEXT[names[0]!.kind]} ${quote(names[0]!.name)}`
      : `${names.length} names and descriptions${shown.length ? `, among them ${shown.join(', ')}` : ''}`
  const detail =
    `The caller's device (${[...caller].join(', ')}) announced itself to everyone on its local network in ${sources}: ${what}. ` +
    'Whoever shares that network (a hotel or conference Wi-Fi) learns whose device it is and what it runs, before and during the call, whatever the app encrypts.'
  return [finding('CA-META-013', undefined, detail, evidence, [...new Set(names.map((n) => n.flowId))])]
}

/** The names that describe the caller's device, earliest first. */
function callerNames(flows: readonly ReportFlow[], caller: ReadonlySet<string>): LanName[] {
  // mDNS and LLMNR (DNS facts): the flows the caller's address sent (it is their client, as a
  // group address never is), read by lanNames. The LAN services are attributed per message.
  const multicastDns = new Map<number, Record<string, unknown>>()
  const callerMacs = new Set<string>()
  const lanFlows: ReportFlow[] = []
  for (const flow of flows) {
    const facts = factsOf(flow)
    if (facts.lan) {
      lanFlows.push(flow)
      if (facts.lan.service !== 'dhcp') continue
      for (const m of facts.lan.messages) {
        const d = m as LanMessageFact & DhcpMessage
        if (d.clientMac && ((d.yourIp !== null && caller.has(d.yourIp)) || (d.requestedIp !== null && caller.has(d.requestedIp)))) callerMacs.add(d.clientMac)
      }
    } else if (facts.dns && (facts.dns.service === 'mdns' || facts.dns.service === 'llmnr') && caller.has(flow.client.ip)) {
      multicastDns.set(flow.id, flow.protocols as Record<string, unknown>)
    }
  }
  const out = lanNames(multicastDns).filter((n) => DESCRIBING.has(n.kind))
  const seen = new Set<string>()
  const add = (source: LanName['source'], kind: LanNameKind, name: string | null, flowId: number, m: LanMessageFact) => {
    if (!name || seen.has(`${source} ${kind} ${name}`)) return
    seen.add(`${source} ${kind} ${name}`)
    out.push({source, kind, name, flowId, evidence: m.evidence})
  }
  for (const flow of lanFlows) {
    const lan = factsOf(flow).lan!
    // Whether the caller's address sent a message of this flow: its client (the table's
    // orientation) is the caller and the message came from the client, or the reverse.
    const sentByCaller = (m: LanMessageFact) => caller.has(m.fromClient ? flow.client.ip : flow.server.ip)
    for (const m of lan.messages) {
      if (lan.service === 'dhcp') {
        // Sent from 0.0.0.0 before the lease: the client's messages of a caller's MAC.
        const d = m as LanMessageFact & DhcpMessage
        if (!DHCP_CLIENT_TYPES.has(d.messageType) || !d.clientMac || !callerMacs.has(d.clientMac)) continue
        add('dhcp', 'hostname', d.hostname, flow.id, m)
        add('dhcp', 'fqdn', d.clientFqdn, flow.id, m)
        add('dhcp', 'vendor-class', d.vendorClass, flow.id, m)
      } else if (lan.service === 'dhcpv6') {
        // The client's messages (RFC 8415 §7.3), from its link-local address; a server's
        // Advertise or Reply repeats the FQDN it was sent.
        const d = m as LanMessageFact & DhcpMessage
        if (!DHCPV6_CLIENT_TYPES.has(d.messageType) || !sentByCaller(m)) continue
        add('dhcpv6', 'fqdn', d.clientFqdn, flow.id, m)
        add('dhcpv6', 'vendor-class', d.vendorClass, flow.id, m)
      } else if (lan.service === 'nbns') {
        // Its own names: registrations, refreshes and releases, and answers it gave; a query
        // names the machine it looks for, not itself.
        const n = m as LanMessageFact & NbnsMessage
        if (!sentByCaller(m) || (n.opcode === 'query' && !n.response)) continue
        for (const name of n.names) add('nbns', 'netbios', `${name.name}<${name.suffix}>`, flow.id, m)
      } else if (lan.service === 'ssdp') {
        const p = m as LanMessageFact & SsdpMessage
        if (!sentByCaller(m)) continue
        add('ssdp', 'product', p.server, flow.id, m)
        add('ssdp', 'product', p.userAgent, flow.id, m)
      }
    }
  }
  // Earliest first: the order a reader meets them in the capture.
  return out.sort((a, b) => a.evidence.capture - b.evidence.capture || a.evidence.frame - b.evidence.frame || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
}
