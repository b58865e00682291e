/**
 * The WebSocket opening handshake (RFC 6455 §4): an HTTP/1.1 GET asking to upgrade the
 * connection, and the server's 101 Switching Protocols. What matters to an analyzer is the
 * subprotocol (§1.9, Sec-WebSocket-Protocol: "sip" for RFC 7118), which says how to read the
 * messages that follow, and whether the server accepted.
 */
import {Buffer} from 'node:buffer'
import {fieldValue, type HeadResult, type HttpHead, MAX_HEAD_BYTES, parseHttpHead} from '../http/http-head.js'
import {deflateAgreement, type DeflateAgreement} from './ws-deflate.js'

const HANDSHAKE_FIELDS: ReadonlySet<string> = new Set(['upgrade', 'sec-websocket-protocol', 'sec-websocket-extensions'])

/** Comma-separated tokens of a field value, lower-cased (RFC 9110 §5.6.1 lists). */
function tokens(value: string | null): string[] {
  if (!value) return []
  return value
    .split(',')
    .map((t) => t.trim().toLowerCase())
    .filter((t) => t.length > 0)
}

const GET = [0x47, 0x45, 0x54, 0x20]
const HTTP_SLASH = [0x48, 0x54, 0x54, 0x50, 0x2f]

/**
 * parseHttpHead of a head that must begin with `opening` ("GET " or "HTTP/"), waiting for the
 * start line's end first: parseHttpHead judges a start line cut short (`HTTP` in a segment of its
 * own) as not HTTP. Bytes that cannot begin it are refused at once.
 */
function headAt(bytes: Uint8Array, start: number, opening: readonly number[]): HeadResult {
  for (let i = 0; i < opening.length && start + i < bytes.length; i++) if (bytes[start + i] !== opening[i]) return {status: 'invalid', reason: 'not a handshake'}
  if (bytes.indexOf(0x0a, start) < 0 && bytes.length - start < MAX_HEAD_BYTES) return {status: 'incomplete'}
  return parseHttpHead(bytes, start, HANDSHAKE_FIELDS)
}

function upgradesToWebSocket(head: HttpHead): boolean {
  return tokens(fieldValue(head, 'upgrade')).includes('websocket')
}

/**
 * The subprotocols the opening handshake at bytes[start..] asks for (§4.1: a GET whose Upgrade
 * names websocket), lower-cased and possibly empty; undefined when the bytes do not begin with a
 * whole such request.
 */
export function webSocketRequestProtocols(bytes: Uint8Array, start = 0): string[] | undefined {
  // "GET " first: most flows are ruled out without parsing anything.
  if (bytes.length - start < 4 || bytes[start] !== 0x47) return undefined
  // Most GETs upgrade nothing: a native search for the field name rules them out before any parse.
  const text = Buffer.from(bytes.buffer, bytes.byteOffset + start, Math.min(bytes.length - start, MAX_HEAD_BYTES))
  if (text.indexOf('pgrade:') < 0 && text.indexOf('PGRADE:') < 0) return undefined
  const r = headAt(bytes, start, GET)
  if (r.status !== 'ok' || r.head.kind !== 'request' || !upgradesToWebSocket(r.head)) return undefined
  return tokens(fieldValue(r.head, 'sec-websocket-protocol'))
}

export type WebSocketAnswer = {status: 'incomplete'} | {status: 'invalid'} | {status: 'ok'; accepted: boolean; protocol: string | null; deflate: DeflateAgreement | undefined; length: number}

/**
 * The server's answer at bytes[start..] (§4.2.2): accepted when it is 101 Switching Protocols
 * upgrading to websocket, with the subprotocol it chose and the permessage-deflate it agreed to
 * (RFC 7692), if any; `length` is the head's, after which frames begin.
 */
export function webSocketAnswer(bytes: Uint8Array, start = 0): WebSocketAnswer {
  const r = headAt(bytes, start, HTTP_SLASH)
  if (r.status === 'incomplete') return r
  if (r.status !== 'ok' || r.head.kind !== 'response') return {status: 'invalid'}
  const accepted = r.head.status === 101 && upgradesToWebSocket(r.head)
  return {status: 'ok', accepted, protocol: tokens(fieldValue(r.head, 'sec-websocket-protocol'))[0] ?? null, deflate: accepted ? deflateAgreement(r.head) : undefined, length: r.head.length}
}

/** Where the head at bytes[start..] ends (after its empty line), or -1 when it has not yet. */
export function requestHeadLength(bytes: Uint8Array, start = 0): number | 'invalid' {
  const r = headAt(bytes, start, GET)
  if (r.status === 'incomplete') return -1
  return r.status === 'ok' && r.head.kind === 'request' ? r.head.length : 'invalid'
}
