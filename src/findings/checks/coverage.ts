import type {Finding, FindingEvidence, ReportFlow} from '../../report/report-model.js'
import {type CheckContext, finding, LOOKUP_ROLES, quote} from '../context.js'

/** Largest flows cited as what the capture holds instead of a call. */
const FLOWS_SHOWN = 5

/**
 * CA-CALL-001: no call in the capture. Every other rule judges call traffic; a capture without
 * any (made before the call, on another interface, or of a call inside a VPN tunnel) would pass
 * them all, and "no findings" would mean "nothing was looked at". A flow is call traffic when its
 * role is media, relay or control, or a conferencing app was identified on it beyond a DNS lookup
 * or LAN discovery (isCallFlow): a capture of lookups alone names the app but holds no call.
 */
export function noCall(ctx: CheckContext): Finding[] {
  if (ctx.callFlows.length > 0) return []
  const flows = ctx.flows
  const byRole = new Map<string, number>()
  for (const f of flows) byRole.set(f.role, (byRole.get(f.role) ?? 0) + 1)
  const roles = [...byRole].sort(([a, x], [b, y]) => y - x || (a < b ? -1 : 1)).map(([role, n]) => `${role} ${n}`).join(', ')
  const vpn = flows.filter((f) => f.role === 'vpn')
  const vpnEnds = [...new Set(vpn.map((f) => f.remote.ip))]
  const held =
    flows.length === 0 ? 'It holds no IP traffic at all.' : flows.length === 1 ? `It holds 1 flow (${flows[0]!.role}), not a call's.` : `It holds ${flows.length} flows (${roles}), none of them a call's.`
  const tunnel = vpn.length
    ? ` ${vpn.length} flow${vpn.length > 1 ? 's' : ''} to ${vpnEnds.slice(0, 3).join(', ')}${vpnEnds.length > 3 ? ` and ${vpnEnds.length - 3} more` : ''} ${vpn.length > 1 ? 'are' : 'is'} a VPN tunnel: a call inside it is hidden from this capture; capture on the tunnel's own interface to audit it.`
    : ''
  const filters = ctx.captureFilters ?? []
  const filtered = filters.length
    ? ` The capture was recorded with the capture filter ${filters.slice(0, 3).map(quote).join(', ')}${filters.length > 3 ? ` and ${filters.length - 3} more` : ''}: the call's traffic may be what it left out.`
    : ''
  // Apps named only by DNS lookups or LAN discovery: said, so the report's app list and this
  // finding do not read as a contradiction.
  const lookedUp = [...new Set(flows.filter((f) => f.app !== null && LOOKUP_ROLES.has(f.role)).map((f) => f.app!))].sort()
  const names = lookedUp.map((app) => ctx.identification.apps.find((a) => a.app === app)?.displayName ?? app)
  const apps = names.length
    ? `${names.join(', ')} ${names.length > 1 ? 'were' : 'was'} named only in DNS lookups or LAN discovery, which happen without a call; no flow carries media, a TURN relay, meeting control or other traffic of a conferencing app.`
    : 'no conferencing app was identified and no flow carries media, a TURN relay or meeting control.'
  const detail =
    `No call traffic was found in this capture: ${apps} ${held}${tunnel}${filtered} ` +
    `So this report cannot say where a call went, and its other results do not show that a call stayed in policy. Check that the capture was made during the call, on the interface the call used.`
  const largest = [...flows].sort((a, b) => total(b) - total(a) || a.id - b.id).slice(0, FLOWS_SHOWN)
  const evidence: FindingEvidence[] = largest.map((f) => ({
    description: `what the capture holds instead: flow #${f.id} ${f.proto} to ${f.remote.ip}:${f.remote.port} (${f.role}, ${total(f)} bytes)`,
    frame: f.firstFrame,
    capture: f.capture,
    time: f.firstTime,
    flowId: f.id,
  }))
  return [finding('CA-CALL-001', undefined, detail, evidence, largest.map((f) => f.id))]
}

function total(f: ReportFlow): number {
  return f.bytes.toServer + f.bytes.toClient
}
