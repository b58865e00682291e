/** WebSocket frames and opening handshakes for tests (RFC 6455 §4, §5.2), and messages
 * compressed with permessage-deflate (RFC 7692). */
import {constants, deflateRawSync} from 'node:zlib'

/**
 * One frame: `opcode` (text 1, binary 2, continuation 0, close 8, ping 9, pong 10), masked with
 * `mask` when given (every client frame, §5.3), `fin` unless false, `rsv` bits (4: RSV1, the
 * permessage-deflate bit). The length takes the 7-, 16- or 64-bit form it needs.
 */
export function wsFrame(payload: Buffer, o: {opcode?: number; mask?: Buffer; fin?: boolean; rsv?: number} = {}): Buffer {
  const n = payload.length
  const lengthBytes = n < 126 ? Buffer.from([n]) : n < 0x10000 ? Buffer.from([126, n >> 8, n & 0xff]) : Buffer.concat([Buffer.from([127, 0, 0, 0, 0]), Buffer.from([(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff])])
  if (o.mask) lengthBytes[0]! |= 0x80
  const first = Buffer.from([((o.fin ?? true) ? 0x80 : 0) | ((o.rsv ?? 0) << 4) | (o.opcode ?? 1)])
  const body = o.mask ? Buffer.from(payload.map((x, i) => x ^ o.mask![i % 4]!)) : payload
  return Buffer.concat([first, lengthBytes, ...(o.mask ? [o.mask] : []), body])
}

/** A browser's opening handshake asking for `protocols` (Sec-WebSocket-Protocol). */
export function wsRequest(protocols: string, host = 'pbx.example.org:8088'): string {
  return [
    'GET /ws HTTP/1.1',
    `Host: ${host}`,
    'Connection: Upgrade',
    'Upgrade: websocket',
    'Sec-WebSocket-Version: 13',
    'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
    `Sec-WebSocket-Protocol: ${protocols}`,
    'Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits',
    'User-Agent: Mozilla/5.0 (X11; Linux x86_64) Chrome/156.0',
    '',
    '',
  ].join('\r\n')
}

/** The server's answer: 101 switching to websocket with `protocol` (and the extensions it
 * agreed to, e.g. `permessage-deflate`), or another status. */
export function wsAnswer(status = 101, protocol = 'sip', extensions?: string): string {
  if (status !== 101) return ['HTTP/1.1 404 Not Found', 'Content-Length: 0', '', ''].join('\r\n')
  // §1.3's example accept value for the key above.
  return ['HTTP/1.1 101 Switching Protocols', 'Upgrade: websocket', 'Connection: Upgrade', 'Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=', `Sec-WebSocket-Protocol: ${protocol}`, ...(extensions ? [`Sec-WebSocket-Extensions: ${extensions}`] : []), '', ''].join('\r\n')
}

/**
 * One sender's permessage-deflate compressor (RFC 7692 §7.2.1): each message raw DEFLATE ended by
 * a sync flush whose 00 00 FF FF is left off. With context takeover (the default) the compressor
 * goes on from the messages before, so later messages refer back into them: made here by giving
 * zlib what was sent before as its preset dictionary.
 */
export function wsDeflater(o: {contextTakeover?: boolean} = {}): (message: Buffer) => Buffer {
  let sent = Buffer.alloc(0)
  return (message) => {
    const out = deflateRawSync(message, {finishFlush: constants.Z_SYNC_FLUSH, ...(o.contextTakeover === false || sent.length === 0 ? {} : {dictionary: sent.subarray(-32768)})})
    if (o.contextTakeover !== false) sent = Buffer.concat([sent, message])
    if (!out.subarray(-4).equals(Buffer.from([0, 0, 0xff, 0xff]))) throw new Error('a sync flush ends with an empty stored block')
    return out.subarray(0, out.length - 4)
  }
}
