/**
 * The vantage point: where the capturing client sits. Its private addresses come from the flows
 * (client-side private addresses that talk to public servers, those of the call first; not the
 * other LAN devices a capture also shows), its public address from STUN mapped addresses the
 * client received, and its location either from `--vantage CC` / `--vantage lat,lon` or, later in
 * the pipeline, from geolocating the public address.
 */
import {InputError} from '../errors.js'
import {isGroupAddress, isPrivateAddress, isPublicAddress} from './match.js'

export type VantageLocation =
  | {kind: 'country'; country: string; name: string}
  | {kind: 'coordinates'; lat: number; lon: number}

/** Region codes ICU knows that are not places a capture can be made from. */
const NOT_COUNTRIES = new Set(['EU', 'EZ', 'UN', 'QO', 'ZZ', 'XA', 'XB'])

let regionNames: Intl.DisplayNames | undefined | null

function countryName(code: string): string | undefined {
  if (regionNames === undefined) {
    try {
      regionNames = new Intl.DisplayNames(['en'], {type: 'region', fallback: 'code'})
    } catch {
      regionNames = null
    }
  }
  if (NOT_COUNTRIES.has(code)) return undefined
  if (regionNames === null) return code // no ICU region data: accept the well-formed code
  const name = regionNames.of(code)
  return name && name !== code ? name : undefined
}

const COORDINATES = /^([+-]?\d{1,3}(?:\.\d+)?)\s*,\s*([+-]?\d{1,3}(?:\.\d+)?)$/

/**
 * Parse `--vantage`: an ISO 3166-1 alpha-2 country code (any case: `id`, `ID`) or decimal
 * `lat,lon` (`-6.2,106.8`). Throws InputError with the accepted forms otherwise.
 */
export function parseVantageFlag(text: string): VantageLocation {
  const value = typeof text === 'string' ? text.trim() : ''
  const shown = JSON.stringify(value.length > 64 ? `${value.slice(0, 64)}...` : value)
  const usage = 'expected an ISO 3166-1 alpha-2 country code such as ID, or decimal "lat,lon" such as -6.2,106.8'
  if (/^[A-Za-z]{2}$/.test(value)) {
    const country = value.toUpperCase()
    if (country === 'UK') throw new InputError(`--vantage ${shown}: the ISO code of the United Kingdom is GB`)
    const name = countryName(country)
    if (!name) throw new InputError(`--vantage ${shown}: not an assigned country code; ${usage}`)
    return {kind: 'country', country, name}
  }
  const m = COORDINATES.exec(value)
  if (m) {
    const lat = Number(m[1])
    const lon = Number(m[2])
    if (!(lat >= -90 && lat <= 90)) throw new InputError(`--vantage ${shown}: latitude ${m[1]} is outside -90..90`)
    if (!(lon >= -180 && lon <= 180)) throw new InputError(`--vantage ${shown}: longitude ${m[2]} is outside -180..180`)
    return {kind: 'coordinates', lat, lon}
  }
  throw new InputError(`--vantage ${shown}: ${usage}`)
}

/** A STUN mapped address: the XOR-MAPPED-ADDRESS of a Binding or Allocate success response
 * (RFC 8489 §14.2, RFC 8656 §7.3), or the MAPPED-ADDRESS of a Binding success response (RFC 3489
 * §11.2.1; RFC 8489 §14.1 keeps it for classic clients). Pass only these reflexive addresses,
 * never XOR-RELAYED-ADDRESS, and not MAPPED-ADDRESS of MS-TURN Allocate responses, which holds
 * the relayed address ([MS-TURN] §2.2.2.1). */
export interface StunMapped {
  ip: string
  port: number
  frame: number
  /** Destination address of the response: lets responses the client *sent* to peers (which
   * carry the peer's address) be told apart from those it received. */
  receivedBy?: string
  /** The attribute that carried it (default XOR-MAPPED-ADDRESS). */
  attribute?: string
  /** Set when the attribute's meaning is our inference, not a specification's, naming it
   * (`Zoom's STUN-like attribute 0x0103`): it places the vantage only when no specified
   * attribute does, and the report says so. */
  inferred?: string
}

