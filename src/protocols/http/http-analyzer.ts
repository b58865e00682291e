/**
 * Cleartext HTTP/1.x over TCP, on any port: each request's method, Host, target, User-Agent,
 * whether Cookie / Authorization were sent (never their values), and the status of its response;
 * meeting links and secrets in URLs flagged and redacted before they are kept.
 *
 * A flow is taken when its first payload begins like a request line (`TOKEN SP`) or a status
 * line (`HTTP/d.d`). Both directions are reassembled (`StreamWindow`, which stores only the
 * bytes not consumed yet) and read message after message (keep-alive, pipelining): bodies are
 * skipped by Content-Length or chunked framing (RFC 9112 §6.3, §7.1) without being buffered or
 * copied; responses pair with requests in order (§9.3.2). The analyzer steps aside when the
 * connection stops being HTTP/1.x (CONNECT tunnel, 101 Switching Protocols, a body delimited by
 * the connection's close, bytes that are not a message head) or when the request cap is reached
 * and answered.
 */
import type {EvidenceOf, Evidence, FlowInfo, PayloadPacket, ProtocolAnalyzer} from '../analyzer.js'
import {fieldValue, hasField, type HttpHead, looksLikeHttpStart, parseHttpHead} from './http-head.js'
import {type MeetingLink, redactUrl} from './meeting-links.js'
import {StreamWindow} from './stream-window.js'
import {intern} from '../../util/intern.js'
import {sharedStrings} from '../tls/shared-lists.js'
import {INCOMPLETE, INVALID, isSocksGreeting, type SocksReply, socksClientHandshake, socksServerHandshake} from '../socks/socks-handshake.js'

/** Requests kept per connection. */
export const MAX_REQUESTS = 64
/** Bytes of unconsumed stream kept per direction (a head is at most MAX_HEAD_BYTES). */
const WINDOW_BYTES = 64 * 1024
/** Longest chunk-size line (RFC 9112 §7.1: size, extensions). */
const MAX_CHUNK_LINE = 1024
const MAX_HOST_CHARS = 255
const MAX_DESCRIBE_LINES = 24
/** Longest SOCKS handshake side waited for (greeting, RFC 1929 sub-negotiation, request with a
 * 255-byte name, a SOCKS4 user id: all well under it). */
const MAX_SOCKS_HANDSHAKE = 1024

export interface HttpMeetingLinkFact extends MeetingLink {
  /** Where the link was seen: the request-target, the Referer, or a response's Location. */
  where: 'target' | 'referer' | 'location'
}

export interface HttpResponseFact {
  evidence: Evidence
  version: string
  status: number
  reason: string
  server: string | null
  contentType: string | null
  /** Location header, redacted like the target. */
  location: string | null
  setCookie: boolean
  meetingLink: HttpMeetingLinkFact | null
}

export interface HttpRequestFact {
  evidence: Evidence
  method: string
  version: string
  host: string | null
  /** The request-target, with secret parameter values replaced by *** and meeting ids masked. */
  target: string
  targetTruncated: boolean
  userAgent: string | null
  /** A Cookie header was sent (its value is never kept). */
  cookie: boolean
  /** An Authorization or Proxy-Authorization header was sent (its value is never kept). */
  authorization: boolean
  referer: string | null
  /** Names of the query parameters whose values were replaced. */
  redacted: string[]
  meetingLink: HttpMeetingLinkFact | null
  response: HttpResponseFact | null
}

export interface HttpFacts {
  requests: HttpRequestFact[]
  /** Requests seen in all, including those beyond the cap. */
  requestCount: number
  droppedRequests: number
  /** Responses with no request to pair with (the capture began mid-connection). */
  orphanResponses: number
  /** The connection turned into something else: a CONNECT tunnel or a protocol upgrade. */
  switchedTo: 'tunnel' | 'upgrade' | null
  /** Why reading stopped early in a direction, if it did. */
  stopped: string | null
}

/** Header fields whose values are read; Cookie and Authorization are not among them: only
 * their presence is recorded, their values are never even decoded. */
const WANTED_FIELDS: ReadonlySet<string> = new Set(['host', 'user-agent', 'referer', 'transfer-encoding', 'content-length', 'location', 'server', 'content-type'])

/** 'socks': the side begins with a SOCKS handshake (read and skipped before the first head). */
type Mode = 'socks' | 'head' | 'skip' | 'chunk-size' | 'trailer' | 'dead'

interface Side {
  window: StreamWindow
  mode: Mode
  /** After a skip: the mode to return to. */
  after: Mode
  remaining: number
}

