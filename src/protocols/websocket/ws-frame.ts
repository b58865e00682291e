/**
 * WebSocket framing (RFC 6455 §5): the frames of one direction of a connection after its HTTP
 * Upgrade handshake, put back together into messages. What a protocol carried over WebSocket
 * (SIP, RFC 7118) is read from those messages exactly as from its own transport.
 *
 * Frame layout (§5.2): FIN, RSV1-3 and the opcode in the first byte; MASK and a 7-bit length in
 * the second, 126 and 127 announcing a 16- or 64-bit length after it; a 4-byte masking key when
 * MASK is set (every client-to-server frame, §5.3); the payload. A message is a data frame
 * (text 0x1, binary 0x2) and its continuation frames (0x0) up to one with FIN set; control
 * frames (close 0x8, ping 0x9, pong 0xA) come in between, whole and at most 125 bytes (§5.5).
 */

export const WS_CONTINUATION = 0x0
export const WS_TEXT = 0x1
export const WS_BINARY = 0x2
export const WS_CLOSE = 0x8

/** One frame's header, as readWsFrame fills it. */
export interface WsFrame {
  fin: boolean
  /** RSV1-3 (bit 2: RSV1, which permessage-deflate sets on a compressed message, RFC 7692 §6). */
  rsv: number
  opcode: number
  /** Offset of the 4-byte masking key, or -1 when the frame is not masked. */
  maskAt: number
  payloadStart: number
  payloadEnd: number
}

export function newWsFrame(): WsFrame {
  return {fin: false, rsv: 0, opcode: 0, maskAt: -1, payloadStart: 0, payloadEnd: 0}
}

/**
 * Read the frame at b[at, end) into `out`. 'incomplete' when its header or payload runs past
 * `end` (wait for more of the stream), 'invalid' when it breaks §5.2 (an unknown opcode, a 64-bit
 * length with its top bit set or beyond 2^53, a control frame fragmented or over 125 bytes).
 */
export function readWsFrame(b: Uint8Array, at: number, end: number, out: WsFrame): 'ok' | 'incomplete' | 'invalid' {
  if (end - at < 2) return 'incomplete'
  const b0 = b[at]!
  const b1 = b[at + 1]!
  const opcode = b0 & 0x0f
  // §5.2: 0x3-0x7 and 0xB-0xF are reserved.
  if ((opcode > WS_BINARY && opcode < WS_CLOSE) || opcode > 0xa) return 'invalid'
  const control = opcode >= WS_CLOSE
  const fin = (b0 & 0x80) !== 0
  let length = b1 & 0x7f
  let p = at + 2
  if (length === 126) {
    if (end - p < 2) return 'incomplete'
    length = (b[p]! << 8) | b[p + 1]!
    p += 2
  } else if (length === 127) {
    if (end - p < 8) return 'incomplete'
    // "the most significant bit MUST be 0"; anything past 2^53 is no real frame either.
    const high = ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0
    if (high > 0x1fffff) return 'invalid'
    length = high * 0x100000000 + (((b[p + 4]! << 24) | (b[p + 5]! << 16) | (b[p + 6]! << 8) | b[p + 7]!) >>> 0)
    p += 8
  }
  if (control && (!fin || length > 125)) return 'invalid'
  let maskAt = -1
  if (b1 & 0x80) {
    if (end - p < 4) return 'incomplete'
    maskAt = p
    p += 4
  }
  if (end - p < length) return 'incomplete'
  out.fin = fin
  out.rsv = (b0 >> 4) & 0x07
  out.opcode = opcode
  out.maskAt = maskAt
  out.payloadStart = p
  out.payloadEnd = p + length
  return 'ok'
}

/** Payload bytes b[start, stop) of a frame, unmasked (§5.3: octet i XOR masking-key octet i mod
 * 4, the key at `maskAt`, -1 for none), into `into` at `offset`. */
export function copyUnmasked(b: Uint8Array, start: number, stop: number, maskAt: number, into: Uint8Array, offset: number): void {
  if (maskAt < 0) {
    into.set(b.subarray(start, stop), offset)
    return
  }
  for (let i = start, j = offset, k = 0; i < stop; i++, j++, k = (k + 1) & 3) into[j] = b[i]! ^ b[maskAt + k]!
}

/** What WsMessages.next found. */
export type WsNext =
  /** A whole message: its opcode (text or binary) and `message.subarray(0, length)`. */
  | {kind: 'message'; opcode: number; compressed: boolean; length: number; bytesEnd: number; cut: boolean}
  /** A close frame (§5.5.1): nothing more comes this way. */
  | {kind: 'close'; bytesEnd: number}
  /** The next frame is not whole yet. The frames before it (the start of a fragmented message,
   * pings) are consumed: their bytes up to `bytesEnd` can be let go. */
  | {kind: 'incomplete'; bytesEnd: number}
  | {kind: 'invalid'}

/**
 * The messages of one direction: frames read from a reassembled byte stream, data frames joined
 * into messages of at most `maxMessage` bytes (a longer message is cut there and marked: its
 * start is still read), control frames other than close stepped over.
 */
export class WsMessages {
  /** The message being put together; valid after a 'message' result until the next call. */
  message: Uint8Array = new Uint8Array(0)
  private length = 0
  private opcode = -1
  private compressed = false
  /** A message was longer than maxMessage. */
  cut = false
  /** The message being put together is: only its first maxMessage bytes are kept. */
  private messageCut = false
  private readonly frame = newWsFrame()

  constructor(private readonly maxMessage: number) {}

  /** The next message (or close) of b[at, end); `bytesEnd` is where the stream is read up to. */
  next(b: Uint8Array, at: number, end: number): WsNext {
    for (;;) {
      const r = readWsFrame(b, at, end, this.frame)
      if (r === 'incomplete') return {kind: r, bytesEnd: at}
      if (r === 'invalid') return {kind: r}
      const f = this.frame
      at = f.payloadEnd
      if (f.opcode === WS_CLOSE) return {kind: 'close', bytesEnd: at}
      if (f.opcode > WS_CLOSE) continue // ping, pong
      if (f.opcode === WS_CONTINUATION) {
        if (this.opcode < 0) return {kind: 'invalid'} // a continuation of nothing (§5.4)
      } else {
        if (this.opcode >= 0) return {kind: 'invalid'} // a new message before the last one ended
        this.opcode = f.opcode
        this.compressed = (f.rsv & 0x4) !== 0
        this.length = 0
        this.messageCut = false
      }
      this.append(b, f)
      if (!f.fin) continue
      const message = {kind: 'message' as const, opcode: this.opcode, compressed: this.compressed, length: this.length, bytesEnd: at, cut: this.messageCut}
      this.opcode = -1
      return message
    }
  }

  private append(b: Uint8Array, f: WsFrame): void {
    const room = this.maxMessage - this.length
    const take = Math.min(room, f.payloadEnd - f.payloadStart)
    if (take < f.payloadEnd - f.payloadStart) this.cut = this.messageCut = true
    if (take <= 0) return
    if (this.message.length < this.length + take) {
      const grown = new Uint8Array(Math.min(this.maxMessage, Math.max(this.length + take, this.message.length * 2, 256)))
      grown.set(this.message.subarray(0, this.length))
      this.message = grown
    }
    copyUnmasked(b, f.payloadStart, f.payloadStart + take, f.maskAt, this.message, this.length)
    this.length += take
  }
}