/** The minimum of a flow the vantage needs (FlowEvidence, FlowRecord and ReportFlow all fit). */
export interface VantageFlow {
  client: {ip: string; port: number}
  server: {ip: string; port: number}
  packets: {toServer: number; toClient: number}
  bytes: {toServer: number; toClient: number}
  /** The flow's role and app when known (a report's flows): the call's flows rank first. */
  role?: string
  app?: string | null
  /** Carried in a tunnel the capture saw (GTP-U, GRE...): its client is not the capturing host. */
  tunnel?: unknown
  /** The far end as the report worked it out (remoteEndpoint): when it is the flow's client because
   * STUN showed the flow's server is the STUN client (the STUN/TURN server spoke first in the
   * capture), the flow's server is the host's end. */
  remote?: {ip: string; port: number}
}

/**
 * The host's end of a flow: its client, or its server when `remote` is the client and a public
 * client of a private server did not make it so (a flow towards a private server from a public
 * client, e.g. a server-side capture, keeps the vantage rules it always had; STUN's reversal is
 * what moves the host's end here).
 */
function hostEnd(f: VantageFlow): {ip: string; port: number} {
  const r = f.remote
  if (r === undefined || r === f.server || (r.ip === f.server.ip && r.port === f.server.port)) return f.client
  if (r.ip !== f.client.ip || r.port !== f.client.port) return f.client
  return isPrivateAddress(f.server.ip) && !isPrivateAddress(f.client.ip) ? f.client : f.server
}

export interface PrivateAddress {
  ip: string
  /** Flows it is the client of, broadcast and multicast left out. */
  flows: number
  packets: number
  bytes: number
  /** Of those, flows to public servers, and to the call's servers (media, relay, an app's). */
  publicFlows: number
  callFlows: number
}

export interface PublicAddress {
  ip: string
  /** Mapped ports seen (sorted). */
  ports: number[]
  /** Frames of the responses that carried it (first 20, ascending). */
  frames: number[]
  /** Responses that carried it. */
  count: number
  /** The attributes that carried it (sorted): XOR-MAPPED-ADDRESS, MAPPED-ADDRESS... */
  attributes: string[]
  /** Only attributes whose meaning is inferred carried it: what they are (Zoom's 0x0103). */
  inferred?: string
}

export interface Vantage {
  /** Client-side private addresses, most flows first (at most MAX_PRIVATE). */
  privateAddresses: PrivateAddress[]
  primaryPrivate: string | null
  /** Public addresses from STUN: those a specified attribute carried first, then most
   * responses first. */
  publicAddresses: PublicAddress[]
  primaryPublic: string | null
  /**
   * The capturing host's own address when it is public (no NAT between it and the Internet,
   * as on most IPv6 networks and on cloud test machines): the client of most flows of its
   * address family, which has no private client address (see hostPublicAddress). It places
   * the vantage when no STUN response does. `of`: the flows of that family.
   */
  hostPublic: {ip: string; flows: number; of: number} | null
  /** From --vantage, else null (then geolocate primaryPublic, else hostPublic, if any). */
  location: VantageLocation | null
  locationSource: 'flag' | 'public-address' | 'host-address' | 'none'
  notes: string[]
}

export const MAX_PRIVATE = 10

/** Server ports of LAN infrastructure: DNS (RFC 1035) and DHCP (RFC 2131 §4.1, RFC 8415 §7.2).
 * A private address that serves them to another client is the router or resolver, not the
 * caller; flows to them do not make a client the caller either. */
const RESOLVER_PORTS = new Set([53])
const DHCP_PORTS = new Set([67, 68, 546, 547])
/** Roles that are the call's own traffic (src/apps/assign-roles.ts). */
const CALL_ROLES = new Set(['media', 'relay'])

/** Flows a public client needs before it is taken for the capturing host: a call opens dozens
 * (DNS, TLS, STUN, media), while the client of one or two flows may as well be a remote client
 * of a capture made on the server. */
const MIN_HOST_FLOWS = 3

/**
 * The capturing host's own public address, if the flows show one: in an address family with
 * no private client address (no NAT there), the public client of more than half of that
 * family's flows and of at least MIN_HOST_FLOWS, a capture made on it. A capture of many
 * hosts' traffic (a router's) has no such client. Dual-stack hosts are the common case: IPv4
 * behind NAT (a private client address), IPv6 on a global address of their own. Of two
 * candidates, the one of more flows.
 */
