/**
 * One direction of a TLS connection over TCP, from segments to handshake messages: TCP
 * reassembly, then the record layer (RFC 8446 §5.1, RFC 5246 §6.2: type, legacy version, 16-bit
 * length, fragment), then handshake messages (RFC 8446 §4: type, 24-bit length, body) which may
 * span several records and so several segments.
 *
 * Most hellos arrive as whole records in in-order segments, so the stream starts "direct": records
 * and messages are read from the segment itself, nothing is copied. It falls back to a
 * TcpByteStream (copying) at the first segment that is out of order, repeated, or ends inside a
 * record; a message that continues in a later record is copied into the handshake buffer.
 * Bounded: the TCP stream keeps at most MAX_STREAM bytes and the handshake buffer MAX_HANDSHAKE;
 * beyond that the direction is cut and the message in progress can still be read in part.
 *
 * Views handed out (message bodies) are valid until the next call on the stream.
 */
import {TcpByteStream} from '../tcp-byte-stream.js'
import {CONTENT} from './tls-registry.js'

/** Bytes of one direction's stream kept for the handshake. */
export const MAX_STREAM = 64 * 1024
/** Bytes of handshake messages kept per direction. */
export const MAX_HANDSHAKE = 64 * 1024
/** Largest record accepted (2^14 plaintext + 2048 expansion, RFC 5246 §6.2.3). */
const MAX_RECORD = 16384 + 2048

export interface HandshakeMessage {
  type: number
  /** A view valid until the next call on the stream; copy to keep. */
  body: Uint8Array
  /** False when the body was cut (capture cap or end of data): only a prefix is there. */
  complete: boolean
}

/** Why a direction stopped yielding messages. */
export type StopReason = 'change-cipher-spec' | 'application-data' | 'not-tls' | 'cap'

/** True when `data` starts like a TLS record (content type 20-24, version 3.x; RFC 8446 §5.1). */
export function looksLikeTlsRecord(data: Uint8Array, at = 0): boolean {
  if (data.length < at + 3) return false
  const type = data[at]!
  return type >= CONTENT.CHANGE_CIPHER_SPEC && type <= CONTENT.HEARTBEAT && data[at + 1] === 3 && data[at + 2]! <= 4
}

const EMPTY: Uint8Array = new Uint8Array(0)

function u24(d: Uint8Array, at: number): number {
  return (d[at]! << 16) | (d[at + 1]! << 8) | d[at + 2]!
}

export class TlsRecordStream {
  /** Sequence number of the next byte expected, while direct; -1 before the first segment. */
  private nextSeq = -1
  /** Direct mode: the current segment and the offset of its next record. */
  private segment = EMPTY
  private segmentAt = 0
  /** Fallback mode: the reassembled stream and the offset of its next record. */
  private stream: TcpByteStream | undefined
  private recordAt = 0
  /** A handshake record fragment being read in place (nothing pending in `handshake`). */
  private fragment = EMPTY
  private fragmentAt = 0
  /** Handshake bytes of a message that spans records (copied). */
  private handshake = EMPTY
  private handshakeLength = 0
  /** Offset in `handshake` of the next message header. */
  private messageAt = 0
  /** Set once the direction yields nothing more. */
  stopped: StopReason | undefined
  /** A ChangeCipherSpec record was seen: what follows it is encrypted (TLS ≤ 1.2). */
  sawChangeCipherSpec = false
  /** First alert seen in clear (RFC 8446 §6): level, description. */
  alert: {level: number; description: number} | undefined
  /**
   * Let records after a ChangeCipherSpec be read (the TLS 1.3 middlebox-compatibility CCS that
   * precedes a second ClientHello or ServerHello after a HelloRetryRequest, RFC 8446 §D.4).
   */
  continueAfterChangeCipherSpec = false

