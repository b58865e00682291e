import {factsOf} from '../analysis/flow-facts.js'
import type {Evidence} from '../protocols/analyzer.js'
import type {CertificateMessageFacts, ClientHelloFacts} from '../protocols/tls/hello-facts.js'
import type {RtpStreamFact} from '../protocols/rtp/analyzer.js'
import type {ZoomMediaKind} from '../protocols/zoom/analyzer.js'
import type {ReportEndpoint, ReportFlow} from '../report/report-model.js'
import type {DraftEvent} from './replay-event.js'
import {flowEndText, hostPort} from '../util/ip-text.js'
import {withoutTag} from '../protocols/sip/sip-analyzer.js'
import {endpointText, type H323MessageFact} from '../protocols/h323/h323-analyzer.js'

/** SIP requests shown as events: those that set up, end or register. */
const SIP_EVENT_METHODS = new Set(['INVITE', 'BYE', 'CANCEL', 'REGISTER'])
/** H.323 messages that start, answer or end a call, or register an endpoint with its gatekeeper. */
const H323_EVENT_TYPES = new Set(['SETUP', 'CONNECT', 'RELEASE COMPLETE', 'registrationRequest', 'admissionRequest'])

/** DNS answer records shown in one event's text (the detail has all that the facts kept). */
const MAX_ANSWERS_SHOWN = 6

export interface FlowEventOptions {
  /** The read is over: every media stream has stopped. */
  final: boolean
  /**
   * While a read goes on, whether a stream last seen at `last` counts as stopped: true when the
   * capture has gone on long enough past it (replay --follow); ignored when `final`.
   */
  stoppedBy: (last: Evidence | {time: string; capture: number}) => boolean
}