function hostPublicAddress(clientFlows: ReadonlyMap<string, number>, privates: readonly PrivateAddress[]): Vantage['hostPublic'] {
  let best: Vantage['hostPublic'] = null
  for (const v6 of [false, true]) {
    if (privates.some((p) => p.ip.includes(':') === v6)) continue
    let total = 0
    let top: string | undefined
    let topFlows = 0
    for (const [ip, n] of clientFlows) {
      if (ip.includes(':') !== v6) continue
      total += n
      if (n > topFlows || (n === topFlows && top !== undefined && ip < top)) {
        top = ip
        topFlows = n
      }
    }
    if (top === undefined || topFlows < MIN_HOST_FLOWS || topFlows * 2 <= total || !isPublicAddress(top)) continue
    if (!best || topFlows > best.flows) best = {ip: top, flows: topFlows, of: total}
  }
  return best
}

/**
 * The private addresses that are the capturing client's, best first. A capture shows other LAN
 * devices too: the router (DNS resolver, DHCP server), hosts heard only in broadcasts and
 * multicasts (Dropbox and Spotify LAN discovery, SSDP, mDNS), a switch asking for an address.
 * The caller is a host that talks to public servers: the candidates are the private clients of
 * unicast flows to public servers (the call's servers first: flows with a media or relay role or
 * an app's, then STUN responses received; tunnelled flows' clients after the capturing host's).
 * Only when no private client talks to a public server (a LAN-only capture) do clients of
 * unicast flows to other private hosts stand in. Never a private address that serves
 * DNS or DHCP to another client. `excluded` says why other private clients were left out.
 */
function privateCandidates(flows: readonly VantageFlow[], stunMapped: readonly StunMapped[]): {ranked: PrivateAddress[]; excluded: Array<{ip: string; why: string}>; onlyLan: boolean} {
  interface Slot extends PrivateAddress {
    lanFlows: number
    tunnelled: number
    stun: number
  }
  const byIp = new Map<string, Slot>()
  const infrastructure = new Map<string, string>()
  // Indexed: this runs once per report, over every flow, mostly before the optimiser has
  // compiled it (an unoptimised for-of allocates per element).
  for (let i = 0; i < flows.length; i++) {
    const f = flows[i]!
    const host = hostEnd(f)
    const far = host === f.client ? f.server : f.client
    const client = host.ip
    const server = far.ip
    const port = far.port
    if (isPrivateAddress(server) && isPrivateAddress(client) && client !== server) {
      if (RESOLVER_PORTS.has(port) && !infrastructure.has(server)) infrastructure.set(server, `the DNS resolver ${client} queries`)
      else if (DHCP_PORTS.has(port) && host.port !== port && !infrastructure.has(server)) infrastructure.set(server, `the DHCP server of ${client}`)
    }
    if (!isPrivateAddress(client)) continue
    let slot = byIp.get(client)
    if (!slot) byIp.set(client, (slot = {ip: client, flows: 0, packets: 0, bytes: 0, publicFlows: 0, callFlows: 0, lanFlows: 0, tunnelled: 0, stun: 0}))
    // Broadcast: multicast and limited broadcast, and (a /24 guess: the mask is not in the
    // capture) an unanswered datagram to a private x.x.x.255, as LAN discovery sends.
    if (isGroupAddress(server) || DHCP_PORTS.has(port) || (f.packets.toClient === 0 && server.endsWith('.255') && isPrivateAddress(server))) continue
    slot.flows++
    slot.packets += f.packets.toServer + f.packets.toClient
    slot.bytes += f.bytes.toServer + f.bytes.toClient
    if (f.tunnel !== undefined) slot.tunnelled++
    if (isPublicAddress(server)) {
      slot.publicFlows++
      if ((f.role !== undefined && CALL_ROLES.has(f.role)) || (f.app !== undefined && f.app !== null)) slot.callFlows++
    } else slot.lanFlows++
  }
  for (const m of stunMapped) {
    const slot = m.receivedBy === undefined ? undefined : byIp.get(m.receivedBy)
    if (slot && isPublicAddress(m.ip)) slot.stun++
  }
  const slots = [...byIp.values()]
  const usable = (s: Slot) => !infrastructure.has(s.ip)
  let chosen = slots.filter((s) => usable(s) && s.publicFlows > 0)
  const onlyLan = chosen.length === 0
  if (onlyLan) chosen = slots.filter((s) => usable(s) && s.lanFlows > 0)
  const picked = new Set(chosen.map((s) => s.ip))
  const excluded = slots
    .filter((s) => !picked.has(s.ip))
    .map((s) => ({ip: s.ip, why: infrastructure.get(s.ip) ?? (s.flows === 0 ? 'seen only in LAN broadcasts and multicasts' : 'talks to no public server')}))
    .sort((a, b) => (a.ip < b.ip ? -1 : a.ip > b.ip ? 1 : 0))
  const own = (s: Slot) => (s.tunnelled === s.flows ? 1 : 0)
  const ranked = chosen
    .sort((a, b) => b.callFlows - a.callFlows || b.stun - a.stun || own(a) - own(b) || b.publicFlows - a.publicFlows || b.flows - a.flows || b.packets - a.packets || (a.ip < b.ip ? -1 : a.ip > b.ip ? 1 : 0))
    .map(({ip, flows: n, packets, bytes, publicFlows, callFlows}) => ({ip, flows: n, packets, bytes, publicFlows, callFlows}))
  return {ranked, excluded, onlyLan}
}

