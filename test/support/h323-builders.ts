/**
 * H.323 call signalling for tests: TPKT (RFC 1006), Q.931 messages with their information
 * elements, and the H.225.0 messages of their User-user element written in aligned PER (X.691),
 * field by field as H.225.0's ASN.1 orders them.
 */

/** An aligned-PER bit writer. */
export class PerWriter {
  private readonly bytes: number[] = []
  private bit = 0

  bits(value: number, n: number): this {
    for (let i = n - 1; i >= 0; i--) {
      if ((this.bit & 7) === 0) this.bytes.push(0)
      if ((value >> i) & 1) this.bytes[this.bytes.length - 1]! |= 0x80 >> (this.bit & 7)
      this.bit++
    }
    return this
  }

  bool(v: boolean): this {
    return this.bits(v ? 1 : 0, 1)
  }

  align(): this {
    this.bit = (this.bit + 7) & ~7
    return this
  }

  octets(data: Buffer | number[]): this {
    this.align()
    for (const x of data) this.bits(x, 8)
    return this
  }

  /** Unconstrained length determinant (one or two octets). */
  length(n: number): this {
    this.align()
    return n < 128 ? this.bits(n, 8) : this.bits(0x8000 | n, 16)
  }

  toBuffer(): Buffer {
    return Buffer.from(this.bytes)
  }
}

export type Alias = {dialledDigits: string} | {h323Id: string} | {email: string} | {url: string}

const DIGITS = '#*,0123456789'

function alias(w: PerWriter, a: Alias): void {
  if ('dialledDigits' in a) {
    w.bool(false).bits(0, 1).bits(a.dialledDigits.length - 1, 7).align()
    for (const c of a.dialledDigits) w.bits(DIGITS.indexOf(c), 4)
  } else if ('h323Id' in a) {
    w.bool(false).bits(1, 1).align().bits(a.h323Id.length - 1, 8)
    w.octets([...a.h323Id].flatMap((c) => [c.charCodeAt(0) >> 8, c.charCodeAt(0) & 0xff]))
  } else {
    // An extension alternative (url-ID 0, email-ID 2): its index as a normally small number,
    // then the IA5String (SIZE(1..512)) as an open type: a two-octet length, 8-bit characters.
    const text = 'email' in a ? a.email : a.url
    w.bool(true).bits(0, 1).bits('email' in a ? 2 : 0, 6)
    const inner = new PerWriter().bits(text.length - 1, 16).octets(Buffer.from(text, 'latin1')).toBuffer()
    w.length(inner.length).octets(inner)
  }
}

function aliases(w: PerWriter, list: Alias[]): void {
  w.length(list.length)
  for (const a of list) alias(w, a)
}

export interface Endpoint {
  vendor?: {country: number; manufacturer: number; product?: string; version?: string}
  /** Node types declared (an MCU or gatekeeper as well as a terminal...). */
  kinds?: Array<'gatekeeper' | 'gateway' | 'mcu' | 'terminal'>
  /** A gateway that lists the protocols it supports (not read past). */
  gatewayProtocols?: boolean
}

function octetString(w: PerWriter, text: string): void {
  w.align().bits(text.length - 1, 8).octets(Buffer.from(text, 'latin1'))
}

/** EndpointType ::= SEQUENCE { nonStandardData, vendor, gatekeeper, gateway, mcu, terminal OPTIONAL..., mc, undefinedNode, ... } */
function endpoint(w: PerWriter, e: Endpoint): void {
  const kinds = e.kinds ?? ['terminal']
  w.bool(false).bool(false).bool(e.vendor !== undefined)
  for (const k of ['gatekeeper', 'gateway', 'mcu', 'terminal'] as const) w.bool(kinds.includes(k))
  if (e.vendor) {
    w.bool(false).bool(e.vendor.product !== undefined).bool(e.vendor.version !== undefined)
    w.bool(false).align().bits(e.vendor.country, 8).bits(0, 8).bits(e.vendor.manufacturer, 16)
    if (e.vendor.product !== undefined) octetString(w, e.vendor.product)
    if (e.vendor.version !== undefined) octetString(w, e.vendor.version)
  }
  for (const k of ['gatekeeper', 'gateway', 'mcu', 'terminal'] as const) {
    if (!kinds.includes(k)) continue
    if (k === 'gateway') {
      w.bool(false).bool(e.gatewayProtocols === true).bool(false)
      // protocol: SEQUENCE OF SupportedProtocols, one voice entry (never read).
      if (e.gatewayProtocols) w.length(1).bool(false).bits(6, 4).bool(false).bool(false).length(0)
    } else w.bool(false).bool(false)
  }
  w.bool(false).bool(false) // mc, undefinedNode
}