/** Everything a flow's record says happened on it, as draft events (not yet ordered). */
export function flowEvents(flow: ReportFlow, endpoint: ReportEndpoint | undefined, options: FlowEventOptions): DraftEvent[] {
  const out: DraftEvent[] = [newFlowEvent(flow, endpoint)]
  const facts = factsOf(flow)
  const at = (e: Evidence) => ({time: e.time, capture: e.capture, frame: e.frame, flowId: flow.id, severity: null})
  const server = hostPort(flow.server.ip, flow.server.port)

  facts.dns?.messages.forEach((m, index) => {
    if (!m.response) return
    const question = m.questions[0]
    const answers = m.records.filter((r) => r.section === 'answer')
    const shown = answers.slice(0, MAX_ANSWERS_SHOWN).map((r) => `${r.typeName} ${r.data ?? '?'}`)
    if (answers.length > MAX_ANSWERS_SHOWN) shown.push(`+${answers.length - MAX_ANSWERS_SHOWN} more`)
    const result = answers.length ? shown.join(', ') : m.rcodeName === 'NOERROR' ? 'no answer' : m.rcodeName
    const service = facts.dns!.service === 'dns' ? 'DNS' : facts.dns!.service === 'mdns' ? 'mDNS' : 'LLMNR'
    const resolver = facts.dns!.resolver
    out.push({
      kind: 'dns',
      id: `dns:${flow.id}:${index}`,
      ...at(m.evidence),
      text: `${service} ${question ? `${question.name} ${question.typeName} →` : 'announcement:'} ${result}${resolver ? ` (resolver ${resolver.ip})` : ''}`,
      detail: {
        service: facts.dns!.service,
        name: question?.name ?? null,
        type: question?.typeName ?? null,
        rcode: m.rcodeName,
        answers: answers.map((r) => ({name: r.name, type: r.typeName, ttl: r.ttl, data: r.data})),
        resolver: resolver ? resolver.ip : null,
      },
    })
  })

  const hello = (protocol: string, h: ClientHelloFacts | undefined) => {
    if (h?.sni === undefined) return
    out.push(sniEvent(flow, protocol, h.evidence, h.sni, {alpn: h.alpn, ech: h.ech}, server))
  }
  hello('tls', facts.tls?.clientHello)
  for (const extra of facts.tls?.extraClientHellos ?? []) if (extra.sni !== undefined) out.push(sniEvent(flow, 'tls', extra.evidence, extra.sni, {alpn: [], ech: false}, server))
  hello(facts.quic?.family === 'gquic' ? 'gquic' : 'quic', facts.quic?.clientHello)
  if (facts.quic?.chlo?.sni !== undefined) out.push(sniEvent(flow, 'gquic', facts.quic.chlo.evidence, facts.quic.chlo.sni, {alpn: [], ech: false, userAgent: facts.quic.chlo.userAgent ?? null}, server))
  hello('dtls', facts.dtls?.clientHello)

  for (const message of facts.tls?.certificates ?? []) out.push(certificateEvent(flow, 'tls', message))
  for (const message of facts.dtls?.certificates ?? []) out.push(certificateEvent(flow, 'dtls', message))

  const stun = facts.stun
  if (stun) {
    for (const a of stun.mappedAddresses) {
      const scope = a.scope ? ` (${a.scope}: the caller's private address)` : ''
      const via = a.via === 'turn-data' ? ', relayed in a TURN Data indication' : a.via === 'channel-data' ? ', relayed in TURN ChannelData' : ''
      out.push({
        kind: 'stun-mapped',
        id: `stun-mapped:${flow.id}:${a.attribute}:${a.ip}:${a.port}:${a.sentBy}:${a.message}:${a.via ?? ''}`,
        ...at(a.first),
        text: `${a.attribute} ${hostPort(a.ip, a.port)}${scope} ${a.sentBy === 'server' ? 'from' : 'to'} ${server} (${a.message}${via})`,
        detail: {attribute: a.attribute, ip: a.ip, port: a.port, scope: a.scope ?? null, message: a.message, sentBy: a.sentBy, via: a.via ?? null, server},
      })
    }
    const lifetime = Math.max(0, ...stun.lifetimes)
    const realm = stun.realms[0]?.text ?? null
    for (const a of stun.relayedAddresses) {
      out.push({
        kind: 'turn-allocation',
        id: `turn-allocation:${flow.id}:${a.ip}:${a.port}`,
        ...at(a.first),
        text: `TURN relay ${hostPort(a.ip, a.port)} allocated on ${server}${realm !== null ? ` (realm ${realm})` : ''}${lifetime ? `, lifetime ${lifetime} s` : ''}`,
        detail: {relayed: {ip: a.ip, port: a.port}, server, realm, lifetimeSeconds: lifetime || null, message: a.message},
      })
    }
  }

  // Zoom's media type for an SSRC, where the Zoom analyzer saw it inside its encapsulation.
  const zoomKindBySsrc = new Map<string, ZoomMediaKind>()
  for (const m of facts.zoom?.media ?? []) for (const s of m.ssrcs) zoomKindBySsrc.set(`${s.ssrc}:${s.sentBy}`, m.kind)
  for (const s of facts.rtp?.streams ?? []) out.push(...rtpStreamEvents(flow, s, zoomKindBySsrc.get(`${s.ssrc}:${s.sentBy}`), options))

  const zoom = facts.zoom
  if (zoom) {
    const media = zoom.media.filter((m) => m.kind !== 'rtcp')
    for (const m of media) {
      const packets = m.toServer + m.toClient
      out.push({
        kind: 'media-start',
        id: `media-start:${flow.id}:zoom:${m.innerType}`,
        ...at(m.first),
        text: `Zoom ${m.kind === 'unknown' ? `media of type ${m.innerType} (kind unknown)` : m.kind} with ${server}${m.ssrcs.length ? ` (SSRC ${m.ssrcs.map((s) => s.ssrc).join(', ')})` : ''}`,
        detail: {source: 'zoom', zoomMediaType: m.kind, innerType: m.innerType, ssrcs: m.ssrcs.map((s) => ({ssrc: s.ssrc, sentBy: s.sentBy})), packetsSoFar: packets},
      })
    }
    // The Zoom facts date each media type's first packet only; the flow's last packet ends them.
    const end = {time: flow.lastTime, capture: flow.capture}
    if (media.length && (options.final || options.stoppedBy(end))) {
      out.push({
        kind: 'media-stop',
        id: `media-stop:${flow.id}:zoom@${flow.lastTime}`,
        time: flow.lastTime,
        capture: flow.capture,
        frame: null,
        flowId: flow.id,
        severity: null,
        text: `Zoom media on ${server} ends: last packet of the flow (${media.map((m) => (m.kind === 'unknown' ? `type ${m.innerType}` : m.kind)).join(', ')})`,
        detail: {source: 'zoom', zoomMediaTypes: media.map((m) => m.kind), packets: flow.packets.toServer + flow.packets.toClient},
      })
    }
  }

  // SIP: each request that sets up, ends or registers (retransmissions once), and the final
  // answer to each INVITE or REGISTER.
  const sipSeen = new Set<string>()
  for (const m of facts.sip?.kept ?? []) {
    const request = m.requestUri !== undefined
    if (request ? !SIP_EVENT_METHODS.has(m.method) : (m.status ?? 0) < 200 || (m.method !== 'INVITE' && m.method !== 'REGISTER')) continue
    // One event per request and answer of a dialog or registration (its Call-ID): a
    // retransmission, or a registration refreshed every few minutes, is not another.
    const key = request ? `${m.method} ${m.callId ?? m.requestUri}` : `${m.status} ${m.method} ${m.callId ?? ''}`
    if (sipSeen.has(key)) continue
    sipSeen.add(key)
    const sender = m.sentBy === 'client' ? flow.client : flow.server
    const sdp = m.sdp
    const keys = sdp && sdp.cryptoLines > 0 ? ', SRTP keys in clear' : ''
    out.push({
      kind: 'sip',
      id: `sip:${flow.id}:${sipSeen.size}`,
      ...at(m.evidence),
      text: request
        ? `SIP ${m.method} ${m.requestUri} from ${m.from ? withoutTag(m.from) : '?'} to ${m.to ? withoutTag(m.to) : '?'} (sent by ${hostPort(sender.ip, sender.port)}${sdp ? `, media at ${sdp.connections.join(', ') || '?'}` : ''}${keys})`
        : `SIP ${m.status} ${m.reason ?? ''} (${m.method}) (sent by ${hostPort(sender.ip, sender.port)}${sdp ? `, media at ${sdp.connections.join(', ') || '?'}` : ''}${keys})`,
      detail: {
        method: m.method,
        status: m.status ?? null,
        requestUri: m.requestUri ?? null,
        from: m.from,
        to: m.to,
        software: m.software,
        sentBy: m.sentBy,
        mediaAddresses: sdp?.connections ?? [],
        srtpKeysInClear: (sdp?.cryptoLines ?? 0) > 0,
      },
    })
  }

  // H.323: each SETUP, CONNECT and RELEASE COMPLETE, each registration and admission request
  // to a gatekeeper (repeated registrations of the same aliases once).
  const h323Seen = new Set<string>()
  for (const m of facts.h323?.kept ?? []) {
    if (!H323_EVENT_TYPES.has(m.type)) continue
    const parties = h323Parties(m)
    const key = `${m.type} ${m.sentBy} ${parties}`
    if (h323Seen.has(key)) continue
    h323Seen.add(key)
    const sender = m.sentBy === 'client' ? flow.client : flow.server
    const device = m.endpoint && (m.endpoint.productId || m.endpoint.versionId) ? endpointText(m.endpoint) : null
    out.push({
      kind: 'h323',
      id: `h323:${flow.id}:${h323Seen.size}`,
      ...at(m.evidence),
      text: `H.323 ${m.type}${parties ? ` ${parties}` : ''} (sent by ${hostPort(sender.ip, sender.port)}${device ? `, device ${device}` : ''})`,
      detail: {
        type: m.type,
        display: m.display,
        callingNumber: m.callingNumber,
        calledNumber: m.calledNumber,
        sourceAliases: m.sourceAliases.map((a) => `${a.type}:${a.value}`),
        destinationAliases: m.destinationAliases.map((a) => `${a.type}:${a.value}`),
        device,
        sentBy: m.sentBy,
      },
    })
  }

  // H.245 (on its own connection, or tunnelled in the call signalling): each channel opened, with
  // where its media and RTCP go.
  for (const channels of [facts.h245?.channels, facts.h323?.h245?.channels]) {
    for (const c of channels ?? []) {
      const sender = c.sentBy === 'client' ? flow.client : flow.server
      const address = (a: {ip: string; port: number} | null) => (a ? hostPort(a.ip, a.port) : null)
      out.push({
        kind: 'h323',
        id: `h323:${flow.id}:olc:${c.evidence.capture}:${c.evidence.frame}:${address(c.mediaChannel)}`,
        ...at(c.evidence),
        text: `H.245 openLogicalChannelAck: media to ${address(c.mediaChannel) ?? 'no address'}, RTCP to ${address(c.mediaControlChannel) ?? 'no address'} (sent by ${hostPort(sender.ip, sender.port)})`,
        detail: {type: 'openLogicalChannelAck', sessionId: c.sessionId, mediaChannel: address(c.mediaChannel), mediaControlChannel: address(c.mediaControlChannel), sentBy: c.sentBy},
      })
    }
  }

  // XMPP in clear: the sign-in (SASL), the bound address, each room joined and each Jingle
  // session-initiate, session-accept and session-terminate: who is online, where, and their calls.
  const x = facts.xmpp
  if (x && !x.starttls) {
    const server = hostPort(flow.server.ip, flow.server.port)
    let n = 0
    const push = (evidence: Evidence, text: string, detail: Record<string, unknown>) => out.push({kind: 'xmpp', id: `xmpp:${flow.id}:${++n}`, ...at(evidence), text, detail})
    if (x.sasl) push(x.sasl.evidence, `XMPP sign-in (SASL ${x.sasl.mechanism}${x.sasl.user ? `, user ${x.sasl.user}` : ''}${x.sasl.passwordInClear ? ', password in clear' : ''}) to ${server}`, {what: 'sign-in', mechanism: x.sasl.mechanism, user: x.sasl.user, passwordInClear: x.sasl.passwordInClear})
    if (x.jid) push(x.jid.evidence, `XMPP address bound: ${x.jid.value} (by ${server})`, {what: 'bound', jid: x.jid.value})
    for (const o of x.occupants) push(o.evidence, `XMPP room joined: ${o.jid}`, {what: 'room', jid: o.jid})
    // Facts of reports written before Jingle actions were kept have none.
    for (const j of x.jingle ?? []) {
      if (!JINGLE_EVENT_ACTIONS.has(j.action)) continue
      const sender = j.sentBy === 'client' ? flow.client : flow.server
      push(j.evidence, `Jingle ${j.action}${j.sid ? ` ${j.sid}` : ''} (sent by ${hostPort(sender.ip, sender.port)})`, {what: 'jingle', action: j.action, sid: j.sid, sentBy: j.sentBy})
    }
  }

  // WebRTC signalling over ws://: each session description (an offer or answer: where the
  // media would go) and each secret sent in clear (its name, never its value).
  const ws = facts.websocket
  if (ws) {
    let n = 0
    const sender = (by: 'client' | 'server') => (by === 'client' ? flow.client : flow.server)
    for (const d of ws.sdps) {
      const from = sender(d.sentBy)
      const media = d.sdp.media.map((m) => `${m.type} ${m.proto}`).join(', ') || 'no media'
      out.push({
        kind: 'websocket',
        id: `websocket:${flow.id}:${++n}`,
        ...at(d.evidence),
        text: `WebRTC ${d.type ?? 'session description'} over ws:// (sent by ${hostPort(from.ip, from.port)}): ${media}${d.sdp.candidates.length ? `, ICE candidates ${d.sdp.candidates.map((c) => c.address).join(', ')}` : ''}${d.sdp.cryptoLines > 0 ? ', SRTP keys in clear' : ''}`,
        detail: {what: 'sdp', type: d.type, sentBy: d.sentBy, media: d.sdp.media.map((m) => `${m.type} ${m.proto}`), candidates: d.sdp.candidates.map((c) => c.address), srtpKeysInClear: d.sdp.cryptoLines > 0},
      })
    }
    for (const secret of ws.secrets) {
      const from = sender(secret.sentBy)
      out.push({kind: 'websocket', id: `websocket:${flow.id}:${++n}`, ...at(secret.evidence), text: `WebRTC signalling secret "${secret.name}" sent in clear over ws:// (by ${hostPort(from.ip, from.port)})`, detail: {what: 'secret', name: secret.name, sentBy: secret.sentBy}})
    }
  }

  for (const s of facts.rtp?.rtcp?.sdes ?? []) {
    out.push({
      kind: 'sdes',
      id: `sdes:${flow.id}:${s.ssrc}:${s.item}:${s.text}`,
      ...at(s.first),
      text: `RTCP SDES ${s.item} ${JSON.stringify(s.text)} from the ${s.sentBy} (SSRC ${s.ssrc}) to ${server}`,
      detail: {ssrc: s.ssrc, item: s.item, value: s.text, sentBy: s.sentBy, count: s.count},
    })
  }

  // Keys the caller pressed, each where it started: which key never (the facts do not hold it).
  const between = `${hostPort(flow.client.ip, flow.client.port)} ↔ ${server}`
  const keyPresses = (carrier: string, presses: readonly Evidence[], what: string, detail: Record<string, unknown>, tag = '') =>
    presses.forEach((e, i) => out.push({kind: 'dtmf', id: `dtmf:${flow.id}:${carrier}${tag}:${i + 1}`, ...at(e), text: `DTMF key press ${i + 1} ${what}`, detail: {carrier, press: i + 1, ...detail}}))
  for (const s of facts.rtp?.streams ?? []) {
    const from = s.sentBy === 'client' ? hostPort(flow.client.ip, flow.client.port) : server
    if (s.telephoneEvents) keyPresses('rtp', s.telephoneEvents.presses ?? [], `readable in clear: an RTP telephone-event from ${from} (SSRC ${s.ssrc})`, {ssrc: s.ssrc, sentBy: s.sentBy}, `:${s.ssrc}`)
    if (s.encryptedTelephoneEvents) keyPresses('srtp', s.encryptedTelephoneEvents.presses ?? [], `in SRTP from ${from} (SSRC ${s.ssrc}): the key encrypted, the press seen`, {ssrc: s.ssrc, sentBy: s.sentBy}, `:${s.ssrc}`)
  }
  if (facts.sip?.dtmf) keyPresses('sip-info', facts.sip.dtmf.presses ?? [], `readable in clear in a SIP INFO request (${between})`, {})
  if (facts.h245?.keys) keyPresses('h245', facts.h245.keys.presses ?? [], `readable in clear in an H.245 userInput (${between})`, {})
  if (facts.h323?.h245?.keys) keyPresses('h245', facts.h323.h245.keys.presses ?? [], `readable in clear in an H.245 userInput tunnelled in the call signalling (${between})`, {})
  return out
}

