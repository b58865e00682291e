/**
 * An H.245 message (ITU-T H.245's MultimediaSystemControlMessage, aligned PER): the media control
 * of an H.323 call, on a TCP connection of its own whose address the call signalling gave
 * (h245Address), one message per TPKT packet. Read: which message it is (the names Wireshark
 * uses), whether a userInput indication carries keys the caller pressed (DTMF), and from an
 * openLogicalChannelAck the address where the acknowledging side receives the channel's media
 * (mediaChannel: RTP) and its reports (mediaControlChannel: RTCP). Nothing past those is followed.
 */
import {check, PerReader, Unfollowed} from './per-reader.js'
import {formatIpv4, formatIpv6} from '../../util/ip-text.js'

/** Each CHOICE's alternatives, root first then its extensions (H.245 §A, in ASN.1 order). */
const REQUEST = {
  root: ['nonStandard', 'masterSlaveDetermination', 'terminalCapabilitySet', 'openLogicalChannel', 'closeLogicalChannel', 'requestChannelClose', 'multiplexEntrySend', 'requestMultiplexEntry', 'requestMode', 'roundTripDelayRequest', 'maintenanceLoopRequest'],
  extensions: ['communicationModeRequest', 'conferenceRequest', 'multilinkRequest', 'logicalChannelRateRequest', 'genericRequest'],
}
const RESPONSE = {
  root: [
    'nonStandard', 'masterSlaveDeterminationAck', 'masterSlaveDeterminationReject', 'terminalCapabilitySetAck', 'terminalCapabilitySetReject', 'openLogicalChannelAck', 'openLogicalChannelReject', 'closeLogicalChannelAck',
    'requestChannelCloseAck', 'requestChannelCloseReject', 'multiplexEntrySendAck', 'multiplexEntrySendReject', 'requestMultiplexEntryAck', 'requestMultiplexEntryReject', 'requestModeAck', 'requestModeReject',
    'roundTripDelayResponse', 'maintenanceLoopAck', 'maintenanceLoopReject',
  ],
  extensions: ['communicationModeResponse', 'conferenceResponse', 'multilinkResponse', 'logicalChannelRateAcknowledge', 'logicalChannelRateReject', 'genericResponse'],
}
const COMMAND = {
  root: ['nonStandard', 'maintenanceLoopOffCommand', 'sendTerminalCapabilitySet', 'encryptionCommand', 'flowControlCommand', 'endSessionCommand', 'miscellaneousCommand'],
  extensions: ['communicationModeCommand', 'conferenceCommand', 'h223MultiplexReconfiguration', 'newATMVCCommand', 'mobileMultilinkReconfigurationCommand', 'genericCommand'],
}
const INDICATION = {
  root: [
    'nonStandard', 'functionNotUnderstood', 'masterSlaveDeterminationRelease', 'terminalCapabilitySetRelease', 'openLogicalChannelConfirm', 'requestChannelCloseRelease', 'multiplexEntrySendRelease',
    'requestMultiplexEntryRelease', 'requestModeRelease', 'miscellaneousIndication', 'jitterIndication', 'h223SkewIndication', 'newATMVCIndication', 'userInput',
  ],
  extensions: ['h2250MaximumSkewIndication', 'mcLocationIndication', 'conferenceIndication', 'vendorIdentification', 'functionNotSupported', 'multilinkIndication', 'logicalChannelRateRelease', 'flowControlIndication', 'mobileMultilinkReconfigurationIndication', 'genericIndication'],
}
const KINDS = [['request', REQUEST], ['response', RESPONSE], ['command', COMMAND], ['indication', INDICATION]] as const
/** UserInputIndication: 2 root alternatives, then its extensions. */
const USER_INPUT = {
  root: ['nonStandard', 'alphanumeric'],
  extensions: ['userInputSupportIndication', 'signal', 'signalUpdate', 'extendedAlphanumeric', 'encryptedAlphanumeric', 'genericInformation'],
}
/** The userInput forms that carry keys: a string of them (alphanumeric, extendedAlphanumeric),
 * or one key with its duration (signal). signalUpdate only lengthens a key already sent. */
const KEY_FORMS = new Set(['alphanumeric', 'signal', 'extendedAlphanumeric'])

export interface H245Address {
  ip: string
  port: number
}

export interface H245Opening {
  medium: string
  /** For audio and video, the capability named (g711Alaw64k...); else ''. */
  codec: string
  /** Where RTP and RTCP go, from the channel's h2250LogicalChannelParameters. */
  mediaChannel: H245Address | null
  mediaControlChannel: H245Address | null
}

