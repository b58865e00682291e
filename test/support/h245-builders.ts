/**
 * H.245 messages for tests (ITU-T H.245 MultimediaSystemControlMessage in aligned PER, X.691),
 * written field by field in the order H.245's ASN.1 gives them.
 */
import {h245ControlAdditions, PerWriter} from './h323-builders.js'

/** H.245's protocolIdentifier, itu-t(0) recommendation(0) h(8) 245 version(0) 7, BER contents. */
const H245_OID = [0x00, 0x08, 0x81, 0x75, 0x00, 0x07]

/** The CHOICE indices of MultimediaSystemControlMessage (4 root) and of each kind's message. */
function head(w: PerWriter, kind: number, index: number, rootCount: number): PerWriter {
  w.bool(false).bits(kind, 2)
  return w.bool(false).bits(index, Math.ceil(Math.log2(rootCount)))
}

/** request.terminalCapabilitySet with no capabilities: the message every session opens with. */
export function h245TerminalCapabilitySet(sequenceNumber = 1): Buffer {
  const w = head(new PerWriter(), 0, 2, 11)
  w.bool(false).bits(0, 3) // extension bit; multiplexCapability, capabilityTable, capabilityDescriptors absent
  w.align().bits(sequenceNumber, 8)
  w.length(H245_OID.length).octets(H245_OID)
  return w.toBuffer()
}

/** request.masterSlaveDetermination. */
export function h245MasterSlaveDetermination(terminalType = 50, number = 0x123456): Buffer {
  const w = head(new PerWriter(), 0, 1, 11)
  w.bool(false).align().bits(terminalType, 8)
  // statusDeterminationNumber INTEGER (0..16777215): a range over 64K, so the count of octets
  // (1..3, in 2 bits) then the octets, aligned (X.691 §11.5.7.4).
  w.bits(2, 2).align().bits(number, 24)
  return w.toBuffer()
}

/** response.terminalCapabilitySetAck. */
export function h245TerminalCapabilitySetAck(sequenceNumber = 1): Buffer {
  const w = head(new PerWriter(), 1, 3, 19)
  w.bool(false).align().bits(sequenceNumber, 8)
  return w.toBuffer()
}

export interface AckAddress {
  ip: string
  port: number
}

function transportAddress(w: PerWriter, a: AckAddress): void {
  const v6 = a.ip.includes(':')
  w.bool(false).bits(0, 1) // TransportAddress: unicastAddress
  w.bool(false).bits(v6 ? 2 : 0, 3) // UnicastAddress: iPAddress or iP6Address
  w.bool(false) // the address SEQUENCE's extension bit
  w.octets(v6 ? ipv6Bytes(a.ip) : a.ip.split('.').map(Number))
  w.align().bits(a.port, 16)
}

function ipv6Bytes(ip: string): number[] {
  const [left, right] = ip.split('::') as [string, string | undefined]
  const l = left ? left.split(':') : []
  const r = right !== undefined && right !== '' ? right.split(':') : []
  const groups = [...l, ...Array(8 - l.length - r.length).fill('0'), ...r].map((g) => Number.parseInt(g, 16))
  return groups.flatMap((g) => [g >> 8, g & 0xff])
}

/**
 * response.openLogicalChannelAck of forward channel `channel`, with H2250LogicalChannelAckParameters
 * naming where the acknowledging side receives the media (RTP) and reports (RTCP).
 */
export function h245OpenLogicalChannelAck(channel: number, o: {sessionId?: number; media?: AckAddress; control?: AckAddress}): Buffer {
  const params = new PerWriter()
  params.bool(false) // forwardMultiplexAckParameters: extension bit; its one root alternative needs no index
  params.bool(false) // H2250LogicalChannelAckParameters: extension bit
  params.bool(false).bool(o.sessionId !== undefined).bool(o.media !== undefined).bool(o.control !== undefined).bool(false)
  if (o.sessionId !== undefined) params.bits(o.sessionId - 1, 8)
  if (o.media) transportAddress(params, o.media)
  if (o.control) transportAddress(params, o.control)
  const inner = params.toBuffer()
  const w = head(new PerWriter(), 1, 5, 19)
  w.bool(true).bool(false) // extension additions follow; no reverseLogicalChannelParameters
  w.align().bits(channel - 1, 16)
  // Two extension additions known (separateStack, forwardMultiplexAckParameters): the count less
  // one as a normally small number, the presence bitmap, then the present one as an open type.
  w.bool(false).bits(1, 6).bool(false).bool(true)
  w.length(inner.length).octets(inner)
  return w.toBuffer()
}

/** indication.userInput with the keys as an alphanumeric GeneralString. */
export function h245UserInputAlphanumeric(keys: string): Buffer {
  const w = head(new PerWriter(), 3, 13, 14)
  w.bool(false).bits(1, 1) // UserInputIndication: alphanumeric
  w.length(keys.length).octets([...Buffer.from(keys, 'latin1')])
  return w.toBuffer()
}