function newFlowEvent(flow: ReportFlow, endpoint: ReportEndpoint | undefined): DraftEvent {
  const geo = endpoint?.geo ?? null
  const where = geo?.special
    ? geo.special
    : [geo?.city, geo?.country].filter(Boolean).join(', ') + (geo?.registeredCountry && geo.registeredCountry !== geo.country ? ` (registered ${geo.registeredCountry})` : '')
  const operator = geo?.asn !== undefined ? `AS${geo.asn}${geo.asOrg ? ` ${geo.asOrg}` : ''}` : ''
  const verdict = endpoint?.judgement.verdict ?? 'local'
  const parts = [`${flow.proto} ${flowEndText(flow.client.ip, flow.client.port, flow.proto)} → ${flowEndText(flow.server.ip, flow.server.port, flow.proto)}`, `${flow.role}${flow.app ? ` (${flow.app})` : ''}`]
  if (where) parts.push(where)
  if (operator) parts.push(operator)
  parts.push(verdict)
  return {
    kind: 'flow',
    id: `flow:${flow.id}`,
    time: flow.firstTime,
    capture: flow.capture,
    frame: flow.firstFrame,
    flowId: flow.id,
    severity: null,
    text: parts.join(' · '),
    detail: {
      proto: flow.proto,
      client: flow.client,
      server: flow.server,
      remote: flow.remote,
      role: flow.role,
      app: flow.app,
      ...(flow.tunnel ? {tunnel: flow.tunnel.type} : {}),
      geo: geo
        ? {country: geo.country ?? null, registeredCountry: geo.registeredCountry ?? null, city: geo.city ?? null, asn: geo.asn ?? null, asOrg: geo.asOrg ?? null, special: geo.special ?? null}
        : null,
      verdict,
    },
  }
}