export interface H245Message {
  kind: 'request' | 'response' | 'command' | 'indication'
  /** The message's name (terminalCapabilitySet, openLogicalChannelAck, userInput...). */
  name: string
  /** A userInput indication that carries keys: its form (the keys are not read). */
  keys?: string
  /** openLogicalChannel: the forward channel's medium and codec, as its dataType names them, and
   * the addresses its H.225.0 parameters give (forward or reverse), as far as read. */
  opens?: H245Opening
  /** An openLogicalChannel proposed or accepted in the call signalling's fastStart (H.323 §8.1.7). */
  fastStart?: true
  /** openLogicalChannelAck: what its H2250LogicalChannelAckParameters say, as far as read. */
  ack?: {sessionId: number | null; mediaChannel: H245Address | null; mediaControlChannel: H245Address | null}
}

function alternative(index: number, choice: {root: readonly string[]; extensions: readonly string[]}): string {
  return index >= 0 ? choice.root[index]! : (choice.extensions[-1 - index] ?? `extension-${-1 - index}`)
}

/** The MultimediaSystemControlMessage at b[start, end), or undefined when it does not decode. */
export function readH245(b: Uint8Array, start: number, end: number): H245Message | undefined {
  const r = new PerReader(b, start, end)
  const top = r.choice(4, true)
  if (!r.ok || top < 0) return undefined
  const [kind, choice] = KINDS[top]!
  const index = r.choice(choice.root.length, true)
  // The index's bits can name more alternatives than the root has: not H.245.
  if (!r.ok || index >= choice.root.length) return undefined
  const message: H245Message = {kind, name: alternative(index, choice)}
  try {
    if (message.name === 'userInput') {
      const form = alternative(r.choice(USER_INPUT.root.length, true), USER_INPUT)
      check(r)
      if (KEY_FORMS.has(form)) message.keys = form
    } else if (message.name === 'openLogicalChannelAck') readOpenLogicalChannelAck(r, message)
    else if (message.name === 'openLogicalChannel') message.opens = readOpenLogicalChannelFields(r)
  } catch (error) {
    if (!(error instanceof Unfollowed)) throw error
  }
  return message
}

/** DataType's alternatives (H.245 §A), root then extensions. */
const DATA_TYPE = {
  root: ['nonStandard', 'nullData', 'video', 'audio', 'data', 'encryptionData'],
  extensions: ['h235Control', 'h235Media', 'multiplexedStream', 'redundancyEncoding', 'multiplePayloadStream', 'fec'],
}
const AUDIO_CAPABILITY = {
  root: ['nonStandard', 'g711Alaw64k', 'g711Alaw56k', 'g711Ulaw64k', 'g711Ulaw56k', 'g722-64k', 'g722-56k', 'g722-48k', 'g7231', 'g728', 'g729', 'g729AnnexA', 'is11172AudioCapability', 'is13818AudioCapability'],
  extensions: ['g729wAnnexB', 'g729AnnexAwAnnexB', 'g7231AnnexCCapability', 'gsmFullRate', 'gsmHalfRate', 'gsmEnhancedFullRate', 'genericAudioCapability', 'g729Extensions', 'vbd', 'audioTelephonyEvent', 'audioTone'],
}
const VIDEO_CAPABILITY = {
  root: ['nonStandard', 'h261VideoCapability', 'h262VideoCapability', 'h263VideoCapability', 'is11172VideoCapability'],
  extensions: ['genericVideoCapability', 'extendedVideoCapability'],
}

/**
 * OpenLogicalChannel ::= SEQUENCE { forwardLogicalChannelNumber INTEGER (1..65535),
 * forwardLogicalChannelParameters SEQUENCE { portNumber INTEGER (0..65535) OPTIONAL, dataType
 * DataType, multiplexParameters CHOICE { h222..., h223..., v76..., ...,
 * h2250LogicalChannelParameters, none }, ..., }, reverseLogicalChannelParameters SEQUENCE {
 * dataType, multiplexParameters CHOICE { h223..., v76..., ..., h2250LogicalChannelParameters }
 * OPTIONAL, ... } OPTIONAL, ... }. The forward medium and codec are its CHOICE indices; the
 * addresses come from the H.225.0 parameters, reached when the data type's contents can be
 * passed (the common audio codecs, and any extension alternative, an open type).
 */
export function readOpenLogicalChannel(b: Uint8Array, start: number, end: number): H245Opening | undefined {
  const r = new PerReader(b, start, end)
  try {
    return readOpenLogicalChannelFields(r)
  } catch (error) {
    if (!(error instanceof Unfollowed)) throw error
    return undefined
  }
}