interface HttpState {
  evidenceOf: EvidenceOf
  sides: [Side, Side]
  requests: HttpRequestFact[]
  requestCount: number
  /** Requests awaiting a response, in order: [index in `requests` or -1 beyond the cap, method]. */
  pending: Array<[number, string]>
  orphanResponses: number
  switchedTo: HttpFacts['switchedTo']
  stopped: string | null
  /** No payload fed yet: the first one tells whether a SOCKS handshake comes first. */
  fresh: boolean
}

function side(): Side {
  return {window: new StreamWindow(WINDOW_BYTES), mode: 'head', after: 'head', remaining: 0}
}

/** What a finished flow's state holds instead of its own sides (nothing is fed after finish). */
const FINISHED_SIDES: [Side, Side] = [
  {window: new StreamWindow(0), mode: 'dead', after: 'dead', remaining: 0},
  {window: new StreamWindow(0), mode: 'dead', after: 'dead', remaining: 0},
]

export const httpAnalyzer: ProtocolAnalyzer<HttpState, HttpFacts> = {
  name: 'http',

  probe(flow: FlowInfo, packet: PayloadPacket): boolean {
    // HTTP through a SOCKS proxy starts after the proxy handshake (tshark reads it there too).
    return flow.transport === 'tcp' && (looksLikeHttpStart(packet.data) || (packet.toServer && isSocksGreeting(packet.data)))
  },

  start(_flow: FlowInfo, evidenceOf: EvidenceOf): HttpState {
    return {evidenceOf, sides: [side(), side()], requests: [], requestCount: 0, pending: [], orphanResponses: 0, switchedTo: null, stopped: null, fresh: true}
  },

  feed(state: HttpState, packet: PayloadPacket): boolean {
    if (state.fresh) {
      state.fresh = false
      if (packet.toServer && !looksLikeHttpStart(packet.data) && isSocksGreeting(packet.data)) state.sides[0].mode = state.sides[1].mode = 'socks'
    }
    const s = state.sides[packet.toServer ? 0 : 1]
    if (s.mode !== 'dead') {
      if (s.mode === 'head' && s.window.available === 0 && s.window.isAhead(packet.seq) && looksLikeHttpStart(packet.data)) {
        // A message start beyond a hole (segments never captured, a reused port): resume there.
        s.window = new StreamWindow(WINDOW_BYTES)
        s.window.push(packet.seq, packet.data, packet.seq)
      } else {
        s.window.push(packet.seq, packet.data, packet.streamStart)
      }
      drain(state, s, packet)
    }
    const up = state.sides[0]
    const down = state.sides[1]
    // Enough requests, all answered (or no answer can come): nothing more to learn.
    const more = !(up.mode === 'dead' && down.mode === 'dead') && !(state.requestCount >= MAX_REQUESTS && (state.pending.length === 0 || down.mode === 'dead'))
    // A side that reads nothing more (or a flow stepped aside) keeps no reassembly buffer: the
    // state lives on until the end of the capture.
    if (!more || up.mode === 'dead') up.window.release()
    if (!more || down.mode === 'dead') down.window.release()
    return more
  },

  finish(state: HttpState): HttpFacts | undefined {
    const facts: HttpFacts | undefined =
      state.requestCount === 0 && state.orphanResponses === 0
        ? undefined
        : {
            requests: state.requests.slice(), // exact size: kept to the end of the run
            requestCount: state.requestCount,
            droppedRequests: state.requestCount - state.requests.length,
            orphanResponses: state.orphanResponses,
            switchedTo: state.switchedTo,
            stopped: state.stopped === null ? null : intern(state.stopped),
          }
    // The state stays referenced to the end of the run: keep nothing of it past this point.
    state.sides[0].window.release()
    state.sides[1].window.release()
    state.sides = FINISHED_SIDES
    state.requests = []
    state.pending = []
    return facts
  },

  describe(facts: HttpFacts): string[] {
    return describeHttp(facts)
  },
}

function kill(state: HttpState, s: Side, reason: string): void {
  s.mode = 'dead'
  state.stopped ??= reason
}

