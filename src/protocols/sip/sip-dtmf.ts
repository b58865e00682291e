/**
 * DTMF keys in SIP INFO requests (RFC 6086 defines INFO; the bodies are de-facto formats): the
 * way Cisco gateways and CUCM, many PBXs and SBCs relay a key the caller pressed when the media
 * cannot carry RFC 4733 events. Two bodies are common: `application/dtmf-relay`, lines such as
 * `Signal=5` and `Duration=160`, and `application/dtmf`, the key alone. Only whether a request
 * holds a key is told: the key itself is never kept (see ../rtp/telephone-events.ts).
 */
import {headerValue, type SipMessage, utf8} from './sip-message.js'

/** Characters of a body looked at: a DTMF body is a few dozen. */
const MAX_BODY = 256
/** A key: 0-9, *, #, A-D, or 16 (hook flash, RFC 4733 §3.2's code). */
const KEY = /^(?:[0-9*#A-Da-d]|16)$/
const SIGNAL_LINE = /^\s*signal\s*=\s*(\S+)\s*$/im

/** The media type of an INFO request whose body is a DTMF key, or undefined. */
export function dtmfInfoType(m: SipMessage, bytes: Uint8Array): string | undefined {
  if (m.kind !== 'request' || m.method !== 'INFO' || m.bodyEnd <= m.bodyStart) return undefined
  const type = (headerValue(m.headers, 'content-type') ?? '').split(';')[0]!.trim().toLowerCase()
  if (type !== 'application/dtmf-relay' && type !== 'application/dtmf') return undefined
  const body = utf8(bytes, m.bodyStart, m.bodyEnd, MAX_BODY)
  const key = type === 'application/dtmf' ? body.trim() : SIGNAL_LINE.exec(body)?.[1]
  return key !== undefined && KEY.test(key) ? type : undefined
}
