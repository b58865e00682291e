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

/**
 * CA-GEO-005: the round trip from the vantage is shorter than light in fibre needs to reach the
 * database's location. Careful by construction: both ends need city-level coordinates (a
 * country-level point says nothing about distance), the accuracy radii and a slack are granted,
 * and only the fastest measured round trip counts.
 */
export function implausibleLocation(ctx: CheckContext): Finding[] {
  const v = ctx.vantage
  if (!v.location) return []
  const given = v.source.startsWith('--vantage')
  const vantageRadius = given ? 0 : v.geo?.accuracyRadiusKm
  if (!given && !v.geo?.city) return []
  const out: Finding[] = []
  for (let i = 0; i < ctx.endpoints.length; i++) {
    const e = ctx.endpoints[i]!
    const g = e.geo
    if (e.judgement.verdict === 'local' || !g || g.latitude === undefined || g.longitude === undefined || !g.city) continue
    const rtt = fastestRtt(ctx, e)
    if (!rtt || rtt.ms <= 0) continue
    const distance = distanceKm(v.location.lat, v.location.lon, g.latitude, g.longitude)
    const reach = rtt.ms * KM_PER_RTT_MS
    const allowance = (vantageRadius ?? 0) + (g.accuracyRadiusKm ?? 0) + SLACK_KM
    if (distance <= reach + allowance) continue
    const detail =
      `${e.ip} answered a ${rtt.how} in ${rtt.ms} ms, which light in fibre (about ${KM_PER_RTT_MS} km per ms of round trip) can cover for at most ${Math.round(reach)} km; ` +
      `the database places it in ${g.city}, ${g.country ?? '?'} (${g.sources['latitude'] ?? 'database'}), ${Math.round(distance)} km from the vantage${given ? ` (${v.source})` : ''}. ` +
      `The server is closer than the database says (anycast or a mislabelled range)${given ? ', or the given vantage is not where the capture was made' : ''}: do not quote its country without checking.`
    out.push(finding('CA-GEO-005', undefined, detail, [flowEvidence(rtt.flow, `${rtt.how} of ${rtt.ms} ms, frame ${rtt.frame}`)], [rtt.flow.id], e.ip))
  }
  return out
}
