/**
 * XMPP (Jabber, RFC 6120) in clear: the messaging and presence protocol that also carries call
 * signalling (Jingle, XEP-0166; Jitsi's conferences, Cisco Jabber). Read per connection until it
 * turns to TLS (STARTTLS, §5): the server domain of the stream header, the SASL mechanism and the
 * user it names (PLAIN sends the password itself, §6 and RFC 4616; DIGEST-MD5 and SCRAM name the
 * user and let an eavesdropper guess the password offline), the JID the server bound (§7), the
 * stanzas each way, the multi-user chat rooms joined (XEP-0045: presence to room@service/nick) and
 * Jingle ICE candidates (XEP-0176). Passwords are never kept.
 *
 * XMPP's XML has no comments, processing instructions or DTDs (§11.1), so a tag scanner reads it:
 * each direction is reassembled and cut at tags, the text of the few elements wanted kept.
 * A flow is taken on port 5222 or 5269 (either end), or when its first payload opens a stream.
 *
 * XMPP over WebSocket (RFC 7395, the web clients' transport: Jitsi Meet, Converse.js, Strophe) is
 * read too when opened with ws://: a TCP flow whose first payload is a WebSocket handshake asking
 * for the `xmpp` subprotocol; each WebSocket message then holds whole elements (§3.3.3), the
 * stream opened by `<open to=…/>` (§3.3.2) instead of a stream header, and no STARTTLS (§3.5:
 * wss:// is the protection). So is XMPP over BOSH (XEP-0124, XEP-0206: HTTP long-polling, Jitsi
 * Meet's fallback) over http://: a flow whose first payload is a POST to /http-bind or /bosh, the
 * stanzas read from the `<body/>` of each request and response (./bosh.ts).
 */
import type {Evidence, EvidenceOf, FlowInfo, PayloadPacket, ProtocolAnalyzer} from '../analyzer.js'
import {TcpByteStream} from '../tcp-byte-stream.js'
import {WsConnection} from '../websocket/ws-connection.js'
import {WS_TEXT} from '../websocket/ws-frame.js'
import {webSocketRequestProtocols} from '../websocket/ws-handshake.js'
import {isBoshRequest, readBoshMessages} from './bosh.js'
import {Buffer} from 'node:buffer'
import {capText, decodeWireText} from '../../util/wire-text.js'

const XMPP_PORTS = new Set([5222, 5269])
const STREAM_BYTES = 64 * 1024
/** Longest tag, or element text, looked at. */
const MAX_TAG = 4096
const MAX_OCCUPANTS = 16
const MAX_CANDIDATES = 32
const MAX_JINGLE = 16
const MAX_TEXT = 256
/** Segments waiting behind a hole before it is given up on. */
const GAP_PATIENCE = 3
/** XMPP over WebSocket: the longest message read (a Jingle offer is a few kilobytes). */
const MAX_WS_MESSAGE = 64 * 1024

export interface XmppSaslFact {
  mechanism: string
  /** The user the exchange names (PLAIN's authentication identity, DIGEST-MD5's username and
   * realm, SCRAM's n=), or null. */
  user: string | null
  /** PLAIN: the password itself went in clear (it is not kept). */
  passwordInClear: boolean
  evidence: Evidence
}

export interface XmppFacts {
  /** 'ws': over a ws:// WebSocket (RFC 7395); 'bosh': over HTTP long-polling (XEP-0206);
   * 'tcp': a plain stream (RFC 6120). */
  transport: 'tcp' | 'ws' | 'bosh'
  /** The domain the client's stream header (over WebSocket its `open` element) addressed (`to`). */
  domain: string | null
  /** The stream turned to TLS (STARTTLS proceeded): nothing after it is read. */
  starttls: boolean
  sasl: XmppSaslFact | null
  /** The server answered the SASL exchange with success (true) or failure (false). */
  authenticated: boolean | null
  /** The full JID the server bound (user@domain/resource). */
  jid: {value: string; evidence: Evidence} | null
  stanzas: {message: number; presence: number; iq: number}
  /** Occupant JIDs of multi-user chat rooms the client joined (room@service/nick). */
  occupants: Array<{jid: string; evidence: Evidence}>
  /** Jingle ICE candidates (XEP-0176): address, port, transport, type. */
  candidates: Array<{address: string; port: number; transport: string; type: string; sentBy: 'client' | 'server'; evidence: Evidence}>
  /** Jingle actions (XEP-0166 §7.2: session-initiate sets a call up, session-accept answers it,
   * session-terminate ends it...), each with its session id, in order. */
  jingle: Array<{action: string; sid: string | null; sentBy: 'client' | 'server'; evidence: Evidence}>
  truncated: boolean
}

