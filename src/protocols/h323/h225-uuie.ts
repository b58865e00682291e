/**
 * The H.225.0 message a Q.931 User-user element carries (H323-UserInformation, ITU-T H.225.0
 * Annex H's ASN.1, aligned PER): which message it is, and what it says of the parties: the
 * caller's aliases (Setup's sourceAddress: an H.323 ID such as "m.jemec", dialled digits, a URL
 * or e-mail address), the called aliases (destinationAddress), and the device that sent it (its
 * EndpointType: vendor, product and version, and whether it is a terminal, gateway, MCU or
 * gatekeeper). Read as far as these fields and no further; a structure this reader does not
 * follow (a gateway's protocol list before the called aliases) ends the read with what it had.
 */
import {check, PerReader, Unfollowed} from './per-reader.js'
import {decodeWireText} from '../../util/wire-text.js'

export interface H225Alias {
  type: 'dialledDigits' | 'h323-ID' | 'url-ID' | 'email-ID'
  value: string
}

export interface H225Endpoint {
  /** H221NonStandard: ITU-T T.35 country code and manufacturer code, as Wireshark names the pair. */
  t35CountryCode: number | null
  manufacturerCode: number | null
  productId: string | null
  versionId: string | null
  /** Which node types the endpoint declares: terminal, gateway, mcu (a conference bridge), gatekeeper. */
  kinds: string[]
}

export interface H225Message {
  /** setup, callProceeding, connect, alerting, information, releaseComplete, facility, or an
   * extension message's index (`extension-N`). */
  body: string
  sourceAliases: H225Alias[]
  destinationAliases: H225Alias[]
  /** The sender's EndpointType (Setup's sourceInfo; the destinationInfo of CallProceeding, Alerting, Connect). */
  endpoint: H225Endpoint | null
}

const BODIES = ['setup', 'callProceeding', 'connect', 'alerting', 'information', 'releaseComplete', 'facility']
/** Aliases kept per list. */
const MAX_ALIASES = 8
const MAX_TEXT = 256
/** X.691 §30.5.4: dialledDigits' permitted alphabet FROM("0123456789#*,"), each character coded
 * as its index in the alphabet's canonical (code) order, in 4 bits. */
const DIGITS = '#*,0123456789'

/** Decode the H323-UserInformation at b[start, end). */
export function readH225(b: Uint8Array, start: number, end: number): H225Message | undefined {
  const r = new PerReader(b, start, end)
  // H323-UserInformation: extension bit, user-data present; H323-UU-PDU: extension bit,
  // nonStandardData present; then the message body CHOICE (7 root alternatives, extensible).
  r.bits(2)
  r.bits(2)
  const index = r.choice(BODIES.length, true)
  if (!r.ok) return undefined
  const message: H225Message = {body: index >= 0 ? BODIES[index]! : `extension-${-1 - index}`, sourceAliases: [], destinationAliases: [], endpoint: null}
  try {
    if (index === 0) readSetup(r, message)
    else if (index === 1 || index === 3) {
      // CallProceeding-UUIE, Alerting-UUIE: extension bit, h245Address present, protocolIdentifier, destinationInfo.
      r.bits(2)
      readProtocolIdentifier(r)
      message.endpoint = readEndpoint(r).endpoint
    } else if (index === 2) {
      // Connect-UUIE: extension bit, h245Address present, protocolIdentifier, h245Address, destinationInfo.
      r.bool()
      const h245 = r.bool()
      readProtocolIdentifier(r)
      if (h245) skipTransportAddress(r)
      message.endpoint = readEndpoint(r).endpoint
    }
  } catch (error) {
    if (error instanceof NotH225) return undefined
    if (!(error instanceof Unfollowed)) throw error
  }
  return message
}

export {Unfollowed} from './per-reader.js'

/** The bytes are not an H.225.0 message (their protocolIdentifier is not H.225.0's). */
export class NotH225 extends Error {}

/** H.225.0's protocolIdentifier, itu-t(0) recommendation(0) h(8) 2250 version(0) N: its BER
 * contents begin 00 08 91 4a (2250 in base 128 is 0x91 0x4a). */
const H225_OID_PREFIX = [0x00, 0x08, 0x91, 0x4a]

/** Read the protocolIdentifier that begins every H.225.0 message that has one; throws NotH225
 * when it is another: the check that tells H.225.0 from bytes that merely decode (PER has no
 * other marker). */
export function readProtocolIdentifier(r: PerReader): void {
  const n = r.length()
  const at = r.octets(n)
  check(r)
  if (n < H225_OID_PREFIX.length || H225_OID_PREFIX.some((x, i) => r.bytes[at!.start + i] !== x)) throw new NotH225()
}

