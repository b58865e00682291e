/**
 * Q.931 messages as H.323 call signalling carries them (ITU-T H.225.0 §7, over TPKT on TCP 1720):
 * the protocol discriminator 0x08, a call reference, the message type, then information elements
 * (ITU-T Q.931 §4.5). Read here: the message type, Display (the caller's or callee's name, as the
 * device shows it), Calling and Called party numbers, and where the User-user element (the
 * H.225.0 message, ./h225-uuie.ts) lies. H.225.0 codes User-user's length in two octets, unlike
 * Q.931's one (as Wireshark's Q.931 dissector reads it for H.225.0).
 */
import {decodeWireText} from '../../util/wire-text.js'

export const Q931_DISCRIMINATOR = 0x08

const MESSAGE_TYPES: Readonly<Record<number, string>> = {
  0x01: 'ALERTING',
  0x02: 'CALL PROCEEDING',
  0x03: 'PROGRESS',
  0x05: 'SETUP',
  0x07: 'CONNECT',
  0x0d: 'SETUP ACKNOWLEDGE',
  0x0f: 'CONNECT ACKNOWLEDGE',
  0x45: 'DISCONNECT',
  0x4d: 'RELEASE',
  0x5a: 'RELEASE COMPLETE',
  0x62: 'FACILITY',
  0x6e: 'NOTIFY',
  0x75: 'STATUS ENQUIRY',
  0x7b: 'INFORMATION',
  0x7d: 'STATUS',
}

/** Information element identifiers (Q.931 §4.5, Table 4-3). */
const IE_DISPLAY = 0x28
const IE_CALLING_PARTY_NUMBER = 0x6c
const IE_CALLED_PARTY_NUMBER = 0x70
const IE_USER_USER = 0x7e

/** Longest Display kept (Q.931 allows 82 characters; some devices send more). */
const MAX_TEXT = 128

export interface Q931Message {
  /** The message type's name, or `0x..` for one not in Q.931's table. */
  type: string
  /** The call reference flag: false from the side that originated the call. */
  fromDestination: boolean
  display: string | null
  callingNumber: string | null
  calledNumber: string | null
  /** The User-user element's contents after its protocol discriminator (H.225.0: 0x05, X.208/X.209). */
  userUser: {start: number; end: number} | null
}

/** Whether b[start, end) can begin a Q.931 message: the discriminator and a call reference of 0-2 octets. */
export function looksLikeQ931(b: Uint8Array, start: number, end: number): boolean {
  return end - start >= 3 && b[start] === Q931_DISCRIMINATOR && (b[start + 1]! & 0xf0) === 0 && (b[start + 1]! & 0x0f) <= 2 && (b[start + 2 + (b[start + 1]! & 0x0f)]! & 0x80) === 0
}

/** The Q.931 message at b[start, end) (one TPKT's payload), or undefined when it is not one. */
export function parseQ931(b: Uint8Array, start: number, end: number): Q931Message | undefined {
  if (!looksLikeQ931(b, start, end)) return undefined
  const refLength = b[start + 1]! & 0x0f
  const fromDestination = refLength > 0 && (b[start + 2]! & 0x80) !== 0
  let p = start + 2 + refLength
  const code = b[p++]!
  const message: Q931Message = {type: MESSAGE_TYPES[code] ?? `0x${code.toString(16).padStart(2, '0')}`, fromDestination, display: null, callingNumber: null, calledNumber: null, userUser: null}
  while (p < end) {
    const id = b[p]!
    // Single-octet elements (§4.5.1: bit 8 set) carry no length.
    if (id & 0x80) {
      p++
      continue
    }
    if (id === IE_USER_USER) {
      if (end - p < 3) break
      const length = (b[p + 1]! << 8) | b[p + 2]!
      const contents = p + 3
      if (length < 1 || contents + length > end) break
      // The protocol discriminator (0x05 for H.225.0's X.208/X.209-coded message) comes first.
      message.userUser = {start: contents + 1, end: contents + length}
      p = contents + length
      continue
    }
    if (end - p < 2) break
    const length = b[p + 1]!
    const contents = p + 2
    if (contents + length > end) break
    if (id === IE_DISPLAY) message.display = displayText(b, contents, contents + length)
    else if (id === IE_CALLING_PARTY_NUMBER) message.callingNumber = partyDigits(b, contents, contents + length)
    else if (id === IE_CALLED_PARTY_NUMBER) message.calledNumber = partyDigits(b, contents, contents + length)
    p = contents + length
  }
  return message
}

/** Display (Q.931 §4.5.16, IA5 characters): without the NUL terminator some devices add. */
function displayText(b: Uint8Array, start: number, end: number): string | null {
  let stop = end
  while (stop > start && b[stop - 1] === 0) stop--
  return stop > start ? decodeWireText(b.subarray(start, stop), MAX_TEXT) : null
}

/**
 * The digits of a Calling (§4.5.10) or Called (§4.5.8) party number: octet 3 (type and plan),
 * for a calling number an octet 3a (presentation, screening) when octet 3's extension bit is 0,
 * then IA5 digits.
 */
function partyDigits(b: Uint8Array, start: number, end: number): string | null {
  let p = start
  while (p < end && (b[p]! & 0x80) === 0) p++ // octets 3, 3a...: the last one has bit 8 set
  p++
  return p < end ? decodeWireText(b.subarray(p, end), MAX_TEXT) : null
}