/** PCAPdroid's VPN mode (Android, no root): its virtual interface's address, the source of every
 * connection it captures, and its virtual DNS server, which forwards each query to the device's
 * own resolver (PCAPdroid FAQ, "Why I see connections originating from the IP 10.215.173.1?" and
 * "Why I see DNS requests to 10.215.173.2?", https://github.com/emanuele-f/PCAPdroid/blob/master/faq.md). */
export const PCAPDROID_INTERFACE = '10.215.173.1'
export const PCAPDROID_DNS = '10.215.173.2'

/**
 * What a capture made by PCAPdroid in VPN mode cannot show: the device's real addresses, and
 * where its DNS really went. Said when the vantage is PCAPdroid's interface address.
 */
function pcapdroidNotes(flows: readonly VantageFlow[], privateAddresses: readonly PrivateAddress[]): string[] {
  if (!privateAddresses.some((p) => p.ip === PCAPDROID_INTERFACE)) return []
  const notes = [
    `${PCAPDROID_INTERFACE} is the address of PCAPdroid's virtual interface: probably an Android capture made by PCAPdroid in VPN mode, where every connection has this source address; the device's own network addresses are not in the capture`,
  ]
  let dns = 0
  for (let i = 0; i < flows.length; i++) {
    const f = flows[i]!
    if (f.client.ip === PCAPDROID_INTERFACE && f.server.ip === PCAPDROID_DNS && f.server.port === 53) dns++
  }
  if (dns > 0) {
    notes.push(
      `the ${dns} DNS flow${dns === 1 ? '' : 's'} to ${PCAPDROID_DNS} went to PCAPdroid's virtual resolver, which forwards each query to the device's DNS server: that server's address, and so whether the resolver is abroad (CA-GEO-004), is not in the capture`,
    )
  }
  return notes
}

/**
 * Find the vantage from the flows and STUN mapped addresses. `flag` is the `--vantage` value
 * (parsed here when a string).
 */