/** Setup-UUIE: extension bit, 7 optional fields' presence, protocolIdentifier, h245Address,
 * sourceAddress, sourceInfo, destinationAddress (then fields not read). */
function readSetup(r: PerReader, m: H225Message): void {
  r.bool()
  const h245 = r.bool()
  const source = r.bool()
  const destination = r.bool()
  r.bits(4) // destCallSignalAddress, destExtraCallInfo, destExtraCRV, callServices
  readProtocolIdentifier(r)
  if (h245) skipTransportAddress(r)
  if (source) m.sourceAliases = readAliases(r)
  const sourceInfo = readEndpoint(r)
  m.endpoint = sourceInfo.endpoint
  skipRestOfEndpoint(r, sourceInfo)
  if (destination) m.destinationAliases = readAliases(r)
}

export function skipObjectIdentifier(r: PerReader): void {
  r.skipOctets(r.length())
  check(r)
}

/** SEQUENCE OF AliasAddress. */
export function readAliases(r: PerReader): H225Alias[] {
  const count = r.length()
  const out: H225Alias[] = []
  for (let i = 0; i < count; i++) {
    check(r)
    const alias = readAlias(r)
    if (alias && out.length < MAX_ALIASES) out.push(alias)
  }
  check(r)
  return out
}

/**
 * AliasAddress ::= CHOICE { dialledDigits IA5String (SIZE (1..128)) (FROM ("0123456789#*,")),
 * h323-ID BMPString (SIZE (1..256)), ..., url-ID IA5String (SIZE (1..512)), transportID,
 * email-ID IA5String (SIZE (1..512)), partyNumber, ... }
 */
function readAlias(r: PerReader): H225Alias | undefined {
  const index = r.choice(2, true)
  if (index === 0) {
    const n = r.constrained(1, 128)
    r.align()
    let digits = ''
    for (let i = 0; i < n; i++) {
      const digit = DIGITS[r.bits(4)]
      // Indexes 13-15 are outside the permitted alphabet: no encoder writes them.
      if (digit === undefined) throw new NotH225()
      digits += digit
    }
    check(r)
    return {type: 'dialledDigits', value: digits}
  }
  if (index === 1) {
    const n = r.constrained(1, 256)
    const at = r.octets(n * 2)
    check(r)
    return {type: 'h323-ID', value: bmpText(r, at!.start, at!.end)}
  }
  // Extension alternatives come as open types: url-ID (0) and email-ID (2) are read inside theirs.
  const length = r.length()
  const at = r.octets(length)
  check(r)
  const extension = -1 - index
  if (extension !== 0 && extension !== 2) return undefined
  const inner = new PerReader(r.bytes, at!.start, at!.end)
  const n = inner.constrained(1, 512)
  const text = inner.octets(n)
  if (!text) return undefined
  return {type: extension === 0 ? 'url-ID' : 'email-ID', value: decodeWireText(r.bytes.subarray(text.start, text.end), MAX_TEXT)}
}

/** UTF-16BE (BMPString) at b[start, end). */
function bmpText(r: PerReader, start: number, end: number): string {
  const b = r.bytes
  let out = ''
  for (let i = start; i + 1 < end && out.length < MAX_TEXT; i += 2) out += String.fromCharCode((b[i]! << 8) | b[i + 1]!)
  return out
}

const KINDS = ['gatekeeper', 'gateway', 'mcu', 'terminal']

/**
 * EndpointType ::= SEQUENCE { nonStandardData OPTIONAL, vendor VendorIdentifier OPTIONAL,
 * gatekeeper OPTIONAL, gateway OPTIONAL, mcu OPTIONAL, terminal OPTIONAL, mc BOOLEAN,
 * undefinedNode BOOLEAN, ... }: read to the vendor. `skipRestOfEndpoint` reads on past it.
 */
export function readEndpoint(r: PerReader): {endpoint: H225Endpoint; present: number; extended: boolean} {
  const extended = r.bool()
  const present = r.bits(6)
  if (present & 0x20) skipNonStandardParameter(r)
  const kinds = KINDS.filter((_, i) => present & (0x08 >> i))
  const vendor = present & 0x10 ? readVendor(r) : undefined
  const endpoint: H225Endpoint = vendor ? {...vendor, kinds} : {t35CountryCode: null, manufacturerCode: null, productId: null, versionId: null, kinds}
  return {endpoint, present, extended}
}

