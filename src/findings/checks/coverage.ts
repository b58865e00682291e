import type {Finding, FindingEvidence, ReportFlow} from '../../report/report-model.js'
import {type CheckContext, finding, LOOKUP_ROLES, quote} from '../context.js'
import {factsOf} from '../../analysis/flow-facts.js'
import {hostPort} from '../../util/ip-text.js'

/** Largest flows cited as what the capture holds instead of a call. */
const FLOWS_SHOWN = 5

/**
 * CA-CALL-001: no call in the capture. Every other rule judges call traffic; a capture without
 * any (made before the call, on another interface, or of a call inside a VPN tunnel) would pass
 * them all, and "no findings" would mean "nothing was looked at". A flow is call traffic when its
 * role is media, relay or control, or a conferencing app was identified on it beyond a DNS lookup
 * or LAN discovery (isCallFlow): a capture of lookups alone names the app but holds no call.
 * Call flows that only show an app running (signalling, chat, web: see carriesCall) get the
 * finding too, worded for that (signallingOnly).
 */
export function noCall(ctx: CheckContext): Finding[] {
  if (ctx.callFlows.length > 0) return ctx.callFlows.some(carriesCall) ? [] : [signallingOnly(ctx)]
  const flows = ctx.flows
  const byRole = new Map<string, number>()
  for (const f of flows) byRole.set(f.role, (byRole.get(f.role) ?? 0) + 1)
  const roles = [...byRole].sort(([a, x], [b, y]) => y - x || (a < b ? -1 : 1)).map(([role, n]) => `${role} ${n}`).join(', ')
  const held =
    flows.length === 0 ? 'It holds no IP traffic at all.' : flows.length === 1 ? `It holds 1 flow (${flows[0]!.role}), not a call's.` : `It holds ${flows.length} flows (${roles}), none of them a call's.`
  const tunnel = tunnelSentence(flows)
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
    description: `what the capture holds instead: flow #${f.id} ${f.proto} to ${hostPort(f.remote.ip, f.remote.port)} (${f.role}, ${total(f)} bytes)`,
    frame: f.firstFrame,
    capture: f.capture,
    time: f.firstTime,
    flowId: f.id,
  }))
  return [finding('CA-CALL-001', undefined, detail, evidence, largest.map((f) => f.id))]
}

/** Packets each way from which an app's control flow may be the call itself: media sent over
 * TCP/TLS when UDP is blocked (Zoom, Teams and Webex fall back to TLS on 443) takes 50 or more
 * packets a second each way, while an idle app's signalling or chat connection sends a few. */
export const FALLBACK_MEDIA_PACKETS = 500

/** Whether a call flow shows a call being made, not only an app running: media or a relay, a
 * STUN exchange (ICE connectivity checks and TURN allocations set calls up), or an app's control
 * flow busy enough both ways to carry the media itself. */
function carriesCall(f: ReportFlow): boolean {
  if (f.role === 'media' || f.role === 'relay') return true
  if (factsOf(f).stun) return true
  return f.role === 'control' && f.app !== null && f.packets.toServer >= FALLBACK_MEDIA_PACKETS && f.packets.toClient >= FALLBACK_MEDIA_PACKETS
}

/**
 * CA-CALL-001 when a conferencing app was running but made no call: its signalling, chat or web
 * connections (a messenger keeps its chat connection open all the time), no media, relay, STUN,
 * or control flow busy enough to carry media.
 */