/** indication.userInput with one key as a signal (an extension alternative: an open type). */
export function h245UserInputSignal(key: string, duration = 200): Buffer {
  const signal = new PerWriter()
  signal.bool(false).bool(true).bool(false) // extension bit; duration present, rtp absent
  // signalType IA5String (SIZE (1)) FROM ("0123456789#*ABCD!"): in aligned PER each character
  // of a permitted alphabet of 17 takes 8 bits, here its IA5 code (X.691 §30.5).
  signal.bits(key.charCodeAt(0), 8)
  signal.align().bits(duration - 1, 16)
  const body = signal.toBuffer()
  const w = head(new PerWriter(), 3, 13, 14)
  w.bool(true).bool(false).bits(1, 6) // an extension alternative: index 1, signal
  w.length(body.length).octets(body)
  return w.toBuffer()
}

/** indication.userInput signalUpdate: a key already sent lasts longer (no new key). */
export function h245UserInputSignalUpdate(duration = 400): Buffer {
  const update = new PerWriter()
  update.bool(false).bool(false) // extension bit; rtp absent
  update.align().bits(duration - 1, 16)
  const body = update.toBuffer()
  const w = head(new PerWriter(), 3, 13, 14)
  w.bool(true).bool(false).bits(2, 6)
  w.length(body.length).octets(body)
  return w.toBuffer()
}

/**
 * An H323-UserInformation whose body is `empty` and whose h245Control tunnels `messages` (H.225.0
 * §7.4.1): what an endpoint sends in a FACILITY when it has only H.245 to say.
 */
export function h225TunnelledH245(messages: Buffer[]): Buffer {
  const w = new PerWriter()
  w.bool(false).bool(false) // H323-UserInformation: extension bit, user-data absent
  w.bool(true).bool(false) // H323-UU-PDU: extension additions follow, nonStandardData absent
  w.bool(true).bool(false).bits(1, 6) // h323-message-body: extension alternative 1, empty (0 is progress)
  w.length(1).octets([0]) // its NULL value: an open type of one zero octet (X.691 §11.2)
  h245ControlAdditions(w, messages)
  return w.toBuffer()
}

/** H2250LogicalChannelParameters of session 1 with where RTP and RTCP go, as given. */
function h2250Parameters(o: {media?: AckAddress; control?: AckAddress}): Buffer {
  const params = new PerWriter()
  // Extension bit; optional fields: nonStandard, associatedSessionID, mediaChannel,
  // mediaGuaranteedDelivery, mediaControlChannel, then five more, absent.
  params.bool(false).bool(false).bool(false).bool(o.media !== undefined).bool(false).bool(o.control !== undefined).bits(0, 5)
  params.align().bits(1, 8) // sessionID
  if (o.media) transportAddress(params, o.media)
  if (o.control) transportAddress(params, o.control)
  return params.toBuffer()
}

/** An audio DataType: audioData, the AudioCapability `codec` with 20 frames per packet. */
function audioDataType(w: PerWriter, codec: number): void {
  w.bool(false).bits(3, 3) // dataType: audioData
  w.bool(false).bits(codec, 4) // AudioCapability
  w.align().bits(20 - 1, 8) // frames per packet, INTEGER (1..256)
}

/**
 * An OpenLogicalChannel (as fastStart carries it, and inside a request): a forward audio channel,
 * `codec` the AudioCapability's index (1 g711Alaw64k, 3 g711Ulaw64k, 10 g729...), carried per
 * H.225.0 with `control` its RTCP address; with `reverseMedia`, a reverse channel whose RTP goes
 * there.
 */
export function openLogicalChannelBody(channel: number, codec: number, o: {control?: AckAddress; reverseMedia?: AckAddress} = {}): Buffer {
  const forward = h2250Parameters({control: o.control})
  const w = new PerWriter()
  w.bool(false).bool(o.reverseMedia !== undefined) // extension bit; reverseLogicalChannelParameters
  w.align().bits(channel - 1, 16)
  w.bool(false).bool(false) // forwardLogicalChannelParameters: extension bit, no portNumber
  audioDataType(w, codec)
  w.bool(true).bool(false).bits(0, 6) // multiplexParameters: extension alternative 0, h2250LogicalChannelParameters
  w.length(forward.length).octets(forward)
  if (o.reverseMedia) {
    const reverse = h2250Parameters({media: o.reverseMedia})
    w.bool(false).bool(true) // reverseLogicalChannelParameters: extension bit, multiplexParameters present
    audioDataType(w, codec)
    w.bool(true).bool(false).bits(0, 6) // multiplexParameters: extension alternative 0, h2250LogicalChannelParameters
    w.length(reverse.length).octets(reverse)
  }
  return w.toBuffer()
}

/** request.openLogicalChannel (see openLogicalChannelBody). */
export function h245OpenLogicalChannel(channel: number, codec: number, o: {control?: AckAddress; reverseMedia?: AckAddress} = {}): Buffer {
  const w = head(new PerWriter(), 0, 3, 11)
  return Buffer.concat([w.toBuffer(), openLogicalChannelBody(channel, codec, o)])
}
