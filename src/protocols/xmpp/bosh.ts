/**
 * XMPP over BOSH (XEP-0124, XEP-0206): the HTTP long-polling transport web clients used before
 * WebSocket, still Jitsi Meet's fallback (`/http-bind`). Each HTTP request and response carries a
 * `<body xmlns='http://jabber.org/protocol/httpbind'>` whose children are the stanzas; over
 * http:// they are in clear. Here one direction of the connection is cut into HTTP messages
 * (RFC 9112: a head, then a body of Content-Length bytes: XEP-0124 §4 requires one, chunked
 * bodies are not read) and each body handed on whole.
 */
import {fieldValue, MAX_HEAD_BYTES, parseHttpHead} from '../http/http-head.js'
import type {PayloadPacket} from '../analyzer.js'

/** The request line of a connection's first request to a BOSH connection manager, at its usual
 * paths (Prosody, Openfire and Jitsi Meet: /http-bind; ejabberd: /bosh): a POST, or the CORS
 * preflight (OPTIONS) a browser sends first when the page is of another origin. */
const BOSH_PATH = /^(?:POST|OPTIONS) \S*\/(?:http-bind|bosh)\/?(?:[?#]\S*)? HTTP\/1\.[01]\r?\n/i

/** Whether the flow's first payload starts a BOSH request. */
export function isBoshRequest(packet: PayloadPacket): boolean {
  // 'P' or 'O' first: no text is made for the other flows.
  const first = packet.bytes[packet.start]
  if (!packet.toServer || (first !== 0x50 && first !== 0x4f)) return false
  const line = packet.data.subarray(0, 256)
  const text = String.fromCharCode(...line)
  return BOSH_PATH.test(text)
}

const HEAD_FIELDS: ReadonlySet<string> = new Set(['content-length', 'transfer-encoding'])

/**
 * Cut b[at, end) into HTTP messages; `onBody` gets each whole body. Returns how many bytes were
 * used, or -1 when the bytes are not HTTP a BOSH connection sends (the direction is read no more).
 */
export function readBoshMessages(b: Uint8Array, end: number, onBody: (body: Uint8Array) => void, maxBody: number): number {
  let at = 0
  for (;;) {
    if (at >= end) return at
    // parseHttpHead judges a start line cut short (`HTT` in a segment of its own) as not HTTP:
    // wait for the line's end first.
    const lineEnd = b.indexOf(0x0a, at)
    if ((lineEnd < 0 || lineEnd >= end) && end - at < MAX_HEAD_BYTES) return canStartHttp(b, at, end) ? at : -1
    const r = parseHttpHead(b.subarray(0, end), at, HEAD_FIELDS)
    if (r.status === 'incomplete') return at
    if (r.status === 'invalid') return -1
    const head = r.head
    if (fieldValue(head, 'transfer-encoding') !== null) return -1
    const cl = fieldValue(head, 'content-length')
    const length = cl === null ? 0 : /^\d{1,9}$/.test(cl) ? Number(cl) : -1
    if (length < 0 || length > maxBody) return -1
    const bodyStart = at + head.length
    if (end - bodyStart < length) return at
    if (length > 0) onBody(b.subarray(bodyStart, bodyStart + length))
    at = bodyStart + length
  }
}

/** Whether b[at, end) can be the start of a request line (a method of upper-case letters) or a
 * status line (`HTTP/1.1`): its first word, up to a space, is looked at. */
function canStartHttp(b: Uint8Array, at: number, end: number): boolean {
  for (let i = at; i < Math.min(end, at + 16); i++) {
    const c = b[i]!
    if (c === 0x20) return i > at
    if (!((c >= 0x41 && c <= 0x5a) || c === 0x2f || c === 0x2e || (c >= 0x30 && c <= 0x39))) return false
  }
  return end - at < 16
}