function signallingOnly(ctx: CheckContext): Finding {
  const calls = ctx.callFlows
  const apps = [...new Set(calls.map((f) => f.app).filter((a): a is string => a !== null))].sort()
  const names = apps.map((app) => ctx.identification.apps.find((a) => a.app === app)?.displayName ?? app)
  const byRole = new Map<string, number>()
  for (const f of calls) byRole.set(f.role, (byRole.get(f.role) ?? 0) + 1)
  const roles = [...byRole].sort(([a, x], [b, y]) => y - x || (a < b ? -1 : 1)).map(([role, n]) => `${role} ${n}`).join(', ')
  const who = names.length ? `${names.join(', ')} ${names.length > 1 ? 'were' : 'was'} running` : 'Conferencing servers were contacted'
  const setUp = callSetUp(calls)
  const why = setUp
    ? `A call was set up (${setUp}), but its media is not in the capture: it may have taken another path (a media gateway, an interface that was not captured), or a capture filter left it out.`
    : 'An app signs in, syncs and chats without a call.'
  const detail =
    `No call was found in this capture: ${who} (${calls.length} flow${calls.length === 1 ? '' : 's'}: ${roles}), but no flow carries media or a TURN relay, none sets a call up with STUN, ` +
    `and no control flow is busy enough to carry the media itself (${FALLBACK_MEDIA_PACKETS} packets each way). ${why}${tunnelSentence(ctx.flows)} ` +
    `The findings on these flows stand, but they do not show where a call's media would go. Check that the capture was made during the call, on the interface the call used.`
  const largest = [...calls].sort((a, b) => total(b) - total(a) || a.id - b.id).slice(0, FLOWS_SHOWN)
  const evidence: FindingEvidence[] = largest.map((f) => ({
    description: `flow #${f.id} ${f.proto} to ${hostPort(f.remote.ip, f.remote.port)} (${f.role}${f.app ? `, ${f.app}` : ''}, ${f.packets.toServer}/${f.packets.toClient} packets, ${total(f)} bytes)`,
    frame: f.firstFrame,
    capture: f.capture,
    time: f.firstTime,
    flowId: f.id,
  }))
  return finding('CA-CALL-001', undefined, detail, evidence, largest.map((f) => f.id))
}

/** The first call set-up the signalling shows: a SIP INVITE, an H.323 SETUP, a gatekeeper's
 * admission request (RAS ARQ), an H.245 channel acknowledged, or a Jingle session-initiate (XMPP), with its frame (the earliest,
 * when several flows show one: a relayed Jingle offer is seen going in and coming out). */
function callSetUp(calls: readonly ReportFlow[]): string | undefined {
  let first: {what: string; capture: number; frame: number} | undefined
  const consider = (what: string, e: {capture: number; frame: number}) => {
    if (!first || e.capture < first.capture || (e.capture === first.capture && e.frame < first.frame)) first = {what, capture: e.capture, frame: e.frame}
  }
  for (const f of calls) {
    const facts = factsOf(f)
    const invite = facts.sip?.kept.find((m) => m.method === 'INVITE' && m.requestUri !== undefined)
    if (invite) consider('SIP INVITE', invite.evidence)
    const setup = facts.h323?.kept.find((m) => m.type === 'SETUP' || m.type === 'admissionRequest')
    if (setup) consider(setup.type === 'SETUP' ? 'H.323 SETUP' : 'an H.323 gatekeeper admission request', setup.evidence)
    // A capture that starts after the SETUP still shows the call's H.245 opening its channels.
    const opened = facts.h245?.channels[0] ?? facts.h323?.h245?.channels[0]
    if (opened) consider('an H.245 channel opened (openLogicalChannelAck)', opened.evidence)
    // Facts of reports written before Jingle actions were kept have none.
    const initiate = facts.xmpp?.jingle?.find((j) => j.action === 'session-initiate')
    if (initiate) consider('Jingle session-initiate over XMPP', initiate.evidence)
  }
  return first && `${first.what} in frame ${first.frame}`
}

/** What a VPN tunnel in the capture means for finding the call: ' N flows to X are a VPN tunnel...' or ''. */
function tunnelSentence(flows: readonly ReportFlow[]): string {
  const vpn = flows.filter((f) => f.role === 'vpn')
  if (vpn.length === 0) return ''
  const ends = [...new Set(vpn.map((f) => f.remote.ip))]
  return ` ${vpn.length} flow${vpn.length > 1 ? 's' : ''} to ${ends.slice(0, 3).join(', ')}${ends.length > 3 ? ` and ${ends.length - 3} more` : ''} ${vpn.length > 1 ? 'are' : 'is'} a VPN tunnel: a call inside it is hidden from this capture; capture on the tunnel's own interface to audit it.`
}

function total(f: ReportFlow): number {
  return f.bytes.toServer + f.bytes.toClient
}