/** Read every complete unit (head, chunk line, skipped body) the window holds. */
function drain(state: HttpState, s: Side, packet: PayloadPacket): void {
  const toServer = packet.toServer
  for (let guard = 0; guard < 10_000; guard++) {
    const view = s.window.view
    switch (s.mode) {
      case 'dead':
        return
      case 'socks': {
        // RFC 1928 / SOCKS4: the handshake of this side, skipped whole; HTTP (if any) follows it.
        const handshake = toServer ? socksClientHandshake(view) : socksServerHandshake(view, view[0] === 0 ? 4 : 5)
        if (handshake === INCOMPLETE) {
          if (view.length > MAX_SOCKS_HANDSHAKE) kill(state, s, 'not SOCKS')
          return
        }
        if (handshake === INVALID || (!toServer && !(handshake as SocksReply).granted)) {
          kill(state, s, handshake === INVALID ? 'not SOCKS' : 'SOCKS refused')
          return
        }
        s.window.consume(handshake.length)
        s.mode = 'head'
        continue
      }
      case 'skip':
        // A body, or chunk data and its CRLF: consumed without waiting for it to be buffered.
        s.window.consume(s.remaining)
        s.remaining = 0
        s.mode = s.after
        continue
      case 'chunk-size': {
        const lf = view.indexOf(0x0a)
        if (lf < 0) {
          if (view.length > MAX_CHUNK_LINE) kill(state, s, 'bad chunk')
          return
        }
        let size = 0
        let digits = 0
        for (let i = 0; i < lf; i++) {
          const h = hexValue(view[i]!)
          if (h < 0) break
          size = size * 16 + h
          digits++
        }
        if (digits === 0 || digits > 12) {
          kill(state, s, 'bad chunk')
          return
        }
        s.window.consume(lf + 1)
        if (size === 0) s.mode = 'trailer'
        else {
          // chunk-data CRLF
          s.mode = 'skip'
          s.after = 'chunk-size'
          s.remaining = size + 2
        }
        continue
      }
      case 'trailer': {
        const lf = view.indexOf(0x0a)
        if (lf < 0) {
          if (view.length > MAX_CHUNK_LINE) kill(state, s, 'bad trailer')
          return
        }
        // Read before consuming: the view is not valid past a change to the window.
        const last = lf === 0 || (lf === 1 && view[0] === 0x0d)
        s.window.consume(lf + 1)
        if (last) s.mode = 'head'
        continue
      }
      case 'head': {
        if (view.length === 0) return
        const result = parseHttpHead(view, 0, WANTED_FIELDS)
        if (result.status === 'incomplete') {
          if (s.window.full) kill(state, s, 'head too long')
          return
        }
        if (result.status === 'invalid') {
          kill(state, s, `${toServer ? 'client' : 'server'}: ${result.reason}`)
          return
        }
        const head = result.head
        s.window.consume(head.length)
        if (toServer) onRequest(state, s, head, packet)
        else onResponse(state, s, head, packet)
        continue
      }
    }
  }
}

function hexValue(b: number): number {
  if (b >= 0x30 && b <= 0x39) return b - 0x30
  if (b >= 0x61 && b <= 0x66) return b - 0x57
  if (b >= 0x41 && b <= 0x46) return b - 0x37
  return -1
}

/** Body framing of a message (RFC 9112 §6.3): chunked, a length, none, or to the close. */
function setBody(state: HttpState, s: Side, head: HttpHead, noBody: boolean): void {
  if (noBody) {
    s.mode = 'head'
    return
  }
  const te = fieldValue(head, 'transfer-encoding')
  if (te !== null && /(^|,)\s*chunked\s*$/i.test(te)) {
    s.mode = 'chunk-size'
    return
  }
  const cl = fieldValue(head, 'content-length')
  if (cl !== null) {
    const n = /^\d{1,15}$/.test(cl) ? Number(cl) : NaN
    if (!Number.isFinite(n)) {
      kill(state, s, 'bad content-length')
      return
    }
    s.mode = 'skip'
    s.after = 'head'
    s.remaining = n
    return
  }
  if (head.kind === 'request') s.mode = 'head'
  else {
    // The body runs to the end of the connection: nothing after it on either side.
    kill(state, s, 'body until close')
    state.sides[0].mode = 'dead'
  }
}

function meetingFact(link: MeetingLink | null, where: HttpMeetingLinkFact['where']): HttpMeetingLinkFact | null {
  return link ? {...link, where} : null
}

function capped(value: string | null, max: number): string | null {
  return value === null ? null : value.length > max ? value.slice(0, max) : value
}

/**
 * Text of a head kept in the facts, interned: clients send the same Host, User-Agent, method
 * and version in request after request, servers the same Server and Content-Type.
 */
function kept(value: string | null): string | null {
  return value === null ? null : intern(value)
}

/** The parameter names redacted in the target and the Referer: sorted, once each, shared. */
function redactedNames(inTarget: string[], inReferer: string[]): string[] {
  // Nearly always none: the shared empty list, without the copies.
  if (inTarget.length === 0 && inReferer.length === 0) return sharedStrings([])
  return sharedStrings([...new Set([...inTarget, ...inReferer])].sort().map(intern))
}