  /**
   * Add a segment. `streamStart` is where this direction's stream starts (the first segment's
   * sequence number when the handshake was not seen); only the first call uses it.
   */
  push(seq: number, data: Uint8Array, streamStart: number): void {
    if (this.stopped || data.length === 0) return
    if (this.stream) {
      this.stream.push(seq, data, this.streamBase)
      return
    }
    if (this.nextSeq < 0) this.nextSeq = (streamStart >= 0 ? streamStart : seq) >>> 0
    // The previous segment was read to its end by next() (callers drain it after each push).
    if (seq >>> 0 === this.nextSeq) {
      this.segment = data
      this.segmentAt = 0
      this.nextSeq = (seq + data.length) >>> 0
      return
    }
    // Out of order, repeated or overlapping: reassemble from here on, from the expected byte.
    this.fallBack(this.nextSeq, EMPTY)
    this.stream!.push(seq, data, this.streamBase)
  }

  /** First sequence number of the reassembly stream: a record boundary. */
  private streamBase = 0

  /** Switch to reassembly: the stream starts at `seq` (a record boundary) with `rest` (copied). */
  private fallBack(seq: number, rest: Uint8Array): void {
    const stream = new TcpByteStream(MAX_STREAM)
    // `rest` starts a record (RFC 8446 §5.1: 5-byte header, 16-bit length): room for all of it.
    if (rest.length >= 5) stream.reserve(5 + ((rest[3]! << 8) | rest[4]!))
    if (rest.length > 0) stream.push(seq, rest, seq)
    this.stream = stream
    this.streamBase = seq
    this.recordAt = 0
    this.segment = EMPTY
    this.segmentAt = 0
  }

  /**
   * The next complete handshake message, or undefined when none is complete yet. Call it until it
   * returns undefined after each push (the segment is read in place until then).
   */
  next(): HandshakeMessage | undefined {
    for (;;) {
      const message = this.completeMessage()
      if (message) return message
      if (!this.readRecord()) return undefined
    }
  }

  /**
   * The message in progress, cut, once the data will not grow any more (stream cap reached or the
   * flow ended). The bytes of a record still arriving are included. Undefined if none started.
   */
  partial(): HandshakeMessage | undefined {
    const stream = this.stream
    if (stream && (this.stopped === undefined || this.stopped === 'cap')) {
      const bytes = stream.bytes
      const at = this.recordAt
      if (bytes.length >= at + 5 && bytes[at] === CONTENT.HANDSHAKE) {
        this.appendHandshake(bytes.subarray(at + 5, Math.min(bytes.length, at + 5 + ((bytes[at + 3]! << 8) | bytes[at + 4]!))))
      }
      this.recordAt = bytes.length
    }
    const available = this.handshakeLength - this.messageAt
    if (available < 4) return undefined
    const h = this.handshake
    const at = this.messageAt
    if (4 + u24(h, at + 1) <= available) return undefined // complete: next() yields it
    this.messageAt = this.handshakeLength
    return {type: h[at]!, body: h.subarray(at + 4, this.handshakeLength), complete: false}
  }

  /** True when nothing more can arrive: stopped, or the reassembly stream hit its cap. */
  get exhausted(): boolean {
    return this.stopped !== undefined || (this.stream?.full ?? false)
  }

  /** Drop the buffers (facts are kept by the caller). */
  release(reason: StopReason): void {
    if (!this.stopped) this.stopped = reason
    this.stream = undefined
    this.segment = EMPTY
    this.fragment = EMPTY
    this.handshake = EMPTY
    this.handshakeLength = 0
    this.messageAt = 0
  }