/**
 * VendorIdentifier ::= SEQUENCE { vendor H221NonStandard, productId OCTET STRING (SIZE(1..256))
 * OPTIONAL, versionId OCTET STRING (SIZE(1..256)) OPTIONAL, ..., enterpriseNumber OPTIONAL }, its
 * extension additions (enterpriseNumber) skipped. H221NonStandard: extension bit,
 * t35CountryCode, t35Extension, manufacturerCode.
 */
export function readVendor(r: PerReader): Omit<H225Endpoint, 'kinds'> {
  const extended = r.bool()
  const product = r.bool()
  const version = r.bool()
  r.bool()
  const t35CountryCode = r.constrained(0, 256)
  r.constrained(0, 256)
  const manufacturerCode = r.constrained(0, 65536)
  const productId = product ? octetText(r) : null
  const versionId = version ? octetText(r) : null
  if (extended) r.skipExtensionAdditions()
  check(r)
  return {t35CountryCode, manufacturerCode, productId, versionId}
}

/** OCTET STRING (SIZE (1..256)) as text, without the NULs some devices end it with. */
function octetText(r: PerReader): string | null {
  const n = r.constrained(1, 256)
  const at = r.octets(n)
  if (!at) return null
  let end = at.end
  while (end > at.start && r.bytes[end - 1] === 0) end--
  return end > at.start ? decodeWireText(r.bytes.subarray(at.start, end), MAX_TEXT) : null
}

/** The rest of an EndpointType after its vendor: gatekeeper, gateway, mcu, terminal, mc,
 * undefinedNode, extension additions. A gateway that lists its protocols is not followed. */
export function skipRestOfEndpoint(r: PerReader, e: {present: number; extended: boolean}): void {
  // GatekeeperInfo, McuInfo, TerminalInfo: extension bit, nonStandardData present, it, additions.
  const simple = (): void => {
    const extended = r.bool()
    if (r.bool()) skipNonStandardParameter(r)
    if (extended) r.skipExtensionAdditions()
    check(r)
  }
  if (e.present & 0x08) simple()
  if (e.present & 0x04) {
    // GatewayInfo: extension bit, protocol present, nonStandardData present, ...
    const extended = r.bool()
    if (r.bool()) throw new Unfollowed()
    if (r.bool()) skipNonStandardParameter(r)
    if (extended) r.skipExtensionAdditions()
  }
  if (e.present & 0x02) simple()
  if (e.present & 0x01) simple()
  r.bits(2) // mc, undefinedNode
  if (e.extended) r.skipExtensionAdditions()
  check(r)
}

/** NonStandardParameter ::= SEQUENCE { nonStandardIdentifier CHOICE { object OBJECT IDENTIFIER,
 * h221NonStandard H221NonStandard, ... }, data OCTET STRING }. */
export function skipNonStandardParameter(r: PerReader): void {
  const index = r.choice(2, true)
  if (index === 0) skipObjectIdentifier(r)
  else if (index === 1) {
    r.bool()
    r.skipOctets(4)
  } else r.skipOpenType()
  r.skipOctets(r.length())
  check(r)
}

/**
 * TransportAddress ::= CHOICE { ipAddress SEQUENCE { ip OCTET STRING (SIZE(4)), port }, ipSourceRoute,
 * ipxAddress, ip6Address SEQUENCE { ip OCTET STRING (SIZE(16)), port, ... }, netBios OCTET STRING
 * (SIZE(16)), nsap OCTET STRING (SIZE(1..20)), nonStandardAddress NonStandardParameter, ... }
 */
export function skipTransportAddress(r: PerReader): void {
  const index = r.choice(7, true)
  switch (index) {
    case 0:
      r.skipOctets(6)
      break
    case 3:
      r.bool()
      r.skipOctets(18)
      break
    case 4:
      r.skipOctets(16)
      break
    case 5:
      r.skipOctets(r.constrained(1, 20))
      break
    case 6:
      skipNonStandardParameter(r)
      break
    default:
      if (index < 0) r.skipOpenType()
      else throw new Unfollowed() // ipSourceRoute, ipxAddress: not seen in H.323 deployments
  }
  check(r)
}

/** QseriesOptions ::= SEQUENCE { q932Full ... q957Full BOOLEAN, q954Info Q954Details { conferenceCalling
 * BOOLEAN, threePartyService BOOLEAN, ... }, ... }: the callServices of a Setup-UUIE and of RAS messages. */
export function skipCallServices(r: PerReader): void {
  const extended = r.bool()
  r.bits(7)
  const detailsExtended = r.bool()
  r.bits(2)
  if (detailsExtended) r.skipExtensionAdditions()
  if (extended) r.skipExtensionAdditions()
}