const PROTOCOL_ID = [0x00, 0x08, 0x91, 0x4a, 0x00, 0x04] // 0.0.8.2250.0.4: H.225.0 version 4

function ipAddress(w: PerWriter, ip: number[], port: number): void {
  w.bool(false).bits(0, 3).octets(ip).bits(port, 16)
}

/** Setup-UUIE in an H323-UserInformation: the caller's aliases and device, the called aliases. */
export function h225Setup(o: {source?: Alias[]; destination?: Alias[]; sourceInfo?: Endpoint; h245?: boolean; fastStart?: Buffer[]; tunnel?: Buffer[]}): Buffer {
  const w = new PerWriter()
  w.bool(false).bool(false) // H323-UserInformation: no extensions, no user-data
  w.bool(o.tunnel !== undefined).bool(false) // H323-UU-PDU: extension additions (h245Control), no nonStandardData
  w.bool(false).bits(0, 3) // body: setup
  w.bool(o.fastStart !== undefined).bool(o.h245 === true).bool(o.source !== undefined).bool(o.destination !== undefined).bool(true).bits(0, 3)
  w.length(PROTOCOL_ID.length).octets(PROTOCOL_ID)
  if (o.h245) ipAddress(w, [10, 0, 0, 1], 1300)
  if (o.source) aliases(w, o.source)
  endpoint(w, o.sourceInfo ?? {})
  if (o.destination) aliases(w, o.destination)
  ipAddress(w, [198, 51, 100, 20], 1720) // destCallSignalAddress
  w.bool(false) // activeMC
  w.octets(Buffer.alloc(16, 0x42)) // conferenceID
  w.bool(false).bits(0, 2) // conferenceGoal: create
  w.bool(false).bits(0, 2) // callType: pointToPoint
  if (o.fastStart) {
    // Seven extension additions known (sourceCallSignalAddress, remoteExtensionAddress,
    // callIdentifier, h245SecurityCapability, tokens, cryptoTokens, fastStart), only fastStart present.
    w.bool(false).bits(6, 6).bits(0b0000001, 7)
    const list = openTypeList(o.fastStart)
    w.length(list.length).octets(list)
  }
  if (o.tunnel) h245ControlAdditions(w, o.tunnel)
  return w.toBuffer()
}

/** SEQUENCE OF OCTET STRING, as fastStart and h245Control hold their messages. */
function openTypeList(items: Buffer[]): Buffer {
  const list = new PerWriter()
  list.length(items.length)
  for (const item of items) list.length(item.length).octets(item)
  return list.toBuffer()
}

/** CallProceeding (1), Alerting (3) or Connect (2) with the answering device; `tunnel`: H.245
 * messages in the PDU's h245Control (see h245ControlAdditions). */
export function h225Answer(body: 'callProceeding' | 'alerting' | 'connect', destinationInfo: Endpoint, o: {tunnel?: Buffer[]; fastStart?: Buffer[]} = {}): Buffer {
  const w = new PerWriter()
  w.bool(false).bool(false).bool(o.tunnel !== undefined).bool(false)
  w.bool(false).bits({callProceeding: 1, connect: 2, alerting: 3}[body], 3)
  w.bool(o.fastStart !== undefined).bool(false) // extension bit, h245Address absent
  w.length(PROTOCOL_ID.length).octets(PROTOCOL_ID)
  endpoint(w, destinationInfo)
  if (body === 'connect') w.octets(Buffer.alloc(16, 0x42))
  if (o.fastStart) {
    // The UUIE's extension additions: five known (callIdentifier, h245SecurityMode, tokens,
    // cryptoTokens, fastStart), only fastStart present: SEQUENCE OF OCTET STRING, an open type.
    const fastStart = openTypeList(o.fastStart)
    w.bool(false).bits(4, 6).bits(0b00001, 5)
    w.length(fastStart.length).octets(fastStart)
  }
  if (o.tunnel) h245ControlAdditions(w, o.tunnel)
  return w.toBuffer()
}

/**
 * The H323-UU-PDU's extension additions after its body (H.225.0 §7.4.1, H.245 tunnelling): three
 * of them, h4501SupplementaryService (absent), h245Tunnelling (TRUE) and h245Control holding
 * `messages`, each an open type.
 */