function readOpenLogicalChannelFields(r: PerReader): H245Opening | undefined {
  r.bool() // extension bit
  const reverse = r.bool()
  r.constrained(1, 65535)
  const forwardExtended = r.bool()
  if (r.bool()) r.constrained(0, 65536) // portNumber
  const type = r.choice(DATA_TYPE.root.length, true)
  check(r)
  if (type >= DATA_TYPE.root.length) return undefined
  const medium = alternative(type, DATA_TYPE)
  const capability = medium === 'audio' ? AUDIO_CAPABILITY : medium === 'video' ? VIDEO_CAPABILITY : undefined
  let codecIndex = -1
  if (capability) {
    codecIndex = r.choice(capability.root.length, true)
    check(r)
    if (codecIndex >= capability.root.length) return undefined
  }
  const opening: H245Opening = {medium, codec: capability ? alternative(codecIndex, capability) : '', mediaChannel: null, mediaControlChannel: null}
  try {
    skipDataTypeContents(r, type, codecIndex)
    // multiplexParameters: 3 root alternatives; h2250LogicalChannelParameters is extension 0.
    readH2250Choice(r, 3, opening)
    if (forwardExtended) r.skipExtensionAdditions()
    if (reverse && !opening.mediaChannel) {
      const reverseExtended = r.bool()
      const multiplex = r.bool()
      const reverseType = r.choice(DATA_TYPE.root.length, true)
      const reverseCapability = reverseType === 3 ? AUDIO_CAPABILITY : reverseType === 2 ? VIDEO_CAPABILITY : undefined
      const reverseCodec = reverseCapability ? r.choice(reverseCapability.root.length, true) : -1
      check(r)
      skipDataTypeContents(r, reverseType, reverseCodec)
      // multiplexParameters: 2 root alternatives here; h2250LogicalChannelParameters is extension 0.
      if (multiplex) readH2250Choice(r, 2, opening)
      if (reverseExtended) r.skipExtensionAdditions()
    }
  } catch (error) {
    if (!(error instanceof Unfollowed)) throw error
  }
  return opening
}

/** Audio capabilities whose value is one INTEGER (1..256), the frames per packet: G.711, G.722, G.728, G.729, G.729A. */
const FRAMES_ONLY = new Set([1, 2, 3, 4, 5, 6, 7, 9, 10, 11])
const G7231 = 8

/** Pass a DataType's value after its CHOICE indices (already read), or throw Unfollowed. */
function skipDataTypeContents(r: PerReader, type: number, codec: number): void {
  if (type < 0) return r.skipOpenType()
  if (type === 1) return // nullData
  if (type !== 2 && type !== 3) throw new Unfollowed()
  if (codec < 0) return r.skipOpenType() // an extension alternative (genericVideoCapability, H.264...)
  if (type === 3 && FRAMES_ONLY.has(codec)) r.constrained(1, 256)
  else if (type === 3 && codec === G7231) {
    // G7231 ::= SEQUENCE { maxAl-sduAudioFrames INTEGER (1..256), silenceSuppression BOOLEAN }
    r.constrained(1, 256)
    r.bool()
  } else throw new Unfollowed()
  check(r)
}

/** A multiplexParameters CHOICE of `root` root alternatives whose extension 0 is
 * h2250LogicalChannelParameters: its addresses into `opening`. */
function readH2250Choice(r: PerReader, root: number, opening: H245Opening): void {
  const index = r.choice(root, true)
  check(r)
  if (index !== -1) throw new Unfollowed()
  const length = r.length()
  const at = r.octet()
  r.skipOctets(length)
  check(r)
  readH2250Parameters(new PerReader(r.bytes, at, at + length), opening)
}

/**
 * H2250LogicalChannelParameters ::= SEQUENCE { nonStandard SEQUENCE OF NonStandardParameter
 * OPTIONAL, sessionID INTEGER (0..255), associatedSessionID INTEGER (1..255) OPTIONAL,
 * mediaChannel TransportAddress OPTIONAL, mediaGuaranteedDelivery BOOLEAN OPTIONAL,
 * mediaControlChannel TransportAddress OPTIONAL, ... (5 more optional fields), ... }.
 */
