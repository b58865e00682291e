/**
 * H.323 in clear: call signalling (Q.931 with H.225.0, TCP 1720), RAS with a gatekeeper (UDP
 * 1719) and the call's H.245 media control: what its messages give away. The analyzers' facts
 * (src/protocols/h323/h323-analyzer.ts, h245-analyzer.ts) keep each message's Display, numbers,
 * aliases and the sending device, and the media addresses H.245 acknowledges.
 */
import type {Finding, FindingEvidence, ReportFlow} from '../../report/report-model.js'
import {factsOf} from '../../analysis/flow-facts.js'
import {endpointText, type H323MessageFact} from '../../protocols/h323/h323-analyzer.js'
import type {H245Address} from '../../protocols/h323/h245-message.js'
import type {H245Facts} from '../../protocols/h323/h245-tally.js'
import {type CheckContext, finding, flowsWith, quote, quotedList} from '../context.js'
import {hostPort} from '../../util/ip-text.js'

const MAX_ITEMS = 20
const MAX_LISTED = 4

function list(values: Iterable<string>): string {
  return quotedList(values, MAX_LISTED)
}

/** Who a message names: its Display, numbers and aliases, each as a reader would say it. */
function partiesOf(m: H323MessageFact): string[] {
  const out: string[] = []
  if (m.display) out.push(`display name ${m.display}`)
  if (m.callingNumber) out.push(`calling number ${m.callingNumber}`)
  if (m.calledNumber) out.push(`called number ${m.calledNumber}`)
  for (const a of m.sourceAliases) out.push(`caller ${a.type} ${a.value}`)
  for (const a of m.destinationAliases) out.push(`called ${a.type} ${a.value}`)
  return out
}

function device(m: H323MessageFact): string | undefined {
  return m.endpoint && (m.endpoint.productId || m.endpoint.versionId) ? endpointText(m.endpoint) : undefined
}

function ev(flow: ReportFlow, description: string, m: H323MessageFact): FindingEvidence {
  return {description, frame: m.evidence.frame, capture: m.evidence.capture, time: m.evidence.time, flowId: flow.id}
}

/**
 * CA-META-016: H.323 call signalling in clear. Per flow: the parties its messages name (Display,
 * calling and called numbers, H.225.0 aliases) and the devices (product, version, vendor code);
 * high when a SETUP starts a call, medium otherwise.
 */
export function cleartextH323(ctx: CheckContext): Finding[] {
  const out: Finding[] = []
  for (const flow of flowsWith(ctx, 'h323')) {
    const h323 = factsOf(flow).h323
    if (!h323) continue
    const parties = h323.kept.flatMap(partiesOf)
    const devices = h323.kept.map(device).filter((d): d is string => d !== undefined)
    if (parties.length === 0 && devices.length === 0) continue
    // A SETUP starts a call; over RAS an admissionRequest asks the gatekeeper to admit one.
    const call = h323.kept.some((m) => m.type === 'SETUP' || m.type === 'admissionRequest')
    const ras = h323.transport === 'udp'
    const what = ras ? 'H.323 RAS (registration with a gatekeeper and admission of calls)' : 'H.323 call signalling'
    const parts = [`Unencrypted ${what} between ${hostPort(flow.client.ip, flow.client.port)} and ${hostPort(flow.server.ip, flow.server.port)} (${h323.messages} ${ras ? 'RAS' : 'Q.931'} message${h323.messages === 1 ? '' : 's'})${call ? (ras ? ' admits a call' : ' sets up a call') : ''}.`]
    if (parties.length) parts.push(`It names the parties: ${list(parties)}.`)
    if (devices.length) parts.push(`It names the devices: ${list(devices)}.`)
    parts.push('Anyone on the path reads who calls whom, when, and with what equipment.')
    const evidence: FindingEvidence[] = []
    const listed = new Set<string>()
    for (const m of h323.kept) {
      const named = partiesOf(m)
      const d = device(m)
      if (named.length === 0 && !d) continue
      const description = `H.323 ${m.type} sent by ${m.sentBy === 'client' ? hostPort(flow.client.ip, flow.client.port) : hostPort(flow.server.ip, flow.server.port)}${named.length ? `: ${named.map(quote).join(', ')}` : ''}${d ? `; device ${quote(d)}` : ''}`
      if (listed.has(description)) continue
      listed.add(description)
      if (evidence.length < MAX_ITEMS) evidence.push(ev(flow, description, m))
    }
    out.push(finding('CA-META-016', call ? 'high' : undefined, parts.join(' '), evidence, [flow.id], flow.remote.ip))
  }
  for (const flow of flowsWith(ctx, 'h245')) out.push(...cleartextH245(flow, factsOf(flow).h245, false))
  for (const flow of flowsWith(ctx, 'h323')) out.push(...cleartextH245(flow, factsOf(flow).h323?.h245, true))
  return out
}

const addressText = (a: H245Address) => hostPort(a.ip, a.port)

/** CA-META-016 for H.245 on a connection of its own, or `tunnelled` in the call signalling: the
 * call's media control in clear, and where its media goes. */
function cleartextH245(flow: ReportFlow, h245: H245Facts | undefined, tunnelled: boolean): Finding[] {
  if (!h245) return []
  const receivers = [...new Set([...h245.channels, ...(h245.opened ?? [])].flatMap((c) => [...(c.mediaChannel ? [`${addressText(c.mediaChannel)} (RTP)`] : []), ...(c.mediaControlChannel ? [`${addressText(c.mediaControlChannel)} (RTCP)`] : [])]))]
  const what = tunnelled ? 'Unencrypted H.245 media control tunnelled in the H.323 call signalling' : 'Unencrypted H.245 media control of an H.323 call'
  const parts = [`${what} between ${hostPort(flow.client.ip, flow.client.port)} and ${hostPort(flow.server.ip, flow.server.port)} (${h245.messages} message${h245.messages === 1 ? '' : 's'}).`]
  const media = [...new Set((h245.opened ?? []).map((o) => `${o.medium}${o.codec ? ` ${o.codec}` : ''}`))]
  if (media.length) parts.push(`It opens ${list(media)} channels.`)
  if (receivers.length) parts.push(`It says where each side receives the call's media: ${list(receivers)}.`)
  parts.push('Anyone on the path learns the call\'s capabilities and channels, and where to find its media.')
  const evidence: FindingEvidence[] = h245.channels.slice(0, MAX_ITEMS).map((c) => ({
    description: `H.245 openLogicalChannelAck sent by ${c.sentBy === 'client' ? hostPort(flow.client.ip, flow.client.port) : hostPort(flow.server.ip, flow.server.port)}: media to ${c.mediaChannel ? addressText(c.mediaChannel) : 'no address'}, RTCP to ${c.mediaControlChannel ? addressText(c.mediaControlChannel) : 'no address'}`,
    frame: c.evidence.frame,
    capture: c.evidence.capture,
    time: c.evidence.time,
    flowId: flow.id,
  }))
  return [finding('CA-META-016', undefined, parts.join(' '), evidence, [flow.id], flow.remote.ip)]
}