interface Side {
  stream: TcpByteStream | undefined
  /** The element whose text is being collected ('auth', 'response', 'jid'), and the text so far. */
  collecting: string | null
  text: string
}

interface XmppState {
  evidenceOf: EvidenceOf
  sides: [Side, Side]
  /** Set when the flow opened with a WebSocket handshake for `xmpp`: its messages are read. */
  ws: WsConnection | undefined
  /** Set when the flow opened with a BOSH request: its HTTP bodies are read. */
  bosh: boolean
  /** Payload packets fed (the first decides between a stream, a WebSocket and BOSH). */
  packets: number
  domain: string | null
  starttlsAsked: boolean
  starttls: boolean
  sasl: XmppSaslFact | null
  authenticated: boolean | null
  jid: XmppFacts['jid']
  stanzas: {message: number; presence: number; iq: number}
  occupants: XmppFacts['occupants']
  candidates: XmppFacts['candidates']
  jingle: XmppFacts['jingle']
  truncated: boolean
  /** An XMPP element was read (a stream header, a stanza, a SASL or TLS negotiation element). */
  seen: boolean
  /** Payload bytes fed while no XMPP element was read. */
  unseenBytes: number
}

/** Elements that only XMPP sends (RFC 6120 §4-§8): what tells it from other bytes on its port
 * (WhatsApp's chat protocol also uses 5222). */
const XMPP_ELEMENTS = new Set(['stream:stream', 'stream:features', 'features', 'starttls', 'proceed', 'auth', 'challenge', 'response', 'success', 'failure', 'message', 'presence', 'iq'])
/** Payload bytes without an XMPP element before the analyzer steps aside (a stream header with
 * its XML declaration is a few hundred). */
const PATIENCE_BYTES = 2048

/** Bytes as ISO-8859-1 text, one character per byte (WHATWG's 'latin1' is windows-1252). */
function latin1(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.length).toString('latin1')
}

export const xmppAnalyzer: ProtocolAnalyzer<XmppState, XmppFacts> = {
  name: 'xmpp',
  // A chat connection stays open all day: every stanza is counted.
  packetBudget: Number.POSITIVE_INFINITY,

  probe(flow: FlowInfo, packet: PayloadPacket): boolean {
    if (flow.transport !== 'tcp') return false
    if (XMPP_PORTS.has(flow.server.port) || XMPP_PORTS.has(flow.client.port)) return true
    return opensStream(packet.bytes, packet.start, packet.end) || isXmppWebSocketRequest(packet) || isBoshRequest(packet)
  },

  start(_flow: FlowInfo, evidenceOf: EvidenceOf): XmppState {
    const side = (): Side => ({stream: new TcpByteStream(STREAM_BYTES), collecting: null, text: ''})
    return {evidenceOf, sides: [side(), side()], ws: undefined, bosh: false, packets: 0, domain: null, starttlsAsked: false, starttls: false, sasl: null, authenticated: null, jid: null, stanzas: {message: 0, presence: 0, iq: 0}, occupants: [], candidates: [], jingle: [], truncated: false, seen: false, unseenBytes: 0}
  },

  feed(state: XmppState, packet: PayloadPacket): boolean {
    if (++state.packets === 1) {
      if (isXmppWebSocketRequest(packet)) {
        state.ws = new WsConnection(STREAM_BYTES, MAX_WS_MESSAGE)
        state.sides = [{stream: undefined, collecting: null, text: ''}, {stream: undefined, collecting: null, text: ''}]
      } else if (isBoshRequest(packet)) state.bosh = true
    }
    if (state.ws) return feedWebSocket(state, packet, state.ws)
    if (state.bosh) return feedBosh(state, packet)
    if (!state.seen && (state.unseenBytes += packet.end - packet.start) > PATIENCE_BYTES) return false
    const i = packet.toServer ? 0 : 1
    const side = state.sides[i]
    const stream = side.stream
    if (stream) {
      stream.push(packet.seq, packet.data, packet.streamStart)
      // Segments the capture missed never come: after a few later ones, go on from them (the
      // scanner finds the next tag), as Wireshark reads each segment on its own.
      if (stream.waiting >= GAP_PATIENCE) {
        scan(state, side, packet, latin1(stream.bytes))
        stream.skipGap()
        side.collecting = null
        side.text = ''
      }
      const consumed = scan(state, side, packet, latin1(stream.bytes))
      if (side.stream) {
        stream.discard(consumed)
        if (stream.full) {
          state.truncated = true
          side.stream = undefined
        }
      }
    }
    return state.sides[0].stream !== undefined || state.sides[1].stream !== undefined
  },

  finish(state: XmppState): XmppFacts | undefined {
    state.sides = [{stream: undefined, collecting: null, text: ''}, {stream: undefined, collecting: null, text: ''}]
    const transport = state.ws ? 'ws' : state.bosh ? 'bosh' : 'tcp'
    state.ws?.close()
    state.ws = undefined
    if (!state.seen) return undefined
    return {transport, domain: state.domain, starttls: state.starttls, sasl: state.sasl, authenticated: state.authenticated, jid: state.jid, stanzas: state.stanzas, occupants: state.occupants, candidates: state.candidates, jingle: state.jingle, truncated: state.truncated}
  },

  describe(f: XmppFacts): string[] {
    const lines = [`XMPP${f.transport === 'ws' ? ' over WebSocket' : f.transport === 'bosh' ? ' over BOSH (HTTP)' : ''}${f.domain ? ` to ${f.domain}` : ''}${f.starttls ? ', then STARTTLS (the rest is encrypted)' : ' in clear'}: ${f.stanzas.message} message, ${f.stanzas.presence} presence, ${f.stanzas.iq} iq stanzas`]
    if (f.sasl) lines.push(`SASL ${f.sasl.mechanism}${f.sasl.user ? ` user ${f.sasl.user}` : ''}${f.sasl.passwordInClear ? ', PASSWORD IN CLEAR' : ''}${f.authenticated === null ? '' : f.authenticated ? ', accepted' : ', refused'} (frame ${f.sasl.evidence.frame})`)
    if (f.jid) lines.push(`bound JID ${f.jid.value} (frame ${f.jid.evidence.frame})`)
    for (const o of f.occupants.slice(0, 8)) lines.push(`joined room ${o.jid} (frame ${o.evidence.frame})`)
    const initiate = f.jingle?.find((j) => j.action === 'session-initiate')
    if (initiate) lines.push(`Jingle call set up (session-initiate${initiate.sid ? ` ${initiate.sid}` : ''}, frame ${initiate.evidence.frame}); actions: ${[...new Set(f.jingle.map((j) => j.action))].join(', ')}`)
    if (f.candidates.length) lines.push(`Jingle ICE candidates ${f.candidates.map((c) => `${c.type} ${c.transport} ${c.address}:${c.port} (${c.sentBy})`).join(', ')}`)
    return lines
  },
}