function sniEvent(flow: ReportFlow, protocol: string, evidence: Evidence, sni: string, extra: {alpn: string[]; ech: boolean; userAgent?: string | null}, server: string): DraftEvent {
  const label = protocol === 'tls' ? 'TLS' : protocol === 'quic' ? 'QUIC' : protocol === 'gquic' ? 'gQUIC' : 'DTLS'
  const notes = [extra.alpn.length ? `ALPN ${extra.alpn.join(',')}` : '', extra.ech ? 'with an ECH extension (the name is in clear unless it is an ECH public name: browsers send a GREASE one to every server)' : '', extra.userAgent ? `UAID ${extra.userAgent}` : ''].filter(Boolean)
  return {
    kind: 'sni',
    id: `sni:${flow.id}:${protocol}:${evidence.capture}:${evidence.frame}`,
    time: evidence.time,
    capture: evidence.capture,
    frame: evidence.frame,
    flowId: flow.id,
    severity: null,
    text: `${label} SNI ${sni} → ${server}${notes.length ? ` (${notes.join('; ')})` : ''}`,
    detail: {protocol, sni, alpn: extra.alpn, ech: extra.ech, ...(extra.userAgent !== undefined ? {userAgent: extra.userAgent} : {}), server},
  }
}

function certificateEvent(flow: ReportFlow, protocol: 'tls' | 'dtls', message: CertificateMessageFacts): DraftEvent {
  const leaf = message.chain[0]
  const subject = leaf?.subjectCN ?? leaf?.subject?.join(', ') ?? (leaf ? `unparsed, SHA-256 ${leaf.fingerprint256}` : 'empty chain')
  const flags = [leaf?.selfSigned ? 'self-signed' : '', leaf?.expired ? 'expired' : '', leaf?.notYetValid ? 'not yet valid' : ''].filter(Boolean)
  const sans = leaf?.sanDns ?? []
  const text = [
    `${protocol.toUpperCase()} certificate from the ${message.sentBy}: ${subject}`,
    leaf?.issuerCN ? `issued by ${leaf.issuerCN}` : '',
    leaf?.validTo ? `valid to ${leaf.validTo.slice(0, 10)}` : '',
    sans.length ? `${sans.length} DNS name${sans.length > 1 ? 's' : ''}` : '',
    `${message.chain.length} in chain`,
  ].filter(Boolean).join(', ')
  return {
    kind: 'certificate',
    id: `certificate:${flow.id}:${protocol}:${message.evidence.capture}:${message.evidence.frame}:${message.sentBy}`,
    time: message.evidence.time,
    capture: message.evidence.capture,
    frame: message.evidence.frame,
    flowId: flow.id,
    severity: null,
    text: flags.length ? `${text} [${flags.join(', ')}]` : text,
    detail: {
      protocol,
      sentBy: message.sentBy,
      subjectCN: leaf?.subjectCN ?? null,
      issuerCN: leaf?.issuerCN ?? null,
      sanDns: sans,
      validFrom: leaf?.validFrom ?? null,
      validTo: leaf?.validTo ?? null,
      selfSigned: leaf?.selfSigned ?? null,
      expired: leaf?.expired ?? null,
      fingerprint256: leaf?.fingerprint256 ?? null,
      chainLength: message.chain.length,
    },
  }
}