  private completeMessage(): HandshakeMessage | undefined {
    // Messages continuing across records, from the copy.
    const available = this.handshakeLength - this.messageAt
    if (available > 0) {
      if (available < 4) return undefined
      const h = this.handshake
      const at = this.messageAt
      const length = u24(h, at + 1)
      if (4 + length > available) return undefined
      this.messageAt = at + 4 + length
      if (this.messageAt === this.handshakeLength) this.handshakeLength = this.messageAt = 0
      return {type: h[at]!, body: h.subarray(at + 4, at + 4 + length), complete: true}
    }
    // Messages of the current record, in place.
    const f = this.fragment
    const at = this.fragmentAt
    if (at >= f.length) return undefined
    if (at + 4 <= f.length) {
      const length = u24(f, at + 1)
      if (at + 4 + length <= f.length) {
        this.fragmentAt = at + 4 + length
        return {type: f[at]!, body: f.subarray(at + 4, at + 4 + length), complete: true}
      }
    }
    // The message goes on in the next record: keep its start.
    this.fragment = EMPTY
    this.fragmentAt = 0
    this.appendHandshake(f.subarray(at))
    return undefined
  }

  /** Consume one whole record; false when none is whole (or the direction stopped). */
  private readRecord(): boolean {
    if (this.stopped) return false
    let bytes: Uint8Array
    let at: number
    if (this.stream) {
      bytes = this.stream.bytes
      at = this.recordAt
    } else {
      bytes = this.segment
      at = this.segmentAt
      if (at >= bytes.length) return false
    }
    if (bytes.length < at + 5 || bytes.length < at + 5 + ((bytes[at + 3]! << 8) | bytes[at + 4]!)) {
      if (bytes.length >= at + 5 && (!looksLikeTlsRecord(bytes, at) || ((bytes[at + 3]! << 8) | bytes[at + 4]!) > MAX_RECORD)) {
        this.stopped = 'not-tls'
        return false
      }
      if (this.stream) {
        if (this.stream.full) this.stopped = 'cap'
        return false
      }
      // The segment ends inside a record: reassemble from that record on.
      const seq = (this.nextSeq - (bytes.length - at)) >>> 0
      this.fallBack(seq, bytes.subarray(at))
      return false
    }
    const type = bytes[at]!
    const length = (bytes[at + 3]! << 8) | bytes[at + 4]!
    if (!looksLikeTlsRecord(bytes, at) || length > MAX_RECORD) {
      this.stopped = 'not-tls'
      return false
    }
    const fragment = bytes.subarray(at + 5, at + 5 + length)
    if (this.stream) this.recordAt = at + 5 + length
    else this.segmentAt = at + 5 + length
    switch (type) {
      case CONTENT.HANDSHAKE:
        if (this.handshakeLength > 0) this.appendHandshake(fragment)
        else {
          this.fragment = fragment
          this.fragmentAt = 0
        }
        break
      case CONTENT.CHANGE_CIPHER_SPEC:
        this.sawChangeCipherSpec = true
        if (!this.continueAfterChangeCipherSpec) this.stopped = 'change-cipher-spec'
        break
      case CONTENT.APPLICATION_DATA:
        this.stopped = 'application-data'
        break
      case CONTENT.ALERT:
        if (fragment.length >= 2 && !this.alert && !this.sawChangeCipherSpec) this.alert = {level: fragment[0]!, description: fragment[1]!}
        break
      default:
        break
    }
    return true
  }

  private appendHandshake(fragment: Uint8Array): void {
    // Drop messages already read (their views were valid only until this call), so the buffer
    // holds only the message in progress.
    if (this.messageAt > 0) {
      this.handshake.copyWithin(0, this.messageAt, this.handshakeLength)
      this.handshakeLength -= this.messageAt
      this.messageAt = 0
    }
    const room = MAX_HANDSHAKE - this.handshakeLength
    const bytes = fragment.length > room ? fragment.subarray(0, room) : fragment
    if (fragment.length > room) this.stopped = 'cap'
    if (this.handshakeLength + bytes.length > this.handshake.length) {
      const grown = new Uint8Array(Math.min(MAX_HANDSHAKE, Math.max(this.handshake.length * 2, this.handshakeLength + bytes.length, 2048)))
      grown.set(this.handshake.subarray(0, this.handshakeLength))
      this.handshake = grown
    }
    this.handshake.set(bytes, this.handshakeLength)
    this.handshakeLength += bytes.length
  }
}
