/**
 * H.245 tunnelled in H.225.0 call signalling (H.225.0 §7.4.1, "H.245 tunnelling"): instead of
 * opening a connection of its own for H.245, an endpoint puts its H.245 messages in the
 * h245Control field of the H323-UU-PDU of its Q.931 messages, and when it has no call signalling
 * to send, in a FACILITY message whose body is `empty`. Most room systems and gateways do so, and
 * the keys a caller presses then travel there too (H.245 userInput).
 *
 * H323-UU-PDU ::= SEQUENCE { h323-message-body CHOICE {...}, nonStandardData OPTIONAL, ...,
 * h4501SupplementaryService OPTIONAL, h245Tunnelling BOOLEAN, h245Control SEQUENCE OF OCTET
 * STRING OPTIONAL, ... }: h245Control is the third extension addition, after the message body,
 * which has to be read to its end first: setup, callProceeding, alerting, connect,
 * information, releaseComplete, facility, empty and the other extension alternatives. A body this
 * reader cannot follow to its end (a gateway listing its protocols, an address form H.323 does
 * not use) ends the read with nothing.
 *
 * Fast Connect (H.323 §8.1.7) puts openLogicalChannel requests in the body itself, in the fastStart
 * of a Setup-UUIE (the caller's offer) or of a CallProceeding-, Alerting- or Connect-UUIE (what the
 * called side accepts): those are returned too.
 */
import {check, PerReader, Unfollowed} from './per-reader.js'
import {NotH225, readAliases, readEndpoint, readProtocolIdentifier, skipCallServices, skipNonStandardParameter, skipRestOfEndpoint, skipTransportAddress} from './h225-uuie.js'

type Range = {start: number; end: number}

/** The H.245 an H323-UserInformation carries: `control`, the messages its h245Control tunnels;
 * `fastStart`, the openLogicalChannel requests of a Fast Connect (H.323 §8.1.7) in the body. */
export interface H225H245 {
  control: Range[]
  fastStart: Range[]
}

/** The octet ranges of the H.245 messages an H323-UserInformation at b[start, end) carries. */
export function h225H245(b: Uint8Array, start: number, end: number): H225H245 {
  const r = new PerReader(b, start, end)
  const found: H225H245 = {control: [], fastStart: []}
  try {
    r.bits(2) // H323-UserInformation: extension bit, user-data present (it follows the PDU)
    const extended = r.bool()
    const nonStandard = r.bool()
    skipBody(r, r.choice(7, true), found)
    if (nonStandard) skipNonStandardParameter(r)
    if (!r.ok || !extended) return found
    const control = extensionAddition(r, H245_CONTROL)
    if (control) found.control = octetStrings(control)
  } catch (error) {
    if (!(error instanceof Unfollowed) && !(error instanceof NotH225)) throw error
  }
  return found
}

/** The messages an H323-UserInformation's h245Control tunnels (see h225H245). */
export function tunnelledH245(b: Uint8Array, start: number, end: number): Range[] {
  return h225H245(b, start, end).control
}

/** h245Control's place among H323-UU-PDU's extension additions. */
const H245_CONTROL = 2
/** fastStart's place among the extension additions of CallProceeding-, Alerting- and Connect-UUIE
 * (after callIdentifier, h245SecurityMode, tokens, cryptoTokens). */
const FAST_START = 4
/** fastStart's place among a Setup-UUIE's extension additions (after sourceCallSignalAddress,
 * remoteExtensionAddress, callIdentifier, h245SecurityCapability, tokens, cryptoTokens). */
const SETUP_FAST_START = 6

/** SEQUENCE OF OCTET STRING: each string's range. */
function octetStrings(r: PerReader): Array<{start: number; end: number}> {
  const out: Array<{start: number; end: number}> = []
  const count = r.length()
  for (let i = 0; i < count && r.ok; i++) {
    const range = r.octets(r.length())
    if (range) out.push(range)
  }
  return out
}

/**
 * Read an h323-message-body to its end. Root alternatives: setup 0, callProceeding 1, connect 2,
 * alerting 3, information 4, releaseComplete 5, facility 6; extension alternatives (progress,
 * empty, status, statusInquiry, setupAcknowledge, notify) are open types.
 */
