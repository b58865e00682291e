import type {Finding, ReportEndpoint, ReportFlow} from '../../report/report-model.js'
import {factsOf} from '../../analysis/flow-facts.js'
import {type CheckContext, finding, flowEvidence, flowsOf} from '../context.js'

/** Light in fibre: about 200 000 km/s, so 100 km of distance per millisecond of round trip. */
export const KM_PER_RTT_MS = 100
/** Slack on top of the databases' accuracy radii before a location is called impossible. */
const SLACK_KM = 300

/** Great-circle distance (haversine, mean Earth radius 6371 km). */
export function distanceKm(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const rad = Math.PI / 180
  const dLat = (lat2 - lat1) * rad
  const dLon = (lon2 - lon1) * rad
  const a = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(dLon / 2) ** 2
  return 2 * 6371 * Math.asin(Math.min(1, Math.sqrt(a)))
}

interface RttEvidence {
  ms: number
  flow: ReportFlow
  how: string
  frame: number
}

/** The shortest measured round trip to an endpoint: TCP handshakes it answered, STUN transactions. */
function fastestRtt(ctx: CheckContext, e: ReportEndpoint): RttEvidence | undefined {
  // The best so far in locals, one object for the winner: this runs for every located endpoint
  // over all its flows.
  let bestFlow: ReportFlow | undefined
  let bestMs = 0
  let bestFrame = 0
  let bestStun: {message: string} | undefined
  const flows = flowsOf(ctx, e)
  for (let i = 0; i < flows.length; i++) {
    const flow = flows[i]!
    // Both measures are round trips to the flow's server: they count only when it is the remote end.
    if (flow.server.ip !== e.ip) continue
    const handshake = flow.tcp?.handshakeRttMs
    if (handshake != null && (!bestFlow || handshake < bestMs)) {
      bestFlow = flow
      bestMs = handshake
      bestFrame = flow.firstFrame
      bestStun = undefined
    }
    const samples = factsOf(flow).stun?.transactions.samples
    if (!samples) continue
    for (const sample of samples) {
      // Only requests the capturing side sent and the remote end answered, first transmission.
      if (sample.transmissions !== 1) continue
      if (!bestFlow || sample.ms < bestMs) {
        bestFlow = flow
        bestMs = sample.ms
        bestFrame = sample.request.frame
        bestStun = sample
      }
    }
  }
  if (!bestFlow) return undefined
  return {ms: bestMs, flow: bestFlow, how: bestStun === undefined ? 'TCP handshake (SYN → SYN/ACK)' : `STUN ${bestStun.message} transaction`, frame: bestFrame}
}

/** One endpoint's round trip that light cannot make from the vantage to where the database puts it. */
interface Implausible {
  endpoint: ReportEndpoint
  rtt: RttEvidence
  /** Kilometres from the vantage to the database's location. */
  distance: number
  /** Kilometres light in fibre covers in the round trip, plus the radii and the slack granted. */
  reach: number
}

/** Fewest impossible round trips that can point at the vantage rather than at the servers. */
const MIN_FOR_VANTAGE = 3

/**
 * CA-GEO-005: the round trip from the vantage is shorter than light in fibre needs to reach the
 * database's location. Careful by construction: both ends need city-level coordinates (a
 * country-level point says nothing about distance), the accuracy radii and a slack are granted,
 * and only the fastest measured round trip counts.
 *
 * When several servers fail the test and could all be near one place (each pair no farther
 * apart than their two reaches allow), and they are at least half of the servers measured, one
 * wrong vantage explains them all better than as many wrong database entries: a VPN or proxy
 * exit geolocated for the vantage, or a wrong `--vantage`. That is one finding about the
 * vantage, not one per server. Servers spread wider than any one place could reach stay
 * findings of their own (anycast, mislabelled ranges).
 */
