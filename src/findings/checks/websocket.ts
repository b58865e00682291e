/**
 * WebRTC signalling in clear over a ws:// WebSocket: the session descriptions, trickled ICE
 * candidates and secrets its JSON messages carried (src/protocols/websocket/ws-analyzer.ts).
 */
import type {Finding, FindingEvidence} from '../../report/report-model.js'
import {factsOf} from '../../analysis/flow-facts.js'
import {isPrivateAddress} from '../../apps/match.js'
import {type CheckContext, finding, flowsWith, quote, quotedList} from '../context.js'
import {hostPort} from '../../util/ip-text.js'

const MAX_ITEMS = 20
const MAX_LISTED = 6

function list(values: Iterable<string>): string {
  return quotedList(values, MAX_LISTED)
}

/**
 * CA-META-017: a call's WebRTC signalling in clear. Per connection: its SDP offers and answers and
 * trickled candidates (the devices' addresses), SDES keys in an SDP, and the JSON members that
 * hold secrets (a room PIN, an API secret, a token); high when a secret or a key went in clear.
 */
export function cleartextWebRtcSignalling(ctx: CheckContext): Finding[] {
  const out: Finding[] = []
  for (const flow of flowsWith(ctx, 'websocket')) {
    const ws = factsOf(flow).websocket
    if (!ws || (ws.sdps.length === 0 && ws.candidates.length === 0)) continue
    const addresses = [...ws.sdps.flatMap((s) => s.sdp.candidates.map((c) => c.address)), ...ws.candidates.map((c) => c.address)]
    const keyed = ws.sdps.filter((s) => s.sdp.cryptoLines > 0)
    const parts = [
      `WebRTC signalling went in clear over an unencrypted WebSocket (ws://${ws.protocol ? `, subprotocol ${quote(ws.protocol)}` : ''}) between ${hostPort(flow.client.ip, flow.client.port)} and ${hostPort(flow.server.ip, flow.server.port)}: ${ws.sdps.length} session description${ws.sdps.length === 1 ? '' : 's'}${ws.candidates.length ? ` and ${ws.candidates.length} trickled ICE candidate${ws.candidates.length === 1 ? '' : 's'}` : ''}.`,
    ]
    if (ws.inflated) parts.push(`${ws.inflated} of its messages were compressed (permessage-deflate, RFC 7692), which hides nothing: they were inflated and read.`)
    if (addresses.length) parts.push(`The ICE candidates give the devices' own addresses: ${list(addresses.map((a) => (isPrivateAddress(a) ? `${a} (private)` : a)))}.`)
    if (keyed.length) parts.push(`${keyed.length} SDP${keyed.length === 1 ? ' carries' : 's carry'} SRTP master keys (a=crypto): the media can be decrypted.`)
    if (ws.secrets.length) parts.push(`Secrets were sent in clear (their values are not shown): ${list(ws.secrets.map((s) => `${s.name} (by the ${s.sentBy})`))}; whoever reads them can join or manage the room.`)
    parts.push('Anyone on the path reads how the call is set up and where its media goes; wss:// (TLS) hides it.')
    const evidence: FindingEvidence[] = []
    // The SDP's type and media, and a candidate's address, are the capture's text: quoted.
    for (const s of ws.sdps) evidence.push({description: `SDP ${s.type ? `${quote(s.type)} ` : ''}sent by the ${s.sentBy}: ${s.sdp.media.map((m) => quote(`${m.type} ${m.proto}`)).join(', ') || 'no media'}${s.sdp.candidates.length ? `, ${s.sdp.candidates.length} ICE candidates` : ''}`, frame: s.evidence.frame, capture: s.evidence.capture, time: s.evidence.time, flowId: flow.id})
    for (const c of ws.candidates) evidence.push({description: `ICE candidate ${quote(`${c.type} ${c.transport} ${c.address} ${c.port}`)} trickled by the ${c.sentBy}`, frame: c.evidence.frame, capture: c.evidence.capture, time: c.evidence.time, flowId: flow.id})
    for (const s of ws.secrets) evidence.push({description: `secret ${quote(s.name)} sent in clear by the ${s.sentBy}`, frame: s.evidence.frame, capture: s.evidence.capture, time: s.evidence.time, flowId: flow.id})
    evidence.sort((a, b) => (a.frame ?? 0) - (b.frame ?? 0))
    out.push(finding('CA-META-017', ws.secrets.length || keyed.length ? 'high' : undefined, parts.join(' '), evidence.slice(0, MAX_ITEMS), [flow.id], flow.remote.ip))
  }
  return out
}