function skipBody(r: PerReader, index: number, found: H225H245): void {
  check(r)
  if (index < 0) {
    r.skipOpenType()
    return check(r)
  }
  const extended = r.bool()
  switch (index) {
    case 0: {
      // Setup-UUIE: h245Address, sourceAddress, destinationAddress, destCallSignalAddress,
      // destExtraCallInfo, destExtraCRV and callServices present; protocolIdentifier, then those
      // with sourceInfo, activeMC, conferenceID, conferenceGoal and callType in ASN.1 order.
      const present = r.bits(7)
      readProtocolIdentifier(r)
      if (present & 0x40) skipTransportAddress(r)
      if (present & 0x20) readAliases(r)
      skipRestOfEndpoint(r, readEndpoint(r))
      if (present & 0x10) readAliases(r)
      if (present & 0x08) skipTransportAddress(r)
      if (present & 0x04) readAliases(r)
      if (present & 0x02) {
        // destExtraCRV: SEQUENCE OF CallReferenceValue, INTEGER (0..65535).
        const count = r.length()
        for (let i = 0; i < count && r.ok; i++) r.constrained(0, 65536)
      }
      r.bool() // activeMC
      r.skipOctets(16) // conferenceID
      if (r.choice(3, true) < 0) r.skipOpenType() // conferenceGoal: create, join, invite
      if (present & 0x01) skipCallServices(r)
      if (r.choice(4, true) < 0) r.skipOpenType() // callType: pointToPoint, oneToN, nToOne, nToN
      break
    }
    case 1:
    case 3: {
      // CallProceeding-UUIE, Alerting-UUIE: h245Address present; protocolIdentifier,
      // destinationInfo, h245Address.
      const h245 = r.bool()
      readProtocolIdentifier(r)
      skipRestOfEndpoint(r, readEndpoint(r))
      if (h245) skipTransportAddress(r)
      break
    }
    case 2: {
      // Connect-UUIE: h245Address present; protocolIdentifier, h245Address, destinationInfo,
      // conferenceID (16 octets).
      const h245 = r.bool()
      readProtocolIdentifier(r)
      if (h245) skipTransportAddress(r)
      skipRestOfEndpoint(r, readEndpoint(r))
      r.skipOctets(16)
      break
    }
    case 4:
      // Information-UUIE: protocolIdentifier, then only extension additions.
      readProtocolIdentifier(r)
      break
    case 5: {
      // ReleaseComplete-UUIE: reason present; protocolIdentifier, reason (a CHOICE of 12 NULLs).
      const reason = r.bool()
      readProtocolIdentifier(r)
      if (reason && r.choice(12, true) < 0) r.skipOpenType()
      break
    }
    case 6: {
      // Facility-UUIE: alternativeAddress, alternativeAliasAddress, conferenceID present;
      // protocolIdentifier, them, reason (a CHOICE of 4 NULLs).
      const [address, aliases, conference] = [r.bool(), r.bool(), r.bool()]
      readProtocolIdentifier(r)
      if (address) skipTransportAddress(r)
      if (aliases) readAliases(r)
      if (conference) r.skipOctets(16)
      if (r.choice(4, true) < 0) r.skipOpenType()
      break
    }
    default:
      throw new Unfollowed()
  }
  if (extended) {
    if (index <= 3) {
      // fastStart's openLogicalChannel requests: the caller's offer in a Setup-UUIE, what the
      // called side accepts in a CallProceeding-, Alerting- or Connect-UUIE.
      const fastStart = extensionAddition(r, index === 0 ? SETUP_FAST_START : FAST_START)
      if (fastStart) found.fastStart = octetStrings(fastStart)
    } else r.skipExtensionAdditions()
  }
  check(r)
}

/**
 * Read a SEQUENCE's extension additions to their end (X.691 §19.7: the count less one, the
 * presence bitmap, then each present one as an open type): a reader over addition `wanted`'s
 * encoding, when it is present.
 */
function extensionAddition(r: PerReader, wanted: number): PerReader | undefined {
  const count = r.normallySmall() + 1
  const present: boolean[] = []
  for (let i = 0; i < count; i++) present.push(r.bool())
  let found: PerReader | undefined
  for (let i = 0; i < count && r.ok; i++) {
    if (!present[i]) continue
    const length = r.length()
    const at = r.octet()
    r.skipOctets(length)
    if (i === wanted && r.ok) found = new PerReader(r.bytes, at, at + length)
  }
  return found
}