export function implausibleLocation(ctx: CheckContext): Finding[] {
  const v = ctx.vantage
  if (!v.location) return []
  const given = v.source.startsWith('--vantage')
  const vantageRadius = given ? 0 : v.geo?.accuracyRadiusKm
  if (!given && !v.geo?.city) return []
  const implausible: Implausible[] = []
  let measured = 0
  for (let i = 0; i < ctx.endpoints.length; i++) {
    const e = ctx.endpoints[i]!
    const g = e.geo
    if (e.judgement.verdict === 'local' || !g || g.latitude === undefined || g.longitude === undefined || !g.city) continue
    const rtt = fastestRtt(ctx, e)
    if (!rtt || rtt.ms <= 0) continue
    measured++
    const distance = distanceKm(v.location.lat, v.location.lon, g.latitude, g.longitude)
    const reach = rtt.ms * KM_PER_RTT_MS + (g.accuracyRadiusKm ?? 0) + SLACK_KM / 2
    if (distance <= reach + (vantageRadius ?? 0) + SLACK_KM / 2) continue
    implausible.push({endpoint: e, rtt, distance, reach})
  }
  if (implausible.length >= MIN_FOR_VANTAGE && implausible.length * 2 >= measured && nearOnePlace(implausible)) {
    return [vantageFinding(implausible, measured, v.source, given)]
  }
  return implausible.map(({endpoint: e, rtt, distance}) => {
    const g = e.geo!
    const reach = rtt.ms * KM_PER_RTT_MS
    const detail =
      `${e.ip} answered a ${rtt.how} in ${rtt.ms} ms, which light in fibre (about ${KM_PER_RTT_MS} km per ms of round trip) can cover for at most ${Math.round(reach)} km; ` +
      `the database places it in ${g.city}, ${g.country ?? '?'} (${g.sources['latitude'] ?? 'database'}), ${Math.round(distance)} km from the vantage${given ? ` (${v.source})` : ''}. ` +
      `The server is closer than the database says (anycast or a mislabelled range)${given ? ', or the given vantage is not where the capture was made' : ''}: do not quote its country without checking.`
    return finding('CA-GEO-005', undefined, detail, [flowEvidence(rtt.flow, `${rtt.how} of ${rtt.ms} ms, frame ${rtt.frame}`)], [rtt.flow.id], e.ip)
  })
}

/** Distinct server locations compared pairwise at most: beyond it (servers in thousands of
 * places) they are not taken as near one place, and each keeps its finding. */
const MAX_PLACES = 2048

/**
 * Whether every pair of servers could be reached from one point: no two farther apart than the
 * sum of their reaches (a necessary condition, cheap, and what the finding claims). Servers at
 * the same coordinates (a database places a whole hosting range at one city's point) are
 * compared once, with the shortest reach among them, which decides every pair they are part
 * of: the pairs grow with the places, not with the servers (a VPN capture can reach tens of
 * thousands of servers in one city).
 */
function nearOnePlace(list: readonly Implausible[]): boolean {
  const places = new Map<string, {lat: number; lon: number; reach: number}>()
  for (const {endpoint, reach} of list) {
    const g = endpoint.geo!
    const key = `${g.latitude},${g.longitude}`
    const place = places.get(key)
    if (!place) places.set(key, {lat: g.latitude!, lon: g.longitude!, reach})
    else if (reach < place.reach) place.reach = reach
  }
  if (places.size > MAX_PLACES) return false
  const all = [...places.values()]
  for (let i = 0; i < all.length; i++) {
    const a = all[i]!
    for (let j = i + 1; j < all.length; j++) {
      const b = all[j]!
      if (distanceKm(a.lat, a.lon, b.lat, b.lon) > a.reach + b.reach) return false
    }
  }
  return true
}

/** Servers shown by name in the finding's text (all are in its evidence). */
const NAMED_IN_TEXT = 3

function vantageFinding(list: readonly Implausible[], measured: number, source: string, given: boolean): Finding {
  // Fastest first: the strongest evidence leads; then by address for a stable order.
  const sorted = [...list].sort((a, b) => a.rtt.ms - b.rtt.ms || (a.endpoint.ip < b.endpoint.ip ? -1 : a.endpoint.ip > b.endpoint.ip ? 1 : 0))
  const examples = sorted
    .slice(0, NAMED_IN_TEXT)
    .map(({endpoint: e, rtt, distance}) => `${e.ip} (${e.geo!.city}, ${e.geo!.country ?? '?'}) in ${rtt.ms} ms, ${Math.round(distance)} km away`)
  const more = sorted.length > NAMED_IN_TEXT ? `, and ${sorted.length - NAMED_IN_TEXT} more` : ''
  const cause = given
    ? `the given vantage (${source}) is probably not where the capture was made`
    : `the vantage is probably not where its public address geolocates (${source}): a VPN or proxy exit, or a wrong entry for that address`
  const detail =
    `${sorted.length} of the ${measured} servers with a measured round trip answered faster than light in fibre (about ${KM_PER_RTT_MS} km per ms) allows from the vantage: ${examples.join('; ')}${more}. ` +
    `They could all be near one place, so one wrong vantage explains them better than ${sorted.length} wrong database entries: ${cause}. ` +
    `Set --vantage to where the capture was made; until then the round-trip checks say nothing about these servers' locations.`
  const evidence = sorted.map(({endpoint: e, rtt}) => flowEvidence(rtt.flow, `${e.ip}: ${rtt.how} of ${rtt.ms} ms, frame ${rtt.frame}`))
  return finding('CA-GEO-005', undefined, detail, evidence, [...new Set(sorted.map((x) => x.rtt.flow.id))].sort((a, b) => a - b))
}
