/**
 * The vantage point: where the capturing client sits. Its private addresses come from the flows
 * (the most frequent client-side private addresses), its public address from STUN mapped
 * addresses the client received, and its location either from `--vantage CC` /
 * `--vantage lat,lon` or, later in the pipeline, from geolocating the public address.
 */
import {InputError} from '../errors.js'
import {isPrivateAddress, isPublicAddress} from './match.js'

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

/** The minimum of a flow the vantage needs (FlowEvidence and FlowRecord both fit). */
export interface VantageFlow {
  client: {ip: string; port: number}
  server: {ip: string; port: number}
  packets: {toServer: number; toClient: number}
  bytes: {toServer: number; toClient: number}
}

export interface PrivateAddress {
  ip: string
  flows: number
  packets: number
  bytes: number
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
 * Find the vantage from the flows and STUN mapped addresses. `flag` is the `--vantage` value
 * (parsed here when a string).
 */
export function detectVantage(flows: readonly VantageFlow[], stunMapped: readonly StunMapped[] = [], flag?: string | VantageLocation): Vantage {
  const notes: string[] = []
  const byIp = new Map<string, PrivateAddress>()
  const clientFlows = new Map<string, number>()
  // Indexed: this runs once per report, over every flow, mostly before the optimiser has
  // compiled it (an unoptimised for-of allocates per element).
  for (let i = 0; i < flows.length; i++) {
    const f = flows[i]!
    clientFlows.set(f.client.ip, (clientFlows.get(f.client.ip) ?? 0) + 1)
    if (!isPrivateAddress(f.client.ip)) continue
    let slot = byIp.get(f.client.ip)
    if (!slot) byIp.set(f.client.ip, (slot = {ip: f.client.ip, flows: 0, packets: 0, bytes: 0}))
    slot.flows++
    slot.packets += f.packets.toServer + f.packets.toClient
    slot.bytes += f.bytes.toServer + f.bytes.toClient
  }
  const ranked = [...byIp.values()].sort((a, b) => b.flows - a.flows || b.packets - a.packets || (a.ip < b.ip ? -1 : a.ip > b.ip ? 1 : 0))
  if (ranked.length > MAX_PRIVATE) notes.push(`${ranked.length - MAX_PRIVATE} more client-side private addresses not listed (merged captures or several clients)`)
  const privateAddresses = ranked.slice(0, MAX_PRIVATE)

  // Addresses that are ours: the private client addresses, or (no NAT) the busiest client address.
  const local = new Set(ranked.map((p) => p.ip))
  if (local.size === 0) {
    const top = [...clientFlows.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0]
    if (top) local.add(top[0])
  }
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
  if (publicAddresses.length > 1) notes.push(`${publicAddresses.length} public addresses in STUN responses (several networks, NAT pools, or IPv4 and IPv6)`)
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