export function h245ControlAdditions(w: PerWriter, messages: Buffer[]): void {
  const h245Control = openTypeList(messages)
  w.bool(false).bits(2, 6) // three extension additions
  w.bool(false).bool(true).bool(true)
  w.length(1).octets([0x80]) // h245Tunnelling TRUE
  w.length(h245Control.length).octets(h245Control)
}

export const Q931 = {SETUP: 0x05, CALL_PROCEEDING: 0x02, ALERTING: 0x01, CONNECT: 0x07, RELEASE_COMPLETE: 0x5a, FACILITY: 0x62} as const

/** A Q.931 message (2-octet call reference) with Display, Calling/Called party numbers and a User-user element. */
export function q931(type: number, o: {fromDestination?: boolean; display?: string; calling?: string; called?: string; uuie?: Buffer} = {}): Buffer {
  const ies: Buffer[] = [Buffer.from([0x04, 0x03, 0x88, 0x90, 0xa5])] // bearer capability
  if (o.display !== undefined) ies.push(Buffer.concat([Buffer.from([0x28, o.display.length + 1]), Buffer.from(o.display, 'latin1'), Buffer.from([0])]))
  // Calling party number: octet 3 (type, plan) with octet 3a (presentation) after it.
  if (o.calling !== undefined) ies.push(Buffer.concat([Buffer.from([0x6c, o.calling.length + 2, 0x01, 0x80]), Buffer.from(o.calling, 'latin1')]))
  if (o.called !== undefined) ies.push(Buffer.concat([Buffer.from([0x70, o.called.length + 1, 0x81]), Buffer.from(o.called, 'latin1')]))
  ies.push(Buffer.from([0xa1])) // a single-octet element (sending complete)
  if (o.uuie) ies.push(Buffer.concat([Buffer.from([0x7e, (o.uuie.length + 1) >> 8, (o.uuie.length + 1) & 0xff, 0x05]), o.uuie]))
  return Buffer.concat([Buffer.from([0x08, 0x02, o.fromDestination ? 0x80 : 0x00, 0x2a, type]), ...ies])
}

/** A TPKT packet (RFC 1006 §6) around `payload`. */
export function tpkt(payload: Buffer): Buffer {
  const n = payload.length + 4
  return Buffer.concat([Buffer.from([3, 0, n >> 8, n & 0xff]), payload])
}

/** RAS RegistrationRequest (RasMessage 3): the aliases an endpoint registers, its device. */
export function rasRegistrationRequest(o: {aliases: Alias[]; terminal: Endpoint; vendor: NonNullable<Endpoint['vendor']>}): Buffer {
  const w = new PerWriter()
  w.bool(false).bits(3, 5) // RasMessage: registrationRequest
  w.bool(false).bool(false).bool(true).bool(false) // extension bit; nonStandardData, terminalAlias, gatekeeperIdentifier
  w.align().bits(18066, 16) // requestSeqNum (1..65535)
  w.length(PROTOCOL_ID.length).octets(PROTOCOL_ID)
  w.bool(false) // discoveryComplete
  w.length(1)
  ipAddress(w, [10, 47, 208, 204], 1720) // callSignalAddress
  w.length(1)
  ipAddress(w, [10, 47, 208, 204], 1719) // rasAddress
  endpoint(w, o.terminal)
  aliases(w, o.aliases)
  // endpointVendor
  w.bool(false).bool(o.vendor.product !== undefined).bool(o.vendor.version !== undefined)
  w.bool(false).align().bits(o.vendor.country, 8).bits(0, 8).bits(o.vendor.manufacturer, 16)
  if (o.vendor.product !== undefined) octetString(w, o.vendor.product)
  if (o.vendor.version !== undefined) octetString(w, o.vendor.version)
  w.bool(false) // keepAlive
  return w.toBuffer()
}

/** RAS AdmissionRequest (RasMessage 9): the caller's aliases (srcInfo) asking to call `destination`. */
export function rasAdmissionRequest(o: {source: Alias[]; destination: Alias[]}): Buffer {
  const w = new PerWriter()
  w.bool(false).bits(9, 5)
  w.bool(false).bool(false).bool(true).bool(false).bool(false).bool(false).bool(false).bool(false) // ext; callModel, destinationInfo, ...
  w.align().bits(3, 16) // requestSeqNum
  w.bool(false).bits(0, 2) // callType: pointToPoint
  const id = 'ep-17'
  w.bits(id.length - 1, 7).octets([...id].flatMap((ch) => [0, ch.charCodeAt(0)])) // endpointIdentifier
  aliases(w, o.destination)
  aliases(w, o.source)
  w.align().bits(0, 8).bits(200000 >> 16, 16) // a bandWidth (not read)
  return w.toBuffer()
}