/** Whether the flow's first payload is a WebSocket opening handshake asking for `xmpp` (RFC 7395 §3.2). */
function isXmppWebSocketRequest(packet: PayloadPacket): boolean {
  // 'G' first: no view of the payload is made for the other flows.
  return packet.toServer && packet.bytes[packet.start] === 0x47 && (webSocketRequestProtocols(packet.data)?.includes('xmpp') ?? false)
}

/** XMPP over WebSocket: each text message holds whole elements (RFC 7395 §3.3.3), read with the
 * stream's tag scanner; an element a message leaves open is not carried into the next. */
function feedWebSocket(state: XmppState, packet: PayloadPacket, ws: WsConnection): boolean {
  ws.push(packet, (at, message) => {
    if (message.opcode !== WS_TEXT || message.compressed) return
    const side = state.sides[at.toServer ? 0 : 1]
    scan(state, side, at, latin1(message.bytes.subarray(0, message.length)))
    side.collecting = null
    side.text = ''
  })
  if (ws.truncated) state.truncated = true
  return ws.open
}

/** XMPP over BOSH: each HTTP message's body read with the stream's tag scanner (XEP-0124 §4:
 * a body holds whole stanzas). */
function feedBosh(state: XmppState, packet: PayloadPacket): boolean {
  const side = state.sides[packet.toServer ? 0 : 1]
  const stream = side.stream
  if (!stream) return state.sides[0].stream !== undefined || state.sides[1].stream !== undefined
  stream.push(packet.seq, packet.data, packet.streamStart)
  const used = readBoshMessages(stream.bytes, stream.bytes.length, (body) => {
    scan(state, side, packet, latin1(body))
    side.collecting = null
    side.text = ''
  }, STREAM_BYTES)
  if (used < 0) side.stream = undefined
  else {
    stream.discard(used)
    if (stream.full) {
      state.truncated = true
      side.stream = undefined
    }
  }
  return state.sides[0].stream !== undefined || state.sides[1].stream !== undefined
}

