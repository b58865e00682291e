/**
 * XMPP (Jabber) in clear: who signed in, how, and what they joined
 * (src/protocols/xmpp/xmpp-analyzer.ts).
 */
import type {Finding, FindingEvidence} from '../../report/report-model.js'
import {factsOf} from '../../analysis/flow-facts.js'
import {type CheckContext, finding, flowsWith, quote, quotedList} from '../context.js'
import {hostPort} from '../../util/ip-text.js'

const MAX_ITEMS = 20

/** SASL mechanisms whose exchange lets an eavesdropper guess the password offline (a
 * challenge-response over a password: DIGEST-MD5, CRAM-MD5, SCRAM-*). */
const GUESSABLE = /^(?:DIGEST-MD5|CRAM-MD5|SCRAM-.*)$/i

/**
 * CA-META-018: XMPP read in clear (no STARTTLS before the stream said anything). High when the
 * password went in clear (SASL PLAIN) or an exchange that lets it be guessed offline; medium
 * otherwise.
 */
export function cleartextXmpp(ctx: CheckContext): Finding[] {
  const out: Finding[] = []
  for (const flow of flowsWith(ctx, 'xmpp')) {
    const x = factsOf(flow).xmpp
    if (!x || x.starttls) continue
    const stanzas = x.stanzas.message + x.stanzas.presence + x.stanzas.iq
    if (!x.sasl && !x.jid && stanzas === 0) continue
    const parts = [`XMPP (Jabber) went in clear between ${hostPort(flow.client.ip, flow.client.port)} and ${hostPort(flow.server.ip, flow.server.port)}${x.domain ? ` (server domain ${quote(x.domain)})` : ''}, ${x.transport === 'ws' ? 'over an unencrypted WebSocket (ws://)' : x.transport === 'bosh' ? 'over BOSH on plain HTTP (http://)' : 'without STARTTLS'}: ${x.stanzas.message} message, ${x.stanzas.presence} presence and ${x.stanzas.iq} iq stanzas.`]
    const guessable = x.sasl !== null && GUESSABLE.test(x.sasl.mechanism)
    if (x.sasl) {
      const who = x.sasl.user ? ` for ${quote(x.sasl.user)}` : ''
      if (x.sasl.passwordInClear) parts.push(`The client signed in with SASL PLAIN${who}: the password itself went in clear (it is not shown here).`)
      else if (guessable) parts.push(`The client signed in with SASL ${quote(x.sasl.mechanism)}${who}: the exchange lets anyone who recorded it guess the password offline.`)
      else parts.push(`The client signed in with SASL ${quote(x.sasl.mechanism)}${who}.`)
    }
    if (x.jid) parts.push(`The server bound the address ${quote(x.jid.value)}.`)
    if (x.occupants.length) parts.push(`It joined ${x.occupants.length === 1 ? 'a room' : 'rooms'}: ${quotedList(x.occupants.map((o) => o.jid), 4)}.`)
    if (x.candidates.length) parts.push(`Its Jingle call offers list ICE candidates: ${quotedList(x.candidates.map((c) => c.address), 6)}.`)
    parts.push('Anyone on the path reads who signs in, their contacts, presence, messages and call set-up.')
    const evidence: FindingEvidence[] = []
    const at = (description: string, e: {frame: number; capture: number; time: string}) => evidence.push({description, frame: e.frame, capture: e.capture, time: e.time, flowId: flow.id})
    if (x.sasl) at(`SASL ${quote(x.sasl.mechanism)} authentication${x.sasl.user ? ` of ${quote(x.sasl.user)}` : ''}${x.sasl.passwordInClear ? ', password in clear' : ''}`, x.sasl.evidence)
    if (x.jid) at(`bound JID ${quote(x.jid.value)}`, x.jid.evidence)
    for (const o of x.occupants) at(`joined room ${quote(o.jid)}`, o.evidence)
    for (const c of x.candidates) at(`Jingle ICE candidate ${quote(`${c.type} ${c.transport} ${c.address} ${c.port}`)} sent by the ${c.sentBy}`, c.evidence)
    out.push(finding('CA-META-018', x.sasl?.passwordInClear || guessable ? 'high' : undefined, parts.join(' '), evidence.slice(0, MAX_ITEMS), [flow.id], flow.remote.ip))
  }
  return out
}
