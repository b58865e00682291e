/**
 * H.323 in clear: call signalling (Q.931 with H.225.0, TCP 1720) and RAS with a gatekeeper (UDP
 * 1719): what its messages give away. The analyzer's facts (src/protocols/h323/h323-analyzer.ts)
 * keep each message's Display, numbers, aliases and the sending device.
 */
import type {Finding, FindingEvidence, ReportFlow} from '../../report/report-model.js'
import {factsOf} from '../../analysis/flow-facts.js'
import {endpointText, type H323MessageFact} from '../../protocols/h323/h323-analyzer.js'
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
  return out
}