/** Whether b[start, end) opens an XMPP stream: an XML declaration or a stream:stream tag first. */
function opensStream(b: Uint8Array, start: number, end: number): boolean {
  let p = start
  while (p < end && (b[p] === 0x20 || b[p] === 0x0a || b[p] === 0x0d || b[p] === 0x09)) p++
  // '<' first: every other flow's first payload costs no text.
  if (b[p] !== 0x3c) return false
  const head = latin1(b.subarray(p, Math.min(end, p + 512)))
  return head.startsWith('<stream:stream') || (head.startsWith('<?xml') && head.includes('<stream:stream'))
}

/** A pattern per attribute name read, made once (not per tag). */
const ATTRIBUTE_PATTERNS = new Map<string, RegExp>()

/** The value of attribute `name` in a tag's text (as read: Latin-1), or null. */
function attribute(tag: string, name: string): string | null {
  let pattern = ATTRIBUTE_PATTERNS.get(name)
  if (!pattern) ATTRIBUTE_PATTERNS.set(name, (pattern = new RegExp(`\\s${name}=(['"])([^'"]*)\\1`)))
  const m = pattern.exec(tag)
  return m ? m[2]! : null
}

/** The five predefined entities (XML 1.0 §4.6) and numeric references. */
function unescapeXml(text: string): string {
  return text.replace(/&(lt|gt|amp|apos|quot|#x[0-9a-fA-F]+|#[0-9]+);/g, (_, e: string) => {
    if (e === 'lt') return '<'
    if (e === 'gt') return '>'
    if (e === 'amp') return '&'
    if (e === 'apos') return "'"
    if (e === 'quot') return '"'
    const code = e.startsWith('#x') ? Number.parseInt(e.slice(2), 16) : Number.parseInt(e.slice(1), 10)
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : ''
  })
}

/** Read the tags of `text` (one direction's unconsumed stream); returns how many characters
 * (bytes: Latin-1) were consumed. */
function scan(state: XmppState, side: Side, packet: PayloadPacket, text: string): number {
  const client = packet.toServer
  let at = 0
  for (;;) {
    const lt = text.indexOf('<', at)
    if (lt < 0) {
      if (side.collecting && side.text.length < MAX_TAG) side.text += text.slice(at)
      return text.length
    }
    if (side.collecting && side.text.length < MAX_TAG) side.text += text.slice(at, lt)
    const gt = text.indexOf('>', lt)
    if (gt < 0) {
      // A tag cut by the segment: wait for its end, unless it is longer than any tag read here.
      if (text.length - lt > MAX_TAG) {
        side.stream = undefined
        return text.length
      }
      return lt
    }
    const tag = text.slice(lt, gt + 1)
    at = gt + 1
    if (tag.startsWith('<?') || tag.startsWith('<!')) continue
    const closing = tag.startsWith('</')
    const rawName = /^[^\s/>]*/.exec(tag.slice(closing ? 2 : 1))![0]
    const name = rawName.includes(':') && rawName !== 'stream:stream' ? rawName.slice(rawName.indexOf(':') + 1) : rawName
    if (closing) {
      if (side.collecting === name) finishElement(state, side, packet)
      continue
    }
    if (XMPP_ELEMENTS.has(name) || (state.ws !== undefined && name === 'open') || (state.bosh && name === 'body' && tag.includes('http://jabber.org/protocol/httpbind'))) state.seen = true
    else if (!state.seen) continue
    const empty = tag.endsWith('/>')
    onStartTag(state, packet, client, name, tag)
    if (state.starttls) {
      state.sides[0].stream = state.sides[1].stream = undefined
      return text.length
    }
    if (!empty && (name === 'auth' || name === 'response' || name === 'jid') && (name !== 'jid' || !client)) {
      side.collecting = name
      side.text = ''
    }
  }
}

