import {judgeCountry, type Severity, severityRank} from '../../policy/policy.js'
import type {Finding, FindingEvidence, ReportEndpoint, ReportFlow} from '../../report/report-model.js'
import {CALL_ROLES, type CheckContext, finding, flowEvidence, flowsOf, isCallFlow} from '../context.js'
import {processLabel} from '../../flows/flow-records.js'
import {flowEndText} from '../../util/ip-text.js'

const ROLE_SEVERITY: Record<string, Severity> = {media: 'high', relay: 'high', vpn: 'high', control: 'high', telemetry: 'medium', web: 'medium', other: 'low'}
const ROLE_ORDER = ['media', 'relay', 'vpn', 'control', 'telemetry', 'web', 'other', 'lan']
const MAX_EVIDENCE_FLOWS = 10

function place(e: ReportEndpoint): string {
  const g = e.geo
  if (!g?.country) return 'an unknown country'
  const city = g.city ? `${g.city}, ` : ''
  const src = g.sources['country'] ? ` per ${g.sources['country']}` : ''
  return `${city}${g.country}${src}`
}

function operator(e: ReportEndpoint): string {
  const g = e.geo
  if (!g) return ''
  const parts: string[] = []
  if (g.asn !== undefined) parts.push(`AS${g.asn}${g.asOrg ? ` ${g.asOrg}` : ''}`)
  if (g.registeredCountry) parts.push(`registered in ${g.registeredCountry}`)
  return parts.length ? ` (${parts.join(', ')})` : ''
}

function describeFlow(f: ReportFlow): string {
  const bytes = f.bytes.toServer + f.bytes.toClient
  // Which program sent it, when the capture says (macOS): what an analyst asks next.
  const process = f.process ? `, process ${processLabel(f.process)}` : ''
  return `flow #${f.id} ${f.proto} ${flowEndText(f.client.ip, f.client.port, f.proto)} → ${flowEndText(f.server.ip, f.server.port, f.proto)}: ${f.role}${f.app ? ` (${f.app})` : ''}, ${bytes} bytes${process}`
}

/** The distinct roles of the flows, in ROLE_ORDER. */
function rolesInOrder(flows: readonly ReportFlow[]): string[] {
  const roles: string[] = []
  for (let k = 0; k < flows.length; k++) if (!roles.includes(flows[k]!.role)) roles.push(flows[k]!.role)
  return roles.sort((a, b) => ROLE_ORDER.indexOf(a) - ROLE_ORDER.indexOf(b))
}

// The checks below run once per report, each over every endpoint, mostly before the optimiser
// has compiled them: indexed loops (an unoptimised for-of allocates per element).

/**
 * CA-GEO-001: the call's traffic judged against the policy, per endpoint and by role. It judges
 * the call's flows (isCallFlow: media, relay and control, and every other flow of an identified
 * conferencing app, such as its web and telemetry traffic) and VPN tunnels, which the call may
 * travel in. Other traffic (a browser or the system in the background) is not the call's: its
 * countries are in the report's endpoints and countries, not in this finding.
 */
export function outsidePolicy(ctx: CheckContext): Finding[] {
  const policy = ctx.policy
  const out: Finding[] = []
  for (let i = 0; i < ctx.endpoints.length; i++) {
    const e = ctx.endpoints[i]!
    if (e.judgement.verdict === 'local' || !e.geo?.country) continue
    // The worst judgement so far in locals (an object per improvement was garbage), the
    // offending flows' bytes summed on the way.
    let worstSeverity: Severity | undefined
    let worstReason = ''
    let bytes = 0
    const offending: ReportFlow[] = []
    const flows = flowsOf(ctx, e)
    for (let k = 0; k < flows.length; k++) {
      const f = flows[k]!
      if (!isCallFlow(f) && f.role !== 'vpn') continue
      const j = judgeCountry(policy, e.geo.country, f.role, f.app ?? undefined)
      if (j.verdict !== 'outside' && j.verdict !== 'denied') continue
      offending.push(f)
      bytes += f.bytes.toServer + f.bytes.toClient
      const severity: Severity = j.verdict === 'denied' ? 'critical' : j.roleSeverity ?? ROLE_SEVERITY[f.role] ?? 'low'
      if (worstSeverity === undefined || severityRank(severity) > severityRank(worstSeverity)) {
        worstSeverity = severity
        worstReason = j.reason
      }
    }
    if (worstSeverity === undefined) continue
    const roles = rolesInOrder(offending)
    const names = e.names.length ? ` [${e.names.slice(0, 3).join(', ')}${e.names.length > 3 ? ', ...' : ''}]` : ''
    const detail = `${e.ip}${names} is located in ${place(e)}${operator(e)}: ${worstReason}. It carried ${roles.join(', ')} traffic${e.apps.length ? ` of ${e.apps.join(', ')}` : ''}: ${offending.length} flow${offending.length > 1 ? 's' : ''}, ${bytes} bytes.`
    const evidence: FindingEvidence[] = []
    for (let k = 0; k < offending.length && k < MAX_EVIDENCE_FLOWS; k++) evidence.push(flowEvidence(offending[k]!, describeFlow(offending[k]!)))
    const ids: number[] = []
    for (let k = 0; k < offending.length; k++) ids.push(offending[k]!.id)
    out.push(finding('CA-GEO-001', worstSeverity, detail, evidence, ids, e.ip))
  }
  return out
}