export function detectVantage(flows: readonly VantageFlow[], stunMapped: readonly StunMapped[] = [], flag?: string | VantageLocation): Vantage {
  const notes: string[] = []
  const {ranked, excluded, onlyLan} = privateCandidates(flows, stunMapped)
  if (ranked.length > MAX_PRIVATE) notes.push(`${ranked.length - MAX_PRIVATE} more client-side private addresses not listed (merged captures or several clients)`)
  const privateAddresses = ranked.slice(0, MAX_PRIVATE)
  if (ranked.length > 1) {
    const first = ranked[0]!
    const why = first.callFlows > 0 ? `the client of ${first.callFlows} of the call's flows` : `the client of ${onlyLan ? first.flows : first.publicFlows} flows to ${onlyLan ? 'other hosts' : 'public servers'}`
    const who = onlyLan ? `no private address talks to a public server; ${ranked.length} talk to other private hosts` : `${ranked.length} private addresses talk to public servers`
    notes.push(`${who} (several hosts on a shared network or in merged captures, or one host with several addresses): ${first.ip} is taken first, ${why}`)
  } else if (onlyLan && ranked.length === 1) {
    notes.push(`${ranked[0]!.ip} is taken for the vantage though it talks to no public server (a capture of LAN traffic only)`)
  }
  notes.push(...pcapdroidNotes(flows, privateAddresses))
  if (excluded.length > 0) {
    const shown = excluded.slice(0, 5).map((e) => `${e.ip} (${e.why})`)
    notes.push(`not the vantage: ${shown.join(', ')}${excluded.length > 5 ? ` and ${excluded.length - 5} more` : ''}`)
  }

  const clientFlows = new Map<string, number>()
  for (let i = 0; i < flows.length; i++) {
    const ip = hostEnd(flows[i]!).ip
    clientFlows.set(ip, (clientFlows.get(ip) ?? 0) + 1)
  }
  // Addresses that are ours: the vantage's private addresses, or (no NAT) the busiest client address.
  const local = new Set(ranked.map((p) => p.ip))
  if (local.size === 0) {
    const top = [...clientFlows.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0]
    if (top) local.add(top[0])
  }
  // A family with a private vantage address is behind NAT (or ULA): no host address there.
  const hostPublic = hostPublicAddress(clientFlows, ranked)
  if (hostPublic) local.add(hostPublic.ip)
  const publics = new Map<string, {ip: string; ports: Set<number>; frames: Set<number>; count: number; attributes: Set<string>; inferred: string | undefined; specified: boolean}>()
  let foreign = 0
  for (const m of stunMapped) {
    if (!isPublicAddress(m.ip)) continue
    if (m.receivedBy !== undefined && !local.has(m.receivedBy)) {
      foreign++
      continue
    }
    let slot = publics.get(m.ip)
    if (!slot) publics.set(m.ip, (slot = {ip: m.ip, ports: new Set(), frames: new Set(), count: 0, attributes: new Set(), inferred: undefined, specified: false}))
    slot.ports.add(m.port)
    slot.frames.add(m.frame)
    slot.count++
    slot.attributes.add(m.attribute ?? 'XOR-MAPPED-ADDRESS')
    if (m.inferred === undefined) slot.specified = true
    else slot.inferred ??= m.inferred
  }
  if (foreign > 0) notes.push(`${foreign} STUN mapped address${foreign === 1 ? '' : 'es'} ignored: in responses sent to peers, not received by the client`)
  const publicAddresses: PublicAddress[] = [...publics.values()]
    .map((p) => {
      const out: PublicAddress = {ip: p.ip, ports: [...p.ports].sort((a, b) => a - b), frames: [...p.frames].sort((a, b) => a - b).slice(0, 20), count: p.count, attributes: [...p.attributes].sort()}
      if (!p.specified && p.inferred !== undefined) out.inferred = p.inferred
      return out
    })
    .sort((a, b) => Number(a.inferred !== undefined) - Number(b.inferred !== undefined) || b.count - a.count || (a.ip < b.ip ? -1 : a.ip > b.ip ? 1 : 0))
  if (publicAddresses.length > 1) notes.push(`${publicAddresses.length} public addresses in STUN (or Discord IP discovery) responses (several networks, NAT pools, or IPv4 and IPv6)`)
  const first = publicAddresses[0]
  if (first?.inferred !== undefined) {
    notes.push(`the public address ${first.ip} is read from ${first.inferred} alone: that it holds the client's mapped address is inferred from captures (MAPPED-ADDRESS's layout, a NAT'd client's public address), not documented`)
  }

  let location: VantageLocation | null = null
  if (flag !== undefined) location = typeof flag === 'string' ? parseVantageFlag(flag) : flag
  const primaryPublic = publicAddresses[0]?.ip ?? null
  const locationSource: Vantage['locationSource'] = location ? 'flag' : primaryPublic ? 'public-address' : hostPublic ? 'host-address' : 'none'
  if (locationSource === 'none') notes.push('no public address seen (no STUN mapped address): give --vantage CC or --vantage lat,lon to place the client')
  return {
    privateAddresses,
    primaryPrivate: privateAddresses[0]?.ip ?? null,
    publicAddresses,
    primaryPublic,
    hostPublic,
    location,
    locationSource,
    notes,
  }
}
