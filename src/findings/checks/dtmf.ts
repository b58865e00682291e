/**
 * Keys a caller pressed, readable in clear: RTP telephone-events (src/protocols/rtp/
 * telephone-events.ts), SIP INFO requests (src/protocols/sip/sip-dtmf.ts) and H.245 userInput
 * indications (src/protocols/h323/h245-message.ts).
 */
import type {Finding, FindingEvidence, ReportFlow} from '../../report/report-model.js'
import type {Evidence} from '../../protocols/analyzer.js'
import type {KeyPressFacts, RtpStreamFact} from '../../protocols/rtp/analyzer.js'
import {factsOf} from '../../analysis/flow-facts.js'
import {type CheckContext, finding, flowsWith} from '../context.js'
import {hostPort} from '../../util/ip-text.js'

const MAX_ITEMS = 20

const NOT_SHOWN = 'anyone on the path reads each key (a conference PIN, a passcode, an account or card number typed into a voice menu). The keys are not shown here.'

const presses = (n: number) => `${n} DTMF key press${n === 1 ? '' : 'es'}`
const between = (flow: ReportFlow) => `between ${hostPort(flow.client.ip, flow.client.port)} and ${hostPort(flow.server.ip, flow.server.port)}`

function evidenceAt(flow: ReportFlow, description: string, e: Evidence): FindingEvidence {
  return {description, frame: e.frame, capture: e.capture, time: e.time, flowId: flow.id}
}

/** The streams of an RTP flow whose key presses `pick` finds: their senders, the presses in all,
 * and where each stream's first press starts. */
function streamKeyPresses(flow: ReportFlow, pick: (s: RtpStreamFact) => KeyPressFacts | undefined): {count: number; senders: string[]; evidence: FindingEvidence[]} | undefined {
  const streams = factsOf(flow).rtp?.streams.filter((s) => pick(s) !== undefined) ?? []
  if (!streams.length) return undefined
  return {
    count: streams.reduce((n, s) => n + pick(s)!.keyPresses, 0),
    senders: [...new Set(streams.map((s) => (s.sentBy === 'client' ? hostPort(flow.client.ip, flow.client.port) : hostPort(flow.server.ip, flow.server.port))))],
    evidence: streams.slice(0, MAX_ITEMS).map((s) => {
      const t = pick(s)!
      return evidenceAt(flow, `SSRC ${s.ssrc} (${s.sentBy}): ${t.keyPresses} key press${t.keyPresses === 1 ? '' : 'es'} on payload type ${t.payloadType}, the first starting here`, t.first)
    }),
  }
}

/**
 * CA-META-019: DTMF key presses sent as RFC 4733 telephone-events in plain RTP, or in SIP INFO
 * requests or H.245 userInput indications in clear. One finding per flow, counting the presses
 * (of each stream); the keys themselves are in no report.
 */
export function cleartextKeyPresses(ctx: CheckContext): Finding[] {
  const out: Finding[] = []
  for (const flow of flowsWith(ctx, 'rtp')) {
    const keys = streamKeyPresses(flow, (s) => s.telephoneEvents)
    if (!keys) continue
    const detail = `${presses(keys.count)} went in clear as RTP telephone-events (RFC 4733) ${between(flow)}, sent by ${keys.senders.join(' and ')}: ${NOT_SHOWN}`
    out.push(finding('CA-META-019', undefined, detail, keys.evidence, [flow.id], flow.remote.ip))
  }
  for (const flow of flowsWith(ctx, 'sip')) {
    const dtmf = factsOf(flow).sip?.dtmf
    if (!dtmf) continue
    const detail = `${presses(dtmf.keyPresses)} went in clear in SIP INFO requests (${dtmf.contentTypes.join(', ')}) ${between(flow)}: ${NOT_SHOWN}`
    out.push(finding('CA-META-019', undefined, detail, [evidenceAt(flow, `the first SIP INFO request with a DTMF key (of ${dtmf.keyPresses})`, dtmf.first)], [flow.id], flow.remote.ip))
  }
  const h245Flows = [...flowsWith(ctx, 'h245').map((flow) => ({flow, keys: factsOf(flow).h245?.keys, how: 'of an H.323 call'})), ...flowsWith(ctx, 'h323').map((flow) => ({flow, keys: factsOf(flow).h323?.h245?.keys, how: 'tunnelled in the H.323 call signalling'}))]
  for (const {flow, keys, how} of h245Flows) {
    if (!keys) continue
    const n = keys.keyPresses
    const detail = `${n} DTMF key indication${n === 1 ? '' : 's'} went in clear in H.245 userInput messages (${keys.forms.join(', ')}) ${how} ${between(flow)}: ${NOT_SHOWN}`
    out.push(finding('CA-META-019', undefined, detail, [evidenceAt(flow, `the first H.245 userInput with keys (of ${n})`, keys.first)], [flow.id], flow.remote.ip))
  }
  return out
}

/**
 * CA-META-020: key presses in SRTP, counted by their shape: the keys are encrypted, their number
 * and timing are not. One finding per flow.
 */
export function countableKeyPresses(ctx: CheckContext): Finding[] {
  const out: Finding[] = []
  for (const flow of flowsWith(ctx, 'rtp')) {
    const keys = streamKeyPresses(flow, (s) => s.encryptedTelephoneEvents)
    if (!keys) continue
    const detail =
      `${presses(keys.count)} went as telephone-events in encrypted media (SRTP) ${between(flow)}: ` +
      'the keys are encrypted, but anyone on the path counts them and sees when each was pressed (the length of a PIN or passcode, the rhythm of typing it).'
    out.push(finding('CA-META-020', undefined, detail, keys.evidence, [flow.id], flow.remote.ip))
  }
  return out
}
