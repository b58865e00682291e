import type {GeoAnswer, GeoResolver} from '../geo/resolver.js'
import {judgeCountry, type Policy} from '../policy/policy.js'
import type {JudgementVerdict, ReportEndpoint, ReportFlow, ReportGeo} from '../report/report-model.js'

/** The normalised geolocation of an address as the report shows it, each field's source kept. */
export function reportGeo(answer: GeoAnswer): ReportGeo {
  // Once per endpoint (tens of thousands): plain statements, no closures made per call.
  const geo: ReportGeo = {sources: {}}
  const f = answer.fields
  let v = f.country
  if (v && typeof v.value === 'string') ((geo.country = v.value), (geo.sources.country = v.source))
  v = f.registeredCountry
  if (v && typeof v.value === 'string') ((geo.registeredCountry = v.value), (geo.sources.registeredCountry = v.source))
  v = f.city
  if (v && typeof v.value === 'string') ((geo.city = v.value), (geo.sources.city = v.source))
  v = f.latitude
  if (v && isNumber(v.value)) ((geo.latitude = v.value), (geo.sources.latitude = v.source))
  v = f.longitude
  if (v && isNumber(v.value)) ((geo.longitude = v.value), (geo.sources.longitude = v.source))
  v = f.accuracyRadius
  if (v && isNumber(v.value)) ((geo.accuracyRadiusKm = v.value), (geo.sources.accuracyRadiusKm = v.source))
  v = f.asn
  if (v && isNumber(v.value)) ((geo.asn = v.value), (geo.sources.asn = v.source))
  v = f.asOrg
  if (v && typeof v.value === 'string') ((geo.asOrg = v.value), (geo.sources.asOrg = v.source))
  if (answer.special) geo.special = `${answer.special.name} (${answer.special.network})`
  return geo
}

function isNumber(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v)
}

/** The empty name and app lists endpoints share until they have one (never pushed to: an
 * endpoint's own list replaces it). Frozen, so a push by mistake throws instead of giving every
 * endpoint the value. */
const NO_NAMES: string[] = Object.freeze([]) as unknown as string[]
const NO_APPS: string[] = Object.freeze([]) as unknown as string[]

/** Role order by how much a jurisdiction finding about it matters (worst first). */
export const ROLE_WEIGHT: Record<string, number> = {media: 0, relay: 1, control: 2, telemetry: 3, web: 4, dns: 5, other: 6, lan: 7}

/**
 * One entry per remote address: the flows to it, their roles and apps, names seen for it, its
 * geolocation and how the policy judges its country (for the most important role it plays).
 */
export function buildEndpoints(flows: readonly ReportFlow[], resolver: GeoResolver, policy: Policy, names: Map<string, Set<string>>): ReportEndpoint[] {
  const byIp = new Map<string, ReportEndpoint>()
  // Indexed loops: once per report over every flow, mostly before the optimiser has compiled
  // it (an unoptimised for-of allocates per element).
  for (let i = 0; i < flows.length; i++) {
    const flow = flows[i]!
    const ip = flow.remote.ip
    let e = byIp.get(ip)
    if (!e) {
      // The lists start with their first element rather than empty: an array grown by push from
      // empty gets room for 17 elements (about 150 bytes), and most endpoints (every one of a
      // scan) keep a single flow and role.
      e = {ip, names: NO_NAMES, roles: [flow.role], apps: flow.app ? [flow.app] : NO_APPS, flowIds: [flow.id], packets: 0, bytes: 0, firstFrame: flow.firstFrame, geo: null, judgement: {verdict: 'unknown', reason: ''}}
      byIp.set(ip, e)
    } else {
      e.flowIds.push(flow.id)
      if (!e.roles.includes(flow.role)) e.roles.push(flow.role)
      if (flow.app && !e.apps.includes(flow.app)) e.apps = e.apps === NO_APPS ? [flow.app] : [...e.apps, flow.app]
    }
    e.packets += flow.packets.toServer + flow.packets.toClient
    e.bytes += flow.bytes.toServer + flow.bytes.toClient
  }
  const out = [...byIp.values()]
  for (let i = 0; i < out.length; i++) {
    const e = out[i]!
    e.roles.sort((a, b) => (ROLE_WEIGHT[a] ?? 9) - (ROLE_WEIGHT[b] ?? 9))
    e.apps.sort()
    const seen = names.get(e.ip)
    e.names = seen ? [...seen].sort() : NO_NAMES
    let answer: GeoAnswer | undefined
    try {
      answer = resolver.lookup(e.ip)
    } catch {
      answer = undefined
    }
    e.geo = answer ? reportGeo(answer) : null
    e.judgement = judge(e, answer, policy)
  }
  return out.sort((a, b) => b.bytes - a.bytes || (a.ip < b.ip ? -1 : a.ip > b.ip ? 1 : 0))
}

function judge(e: ReportEndpoint, answer: GeoAnswer | undefined, policy: Policy): {verdict: JudgementVerdict; reason: string} {
  if (answer?.special) return {verdict: 'local', reason: `${answer.special.name}: not a location, never foreign`}
  const role = e.roles[0]
  const app = e.apps[0]
  const j = judgeCountry(policy, e.geo?.country, role, app)
  return {verdict: j.verdict, reason: j.reason}
}
