/**
 * SIP in clear (RFC 3261 over UDP or TCP, not TLS): what its messages give away. The analyzer's
 * facts (src/protocols/sip/sip-analyzer.ts) keep each message's From, To, Contact, software and
 * SDP summary.
 */
import type {Finding, FindingEvidence, ReportFlow} from '../../report/report-model.js'
import {factsOf} from '../../analysis/flow-facts.js'
import type {SipMessageFact} from '../../protocols/sip/sip-analyzer.js'
import {type CheckContext, finding, flowsWith, quote, quotedList} from '../context.js'
import {hostPort} from '../../util/ip-text.js'
import {isPrivateAddress} from '../../apps/match.js'

const MAX_ITEMS = 20
const MAX_LISTED = 4

function ev(flow: ReportFlow, description: string, m: SipMessageFact): FindingEvidence {
  return {description, frame: m.evidence.frame, capture: m.evidence.capture, time: m.evidence.time, flowId: flow.id}
}

/**
 * A From or To value as a party: display name and address without the parameters after it (the
 * dialog tag, RFC 3261 §19.3). A quoted display name (§25.1 quoted-string) is read to its closing
 * quote, so a '>' or ';' inside it cuts nothing, and loses its quotes: the finding quotes the whole.
 */
function party(value: string): string {
  let rest = value.trim()
  let display = ''
  if (rest.startsWith('"')) {
    let i = 1
    for (; i < rest.length && rest[i] !== '"'; i++) if (rest[i] === '\\') i++
    display = rest.slice(1, i).replace(/\\(.)/g, '$1')
    rest = rest.slice(i + 1).trim()
  }
  const lt = rest.indexOf('<')
  if (lt < 0) return `${display ? `${display} ` : ''}${rest.split(';')[0]!.trim()}`
  const gt = rest.indexOf('>', lt)
  const address = gt >= 0 ? rest.slice(lt, gt + 1) : rest.slice(lt)
  const name = display || rest.slice(0, lt).trim()
  return name ? `${name} ${address}` : address
}

function list(values: Iterable<string>): string {
  return quotedList(values, MAX_LISTED)
}

function requestText(m: SipMessageFact): string {
  return m.requestUri !== undefined ? `${m.method} ${quote(m.requestUri)}` : `${m.status} answering ${m.method || 'a request'}`
}

/**
 * CA-META-011: SIP signalling in clear. Per flow: the parties its From and To headers name, the
 * software, and the addresses its SDP sends the media to; high when an INVITE sets up a call
 * (who calls whom), medium for registrations and the rest (who is reachable where).
 */
export function cleartextSip(ctx: CheckContext): Finding[] {
  const out: Finding[] = []
  for (const flow of flowsWith(ctx, 'sip')) {
    const sip = factsOf(flow).sip
    if (!sip || sip.kept.length === 0) continue
    const parties = new Set<string>()
    const software = new Set<string>()
    const mediaAt = new Set<string>()
    const candidates = new Set<string>()
    for (const m of sip.kept) {
      if (m.from) parties.add(party(m.from))
      if (m.to) parties.add(party(m.to))
      if (m.software) software.add(m.software)
      for (const address of m.sdp?.connections ?? []) mediaAt.add(address)
      for (const c of m.sdp?.candidates ?? []) candidates.add(c.address)
    }
    if (parties.size === 0) continue
    const invites = sip.kept.filter((m) => m.method === 'INVITE' && m.requestUri !== undefined)
    const call = invites.length > 0
    const parts = [`Unencrypted SIP${sip.transport === 'ws' ? ` over WebSocket (ws://${sip.inflatedMessages ? ', its messages compressed with permessage-deflate, which hides nothing' : ''})` : ''} between ${hostPort(flow.client.ip, flow.client.port)} and ${hostPort(flow.server.ip, flow.server.port)} (${sip.messages} message${sip.messages === 1 ? '' : 's'}) names ${call ? 'the parties of a call' : 'the user'}: ${list(parties)}.`]
    if (software.size) parts.push(`It names the software: ${list(software)}.`)
    if (mediaAt.size) parts.push(`Its SDP says where the media goes: ${list(mediaAt)}.`)
    // ICE candidates (RFC 8839): a host candidate is an address of the device's own interfaces.
    if (candidates.size) parts.push(`Its SDP lists ICE candidates, the devices' own addresses among them: ${list([...candidates].map((c) => (isPrivateAddress(c) ? `${c} (private)` : c)))}.`)
    parts.push(call ? 'Anyone on the path reads who calls whom, when, and from where.' : 'Anyone on the path reads who is registered, from where, and with what software.')
    const shown = call ? [...invites, ...sip.kept.filter((m) => m.method !== 'INVITE')] : sip.kept
    // Retransmissions (the same request again) are listed once.
    const evidence: FindingEvidence[] = []
    const listed = new Set<string>()
    for (const m of shown) {
      const description = `SIP ${requestText(m)}${m.from ? ` from ${quote(party(m.from))}` : ''}${m.to ? ` to ${quote(party(m.to))}` : ''}`
      if (listed.has(description)) continue
      listed.add(description)
      if (evidence.length < MAX_ITEMS) evidence.push(ev(flow, description, m))
    }
    out.push(finding('CA-META-011', call ? 'high' : undefined, parts.join(' '), evidence, [flow.id], flow.remote.ip))
  }
  return out
}

/**
 * CA-CRYPTO-005: SRTP master keys in clear. An SDP `a=crypto` line (SDES, RFC 4568) carries the
 * key inline; sent over unencrypted SIP, anyone on the path can decrypt the call's SRTP media.
 * RFC 4568 §8.3 allows SDES only over signalling that is itself encrypted.
 */
export function srtpKeysInClear(ctx: CheckContext): Finding[] {
  const out: Finding[] = []
  for (const flow of flowsWith(ctx, 'sip')) {
    const sip = factsOf(flow).sip
    const keyed = (sip?.kept ?? []).filter((m) => (m.sdp?.cryptoLines ?? 0) > 0)
    if (keyed.length === 0) continue
    const suites = new Set(keyed.flatMap((m) => m.sdp!.cryptoSuites))
    const lines = keyed.reduce((n, m) => n + m.sdp!.cryptoLines, 0)
    const detail =
      `SIP in clear between ${hostPort(flow.client.ip, flow.client.port)} and ${hostPort(flow.server.ip, flow.server.port)} carries SRTP master keys in its SDP: ${lines} a=crypto line${lines === 1 ? '' : 's'} (${list(suites)}) in ${keyed.length} message${keyed.length === 1 ? '' : 's'}. ` +
      'Whoever reads the signalling can decrypt the media it keys: the SRTP protects nothing against an eavesdropper on this path. (The keys are not shown.)'
    const evidence = keyed.slice(0, MAX_ITEMS).map((m) => {
      const sender = m.sentBy === 'client' ? flow.client : flow.server
      return ev(flow, `SDP with ${m.sdp!.cryptoLines} a=crypto line${m.sdp!.cryptoLines === 1 ? '' : 's'} in SIP ${requestText(m)} sent by ${hostPort(sender.ip, sender.port)}`, m)
    })
    out.push(finding('CA-CRYPTO-005', undefined, detail, evidence, [flow.id], flow.remote.ip))
  }
  return out
}