function onRequest(state: HttpState, s: Side, head: HttpHead, packet: PayloadPacket): void {
  if (head.kind !== 'request') {
    kill(state, s, 'client: response head')
    return
  }
  state.requestCount++
  const host = kept(capped(fieldValue(head, 'host'), MAX_HOST_CHARS))
  let index = -1
  if (state.requests.length < MAX_REQUESTS) {
    const target = redactUrl(head.target, host)
    const refererRaw = fieldValue(head, 'referer')
    const referer = refererRaw === null ? null : redactUrl(refererRaw, null)
    state.requests.push({
      evidence: state.evidenceOf(packet),
      method: intern(head.method),
      version: intern(head.version),
      host,
      target: intern(target.text),
      targetTruncated: head.targetTruncated,
      userAgent: kept(capped(fieldValue(head, 'user-agent'), 255)),
      cookie: hasField(head, 'cookie'),
      authorization: hasField(head, 'authorization') || hasField(head, 'proxy-authorization'),
      referer: kept(referer?.text ?? null),
      redacted: redactedNames(target.redacted, referer?.redacted ?? []),
      meetingLink: meetingFact(target.meetingLink, 'target') ?? meetingFact(referer?.meetingLink ?? null, 'referer'),
      response: null,
    })
    index = state.requests.length - 1
  }
  state.pending.push([index, head.method])
  setBody(state, s, head, false)
}

function onResponse(state: HttpState, s: Side, head: HttpHead, packet: PayloadPacket): void {
  if (head.kind !== 'response') {
    kill(state, s, 'server: request head')
    return
  }
  const status = head.status
  // 1xx interim responses (except 101) precede the final one (RFC 9110 §15.2).
  const interim = status >= 100 && status < 200 && status !== 101
  const next = interim ? state.pending[0] : state.pending.shift()
  const [index, method] = next ?? [-1, '']
  if (!next && !interim) state.orphanResponses++
  if (index >= 0 && !interim) {
    const request = state.requests[index]!
    const locationRaw = fieldValue(head, 'location')
    const location = locationRaw === null ? null : redactUrl(locationRaw, request.host)
    request.response = {
      evidence: state.evidenceOf(packet),
      version: intern(head.version),
      status,
      reason: intern(head.reason),
      server: kept(capped(fieldValue(head, 'server'), 255)),
      contentType: kept(capped(fieldValue(head, 'content-type'), 255)),
      location: kept(location?.text ?? null),
      setCookie: hasField(head, 'set-cookie'),
      meetingLink: meetingFact(location?.meetingLink ?? null, 'location'),
    }
  }
  if (status === 101 || (method === 'CONNECT' && status >= 200 && status < 300)) {
    // The bytes that follow, both ways, belong to another protocol.
    state.switchedTo = status === 101 ? 'upgrade' : 'tunnel'
    state.sides[0].mode = 'dead'
    state.sides[1].mode = 'dead'
    return
  }
  const noBody = interim || method === 'HEAD' || status === 204 || status === 304
  setBody(state, s, head, noBody)
}

// ---------------------------------------------------------------------------------------------
// describe
// ---------------------------------------------------------------------------------------------

function frameRef(e: Evidence): string {
  return e.capture > 0 ? `frame ${e.frame} of capture ${e.capture + 1}` : `frame ${e.frame}`
}

function shorten(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text
}

function describeHttp(facts: HttpFacts): string[] {
  const lines: string[] = []
  for (const r of facts.requests) {
    if (lines.length >= MAX_DESCRIBE_LINES) break
    const where = r.target.startsWith('/') ? `${r.host ?? ''}${r.target}` : r.target
    const notes: string[] = []
    if (r.meetingLink) notes.push(r.meetingLink.where === 'target' ? 'meeting link' : `meeting link in ${r.meetingLink.where === 'referer' ? 'Referer' : 'Location'}`)
    if (r.cookie) notes.push('Cookie sent')
    if (r.authorization) notes.push('Authorization sent')
    if (r.userAgent) notes.push(`UA ${shorten(r.userAgent, 60)}`)
    if (r.response) {
      const loc = r.response.location ? ` → ${shorten(r.response.location, 80)}` : ''
      notes.push(`${r.response.status}${loc} (${frameRef(r.response.evidence)})`)
      if (r.response.meetingLink) notes.push('meeting link in Location')
    }
    lines.push(`HTTP ${r.method} ${shorten(where, 120)} (${frameRef(r.evidence)})${notes.length ? ` ${notes.join('; ')}` : ''}`)
  }
  if (facts.requestCount > lines.length) lines.push(`… ${facts.requestCount - lines.length} more requests`)
  if (facts.orphanResponses > 0) lines.push(`${facts.orphanResponses} responses without a captured request`)
  if (facts.switchedTo) lines.push(facts.switchedTo === 'tunnel' ? 'CONNECT tunnel established' : 'switched protocols (101)')
  return lines
}