/** CA-GEO-002: located in policy, but registered in a country the policy does not allow. */
export function registeredAbroad(ctx: CheckContext): Finding[] {
  const policy = ctx.policy
  const out: Finding[] = []
  for (let i = 0; i < ctx.endpoints.length; i++) {
    const e = ctx.endpoints[i]!
    const g = e.geo
    if (e.judgement.verdict === 'local' || !g?.country || !g.registeredCountry || g.registeredCountry === g.country) continue
    if (e.judgement.verdict !== 'home' && e.judgement.verdict !== 'allowed') continue
    const j = judgeCountry(policy, g.registeredCountry, e.roles[0], e.apps[0])
    if (j.verdict !== 'outside' && j.verdict !== 'denied') continue
    const flows = flowsOf(ctx, e).filter((f) => f.role !== 'lan')
    if (!flows.length) continue
    const detail = `${e.ip} is located in ${place(e)}, within policy, but its block is registered in ${g.registeredCountry}${g.sources['registeredCountry'] ? ` per ${g.sources['registeredCountry']}` : ''}${g.asOrg ? ` to ${g.asOrg}` : ''} (${j.reason}): that jurisdiction may reach the operator.`
    out.push(finding('CA-GEO-002', undefined, detail, flows.slice(0, MAX_EVIDENCE_FLOWS).map((f) => flowEvidence(f, describeFlow(f))), flows.map((f) => f.id), e.ip))
  }
  return out
}

/** CA-GEO-003: call traffic (media, relay, control) spread over several countries. */
export function splitJurisdictions(ctx: CheckContext): Finding[] {
  const byCountry = new Map<string, ReportFlow[]>()
  for (let i = 0; i < ctx.endpoints.length; i++) {
    const e = ctx.endpoints[i]!
    // An endpoint's roles are those of its flows: most endpoints carry no call traffic.
    if (e.judgement.verdict === 'local' || !e.geo?.country || !e.roles.some((role) => CALL_ROLES.has(role))) continue
    for (const f of flowsOf(ctx, e)) {
      if (!CALL_ROLES.has(f.role)) continue
      const list = byCountry.get(e.geo.country)
      if (list) list.push(f)
      else byCountry.set(e.geo.country, [f])
    }
  }
  if (byCountry.size < 2) return []
  const countries = [...byCountry.keys()].sort()
  const parts = countries.map((c) => {
    const flows = byCountry.get(c)!
    const roles = [...new Set(flows.map((f) => f.role))].sort((a, b) => ROLE_ORDER.indexOf(a) - ROLE_ORDER.indexOf(b))
    return `${c} (${roles.join(', ')}; ${flows.length} flow${flows.length > 1 ? 's' : ''})`
  })
  const all = countries.flatMap((c) => byCountry.get(c)!)
  return [finding('CA-GEO-003', undefined, `The call's media, relay and control traffic went to ${countries.length} countries: ${parts.join(', ')}.`, all.slice(0, MAX_EVIDENCE_FLOWS).map((f) => flowEvidence(f, describeFlow(f))), all.map((f) => f.id))]
}

/**
 * CA-GEO-004: DNS resolvers outside policy. Each DNS flow to a resolver is judged as DNS traffic
 * of its app (`roles.dns` and `apps.<app>` rules apply, as for CA-GEO-001); the finding lists
 * the flows outside the policy, rated by the worst: critical for a denied country, else the
 * policy's `roles.dns.severity`, else the rule's default.
 */
export function resolverAbroad(ctx: CheckContext): Finding[] {
  const policy = ctx.policy
  const out: Finding[] = []
  for (let i = 0; i < ctx.endpoints.length; i++) {
    const e = ctx.endpoints[i]!
    // An endpoint's roles are those of its flows: most endpoints are no resolver.
    if (e.judgement.verdict === 'local' || !e.geo?.country || !e.roles.includes('dns')) continue
    let worst: {severity: Severity | undefined; rank: number; reason: string} | undefined
    const offending: ReportFlow[] = []
    const flows = flowsOf(ctx, e)
    for (let k = 0; k < flows.length; k++) {
      const f = flows[k]!
      if (f.role !== 'dns') continue
      const j = judgeCountry(policy, e.geo.country, 'dns', f.app ?? undefined)
      if (j.verdict !== 'outside' && j.verdict !== 'denied') continue
      offending.push(f)
      // undefined: the rule's default (medium), which ranks as such.
      const severity: Severity | undefined = j.verdict === 'denied' ? 'critical' : j.roleSeverity
      const rank = severityRank(severity ?? DNS_DEFAULT_SEVERITY)
      if (worst === undefined || rank > worst.rank) worst = {severity, rank, reason: j.reason}
    }
    if (worst === undefined) continue
    const detail = `DNS resolver ${e.ip} is located in ${place(e)}${operator(e)}: ${worst.reason}. ${offending.length} DNS flow${offending.length > 1 ? 's' : ''} went to it; every name asked there is seen abroad.`
    out.push(finding('CA-GEO-004', worst.severity, detail, offending.slice(0, MAX_EVIDENCE_FLOWS).map((f) => flowEvidence(f, describeFlow(f))), offending.map((f) => f.id), e.ip))
  }
  return out
}

/** CA-GEO-004's catalogue severity, to rank a role severity against. */
const DNS_DEFAULT_SEVERITY: Severity = 'medium'