function rtpStreamEvents(flow: ReportFlow, s: RtpStreamFact, zoomKind: ZoomMediaKind | undefined, options: FlowEventOptions): DraftEvent[] {
  const stream = `${s.ssrc}:${s.sentBy}:${s.carrier}${s.turnChannel ? `:${s.turnChannel}` : ''}`
  const what = `RTP SSRC ${s.ssrc} from the ${s.sentBy}`
  const carrier = s.carrier === 'direct' ? '' : s.turnChannel ? `, via TURN channel ${s.turnChannel}` : `, carried as ${s.carrier}`
  const zoom = zoomKind ? `, Zoom ${zoomKind}` : ''
  const payload = s.payloadTypes.map((p) => p.name).join(', ')
  const server = hostPort(flow.server.ip, flow.server.port)
  const events: DraftEvent[] = [
    {
      kind: 'media-start',
      id: `media-start:${flow.id}:rtp:${stream}`,
      time: s.first.time,
      capture: s.first.capture,
      frame: s.first.frame,
      flowId: flow.id,
      severity: null,
      text: `${what} (${payload}${carrier}${zoom}) with ${server}`,
      detail: {source: 'rtp', ssrc: s.ssrc, sentBy: s.sentBy, carrier: s.carrier, turnChannel: s.turnChannel ?? null, payloadTypes: s.payloadTypes.map((p) => p.name), zoomMediaType: zoomKind ?? null},
    },
  ]
  if (options.final || options.stoppedBy(s.last)) {
    events.push({
      kind: 'media-stop',
      id: `media-stop:${flow.id}:rtp:${stream}@${s.last.capture}:${s.last.frame}`,
      time: s.last.time,
      capture: s.last.capture,
      frame: s.last.frame,
      flowId: flow.id,
      severity: null,
      text: `${what} stops: ${s.packets} packets, ${s.lost} lost, payload ${s.content.verdict}${zoom}`,
      detail: {source: 'rtp', ssrc: s.ssrc, sentBy: s.sentBy, carrier: s.carrier, packets: s.packets, lost: s.lost, content: s.content.verdict, zoomMediaType: zoomKind ?? null},
    })
  }
  return events
}

/** Who an H.323 message names: "from <display, number, aliases> to <number, aliases>". */
/** Jingle actions (XEP-0166 §7.2) that make a replay event: a call offered, answered, ended. */
const JINGLE_EVENT_ACTIONS: ReadonlySet<string> = new Set(['session-initiate', 'session-accept', 'session-terminate'])

function h323Parties(m: H323MessageFact): string {
  const from = [m.display ? JSON.stringify(m.display) : '', m.callingNumber ?? '', ...m.sourceAliases.map((a) => a.value)].filter(Boolean)
  const to = [m.calledNumber ?? '', ...m.destinationAliases.map((a) => a.value)].filter(Boolean)
  // A number is often also an alias (dialled digits): each once.
  return [from.length ? `from ${[...new Set(from)].join(', ')}` : '', to.length ? `to ${[...new Set(to)].join(', ')}` : ''].filter(Boolean).join(' ')
}
