import type {GeoAnswer, GeoResolver} from '../geo/resolver.js'
import {judgeCountry, type Policy} from '../policy/policy.js'
import type {JudgementVerdict, ReportEndpoint, ReportFlow, ReportGeo} from '../report/report-model.js'

/** The normalised geolocation of an address as the report shows it, each field's source kept. */
export function reportGeo(answer: GeoAnswer): ReportGeo {
  const geo: ReportGeo = {sources: {}}
  const f = answer.fields
  const take = <K extends keyof ReportGeo>(key: K, field: keyof typeof f, cast: (v: unknown) => ReportGeo[K] | undefined) => {
    const sourced = f[field]
    if (!sourced) return
    const value = cast(sourced.value)
    if (value === undefined) return
    geo[key] = value
    geo.sources[key] = sourced.source
  }
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined)
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined)
  take('country', 'country', str)
  take('registeredCountry', 'registeredCountry', str)
  take('city', 'city', str)
  take('latitude', 'latitude', num)
  take('longitude', 'longitude', num)
  take('accuracyRadiusKm', 'accuracyRadius', num)
  take('asn', 'asn', num)
  take('asOrg', 'asOrg', str)
  if (answer.special) geo.special = `${answer.special.name} (${answer.special.network})`
  return geo
}

/** Role order by how much a jurisdiction finding about it matters (worst first). */
export const ROLE_WEIGHT: Record<string, number> = {media: 0, relay: 1, control: 2, telemetry: 3, web: 4, dns: 5, other: 6, lan: 7}

/**
 * One entry per remote address: the flows to it, their roles and apps, names seen for it, its
 * geolocation and how the policy judges its country (for the most important role it plays).
 */
export function buildEndpoints(flows: readonly ReportFlow[], resolver: GeoResolver, policy: Policy | undefined, names: Map<string, Set<string>>): ReportEndpoint[] {
  const byIp = new Map<string, ReportEndpoint>()
  for (const flow of flows) {
    const ip = flow.remote.ip
    let e = byIp.get(ip)
    if (!e) {
      e = {ip, names: [], roles: [], apps: [], flowIds: [], packets: 0, bytes: 0, firstFrame: flow.firstFrame, geo: null, judgement: {verdict: 'unknown', reason: ''}}
      byIp.set(ip, e)
    }
    e.flowIds.push(flow.id)
    e.packets += flow.packets.toServer + flow.packets.toClient
    e.bytes += flow.bytes.toServer + flow.bytes.toClient
    if (!e.roles.includes(flow.role)) e.roles.push(flow.role)
    if (flow.app && !e.apps.includes(flow.app)) e.apps.push(flow.app)
  }
  const out = [...byIp.values()]
  for (const e of out) {
    e.roles.sort((a, b) => (ROLE_WEIGHT[a] ?? 9) - (ROLE_WEIGHT[b] ?? 9))
    e.apps.sort()
    e.names = [...(names.get(e.ip) ?? [])].sort()
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

function judge(e: ReportEndpoint, answer: GeoAnswer | undefined, policy: Policy | undefined): {verdict: JudgementVerdict; reason: string} {
  if (answer?.special) return {verdict: 'local', reason: `${answer.special.name}: not a location, never foreign`}
  if (!policy) return {verdict: 'unjudged', reason: 'no home jurisdiction set'}
  const role = e.roles[0]
  const app = e.apps[0]
  const j = judgeCountry(policy, e.geo?.country, role, app)
  return {verdict: j.verdict, reason: j.reason}
}
