/**
 * Both directions of a WebSocket connection as a passive reader sees them: each reassembled,
 * its opening-handshake head passed (the client's GET, the server's 101 Switching Protocols,
 * RFC 6455 §4), then its messages (./ws-frame.ts) handed to a callback. The client's messages are
 * read once the server has switched (bytes sent before are held until then); a server that
 * does not switch ends the reading of both directions; a close frame ends its own. Messages
 * compressed with the permessage-deflate the server agreed to (RFC 7692) are inflated
 * (./ws-deflate.ts). Used by every analyzer that reads a protocol carried over WebSocket (SIP,
 * RFC 7118; XMPP, RFC 7395; WebRTC signalling).
 */
import type {PayloadPacket} from '../analyzer.js'
import {TcpByteStream} from '../tcp-byte-stream.js'
import {MessageInflater} from './ws-deflate.js'
import {WsMessages} from './ws-frame.js'
import {requestHeadLength, webSocketAnswer} from './ws-handshake.js'

/**
 * A whole message of one direction: `bytes[0, length)` (valid during the call only). `compressed`:
 * it is still compressed and cannot be read (RSV1 without an agreed permessage-deflate, or a
 * message that would not inflate); `inflated`: it was compressed and `bytes` hold its text.
 */
export interface WsMessage {
  opcode: number
  compressed: boolean
  inflated: boolean
  bytes: Uint8Array
  length: number
}

export type WsMessageHandler = (packet: PayloadPacket, message: WsMessage) => void

interface Side {
  stream: TcpByteStream | undefined
  head: boolean
  messages: WsMessages
  /** Set when the server agreed to permessage-deflate. */
  inflater: MessageInflater | undefined
}

export class WsConnection {
  private readonly sides: [Side, Side]
  /** The server's chosen subprotocol (Sec-WebSocket-Protocol of its 101), once it switched. */
  protocol: string | null = null
  /** The server agreed to permessage-deflate (RFC 7692): compressed messages are inflated. */
  deflate = false
  /** A direction was cut: its stream outgrew the cap. */
  truncated = false

  constructor(
    streamBytes: number,
    private readonly maxMessage: number,
  ) {
    const side = (): Side => ({stream: new TcpByteStream(streamBytes), head: true, messages: new WsMessages(maxMessage), inflater: undefined})
    this.sides = [side(), side()]
  }

  /** Whether either direction is still read. */
  get open(): boolean {
    return this.sides[0].stream !== undefined || this.sides[1].stream !== undefined
  }

  /** Offer a segment of the connection; each whole message it completes goes to `onMessage`. */
  push(packet: PayloadPacket, onMessage: WsMessageHandler): void {
    const i = packet.toServer ? 0 : 1
    const stream = this.sides[i].stream
    if (!stream) return
    stream.push(packet.seq, packet.data, packet.streamStart)
    const switched = !this.sides[1].head
    this.read(i, packet, onMessage)
    // The server's 101 arrived: what the client sent meanwhile can be read now.
    if (i === 1 && !switched && !this.sides[1].head) this.read(0, packet, onMessage)
  }

  /** Let go of the buffers (the connection is read no further). */
  close(): void {
    this.sides[0].stream = this.sides[1].stream = undefined
  }

  private read(i: 0 | 1, packet: PayloadPacket, onMessage: WsMessageHandler): void {
    const side = this.sides[i]
    const stream = side.stream
    if (!stream) return
    const bytes = stream.bytes
    let at = 0
    if (side.head) {
      const length = i === 0 ? requestHeadLength(bytes) : this.answerLength(bytes)
      if (length === 'invalid') {
        this.close()
        return
      }
      if (length < 0) return
      side.head = false
      at = length
    }
    // The client's messages wait for the server's switch.
    if (i === 1 || !this.sides[1].head) {
      for (;;) {
        const next = side.messages.next(bytes, at, bytes.length)
        if (next.kind === 'incomplete') {
          at = next.bytesEnd
          break
        }
        if (next.kind === 'invalid') {
          side.stream = undefined
          return
        }
        at = next.bytesEnd
        if (next.kind === 'close') {
          side.stream = undefined
          return
        }
        if (next.compressed && side.inflater) {
          const text = side.inflater.inflate(side.messages.message, next.length, next.cut)
          if (text) {
            onMessage(packet, {opcode: next.opcode, compressed: false, inflated: true, bytes: text, length: text.length})
            continue
          }
        }
        onMessage(packet, {opcode: next.opcode, compressed: next.compressed, inflated: false, bytes: side.messages.message, length: next.length})
      }
    }
    stream.discard(at)
    if (stream.full) {
      this.truncated = true
      side.stream = undefined
    }
  }

  /** The length of the server's handshake head when it switched to WebSocket; 'invalid' when it
   * answered otherwise (no upgrade: nothing of WebSocket follows); -1 while it is incomplete. */
  private answerLength(bytes: Uint8Array): number | 'invalid' {
    const answer = webSocketAnswer(bytes)
    if (answer.status === 'incomplete') return -1
    if (answer.status !== 'ok' || !answer.accepted) return 'invalid'
    this.protocol = answer.protocol
    if (answer.deflate) {
      this.deflate = true
      this.sides[0].inflater = new MessageInflater(answer.deflate.clientNoContextTakeover, this.maxMessage)
      this.sides[1].inflater = new MessageInflater(answer.deflate.serverNoContextTakeover, this.maxMessage)
    }
    return answer.length
  }
}