function onStartTag(state: XmppState, packet: PayloadPacket, client: boolean, name: string, tag: string): void {
  switch (name) {
    case 'stream:stream':
      if (client && state.domain === null) state.domain = xmlText(attribute(tag, 'to'))
      break
    case 'open':
      // RFC 7395 §3.3.2: over WebSocket the stream opens with <open to=… xmlns=…xmpp-framing/>.
      if (state.ws && client && state.domain === null) state.domain = xmlText(attribute(tag, 'to'))
      break
    case 'body':
      // XEP-0124 §7.1, XEP-0206 §3: the session request's <body to=… xmlns=…httpbind>.
      if (state.bosh && client && state.domain === null && tag.includes('http://jabber.org/protocol/httpbind')) state.domain = xmlText(attribute(tag, 'to'))
      break
    case 'starttls':
      if (client) state.starttlsAsked = true
      break
    case 'proceed':
      if (!client && state.starttlsAsked) state.starttls = true
      break
    case 'auth':
      if (client) state.sasl = {mechanism: xmlText(attribute(tag, 'mechanism')) ?? '?', user: null, passwordInClear: false, evidence: state.evidenceOf(packet)}
      break
    case 'success':
      if (!client && state.sasl) state.authenticated = true
      break
    case 'failure':
      if (!client && state.sasl && state.authenticated === null) state.authenticated = false
      break
    case 'message':
    case 'presence':
    case 'iq':
      if (client) {
        state.stanzas[name]++
        const to = name === 'presence' ? xmlText(attribute(tag, 'to')) : null
        // A presence to room@service/nick joins a multi-user chat room (XEP-0045 §7.2).
        if (to && to.includes('@') && to.includes('/') && state.occupants.length < MAX_OCCUPANTS && !state.occupants.some((o) => o.jid === to)) state.occupants.push({jid: to, evidence: state.evidenceOf(packet)})
      } else state.stanzas[name]++
      break
    case 'jingle': {
      // XEP-0166 §7: <jingle xmlns='urn:xmpp:jingle:1' action='session-initiate' sid='…'>.
      const action = xmlText(attribute(tag, 'action'))
      if (action && state.jingle.length < MAX_JINGLE) state.jingle.push({action, sid: xmlText(attribute(tag, 'sid')), sentBy: client ? 'client' : 'server', evidence: state.evidenceOf(packet)})
      break
    }
    case 'candidate': {
      // Jingle ICE-UDP (XEP-0176 §5): <candidate ip='…' port='…' protocol='udp' type='host' …/>.
      const ip = xmlText(attribute(tag, 'ip'))
      const port = Number(attribute(tag, 'port'))
      if (ip && Number.isInteger(port) && port >= 0 && port <= 65535 && state.candidates.length < MAX_CANDIDATES && !state.candidates.some((c) => c.address === ip && c.port === port)) {
        state.candidates.push({address: ip, port, transport: xmlText(attribute(tag, 'protocol')) ?? 'udp', type: xmlText(attribute(tag, 'type')) ?? 'host', sentBy: client ? 'client' : 'server', evidence: state.evidenceOf(packet)})
      }
      break
    }
    default:
      break
  }
}

/** The text of an `auth` (the SASL initial response), `response` or `jid` element, complete. */
function finishElement(state: XmppState, side: Side, packet: PayloadPacket): void {
  const text = side.text.trim()
  const what = side.collecting
  side.collecting = null
  side.text = ''
  if (what === 'jid') {
    if (!state.jid && text) state.jid = {value: xmlText(text)!, evidence: state.evidenceOf(packet)}
    return
  }
  if (!state.sasl || !text || text === '=') return
  const decoded = Buffer.from(text, 'base64').toString('latin1')
  const mechanism = state.sasl.mechanism.toUpperCase()
  if (what === 'auth' && mechanism === 'PLAIN') {
    // RFC 4616 §2: [authzid] NUL authcid NUL passwd.
    const parts = decoded.split('\0')
    if (parts.length === 3) {
      state.sasl.user ??= capped(parts[1]!)
      state.sasl.passwordInClear = parts[2]!.length > 0
    }
  } else if (what === 'auth' && mechanism.startsWith('SCRAM-')) {
    // RFC 5802 §5.1: gs2-header, then n=user,r=nonce.
    const user = /(?:^|,)n=([^,]*)/.exec(decoded.replace(/^[^,]*,[^,]*,/, ''))?.[1]
    if (user) state.sasl.user ??= capped(user.replace(/=2C/g, ',').replace(/=3D/g, '='))
  } else if (what === 'response' && mechanism === 'DIGEST-MD5') {
    // RFC 2831 §2.1.2: username="…",realm="…",…
    const user = /username="([^"]*)"/.exec(decoded)?.[1]
    const realm = /realm="([^"]*)"/.exec(decoded)?.[1]
    if (user) state.sasl.user ??= capped(realm ? `${user}@${realm}` : user)
  }
}

/** Bytes read as Latin-1, decoded as the UTF-8 they are (XMPP is UTF-8, RFC 6120 §11.6) and capped. */
function capped(text: string | null): string | null {
  return text === null ? null : decodeWireText(Buffer.from(text, 'latin1'), MAX_TEXT)
}

/** XML character data or an attribute value as read: decoded, then its references resolved. */
function xmlText(text: string | null): string | null {
  return text === null ? null : capText(unescapeXml(capped(text)!), MAX_TEXT)
}