function readH2250Parameters(r: PerReader, opening: H245Opening): void {
  r.bool() // extension bit
  const present = r.bits(10)
  check(r)
  if (present & 0x200) return // vendor data before the addresses: not followed
  r.constrained(0, 256) // sessionID
  if (present & 0x100) r.constrained(1, 255) // associatedSessionID
  check(r)
  try {
    // Read whether or not the forward parameters gave one already: the fields follow each other.
    const media = present & 0x80 ? readTransportAddress(r) : null
    opening.mediaChannel ??= media
    if (present & 0x40) r.bool() // mediaGuaranteedDelivery
    const control = present & 0x20 ? readTransportAddress(r) : null
    opening.mediaControlChannel ??= control
  } catch (error) {
    if (!(error instanceof Unfollowed)) throw error
  }
}

/**
 * OpenLogicalChannelAck ::= SEQUENCE { forwardLogicalChannelNumber INTEGER (1..65535),
 * reverseLogicalChannelParameters SEQUENCE {...} OPTIONAL, ..., separateStack OPTIONAL,
 * forwardMultiplexAckParameters CHOICE { h2250LogicalChannelAckParameters, ... } OPTIONAL, ... }.
 * A bidirectional channel's reverse parameters are not followed (the read stops there).
 */
function readOpenLogicalChannelAck(r: PerReader, message: H245Message): void {
  const extended = r.bool()
  const reverse = r.bool()
  r.constrained(1, 65535)
  check(r)
  if (reverse || !extended) return
  // X.691 §19.7: the count of extension additions (less one), a bitmap of those present, then
  // each present one as an open type (a length, then its own encoding).
  const count = r.normallySmall() + 1
  const present: boolean[] = []
  for (let i = 0; i < count; i++) present.push(r.bool())
  check(r)
  if (present[0]) r.skipOpenType()
  if (!present[1]) return
  const length = r.length()
  const at = r.octet()
  check(r)
  const inner = new PerReader(r.bytes, at, Math.min(at + length, r.bytes.length))
  // forwardMultiplexAckParameters: extension bit, then the only root alternative (no index bits).
  if (inner.bool()) return
  message.ack = readH2250AckParameters(inner)
}

/**
 * H2250LogicalChannelAckParameters ::= SEQUENCE { nonStandard SEQUENCE OF NonStandardParameter
 * OPTIONAL, sessionID INTEGER (1..255) OPTIONAL, mediaChannel TransportAddress OPTIONAL,
 * mediaControlChannel TransportAddress OPTIONAL, dynamicRTPPayloadType INTEGER (96..127)
 * OPTIONAL, ... }.
 */
function readH2250AckParameters(r: PerReader): H245Message['ack'] {
  r.bool() // extension bit: the additions come after the fields read here
  const [nonStandard, session, media, control] = [r.bool(), r.bool(), r.bool(), r.bool()]
  r.bool() // dynamicRTPPayloadType present
  check(r)
  const ack = {sessionId: null as number | null, mediaChannel: null as H245Address | null, mediaControlChannel: null as H245Address | null}
  if (nonStandard) return ack // vendor data before the addresses: not followed
  if (session) ack.sessionId = r.constrained(1, 255)
  check(r)
  try {
    if (media) ack.mediaChannel = readTransportAddress(r)
    if (control) ack.mediaControlChannel = readTransportAddress(r)
  } catch (error) {
    if (!(error instanceof Unfollowed)) throw error
  }
  return ack
}

/**
 * TransportAddress ::= CHOICE { unicastAddress UnicastAddress, multicastAddress
 * MulticastAddress, ... }; of each, the IPv4 and IPv6 forms: SEQUENCE { network OCTET STRING
 * (SIZE (4 | 16)), tsapIdentifier INTEGER (0..65535), ... }. UnicastAddress has 5 root
 * alternatives (iPAddress, iPXAddress, iP6Address, netBios, iPSourceRouteAddress), MulticastAddress
 * 2 (iPAddress, iP6Address). Another form returns null and ends the read (it cannot be skipped).
 */
function readTransportAddress(r: PerReader): H245Address | null {
  const multicast = r.choice(2, true)
  check(r)
  if (multicast < 0) throw new Unfollowed()
  const form = r.choice(multicast === 0 ? 5 : 2, true)
  check(r)
  const v6 = multicast === 0 ? form === 2 : form === 1
  if (!v6 && form !== 0) throw new Unfollowed()
  if (r.bool()) throw new Unfollowed() // the address SEQUENCE's extension bit: additions follow
  // A fixed-size OCTET STRING over two octets is octet-aligned (X.691 §17.8); the port a
  // 16-bit aligned field (§11.5.7.3, range 65536).
  const network = r.octets(v6 ? 16 : 4)
  const port = r.constrained(0, 65536)
  check(r)
  return {ip: v6 ? formatIpv6(r.bytes, network!.start) : formatIpv4(r.bytes, network!.start), port}
}
