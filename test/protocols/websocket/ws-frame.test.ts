import {describe, expect, it} from 'vitest'
import {newWsFrame, readWsFrame, WsMessages} from '../../../src/protocols/websocket/ws-frame.js'
import {webSocketAnswer, webSocketRequestProtocols} from '../../../src/protocols/websocket/ws-handshake.js'
import {wsAnswer, wsFrame, wsRequest} from '../../support/websocket-builders.js'

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex')
const text = (m: WsMessages, length: number) => Buffer.from(m.message.subarray(0, length)).toString('latin1')

describe('WebSocket frames (RFC 6455 §5)', () => {
  // §5.7's examples, byte for byte.
  it('reads the examples of §5.7: unmasked and masked "Hello", fragmented, ping, 256 bytes and 64 KiB', () => {
    const f = newWsFrame()
    expect(readWsFrame(hex('81 05 48 65 6c 6c 6f'), 0, 7, f)).toBe('ok')
    expect(f).toMatchObject({fin: true, opcode: 1, maskAt: -1, payloadStart: 2, payloadEnd: 7})
    const masked = hex('81 85 37 fa 21 3d 7f 9f 4d 51 58')
    expect(readWsFrame(masked, 0, masked.length, f)).toBe('ok')
    expect(f).toMatchObject({maskAt: 2, payloadStart: 6, payloadEnd: 11})
    const m = new WsMessages(1024)
    const r = m.next(masked, 0, masked.length)
    expect(r).toMatchObject({kind: 'message', opcode: 1, length: 5, bytesEnd: 11})
    expect(text(m, 5)).toBe('Hello')
    // "Hel" then "lo" in a continuation frame, a ping between them (control frames may interleave, §5.4).
    const fragmented = hex('01 03 48 65 6c 89 05 48 65 6c 6c 6f 80 02 6c 6f')
    const n = m.next(fragmented, 0, fragmented.length)
    expect(n).toMatchObject({kind: 'message', opcode: 1, length: 5, bytesEnd: fragmented.length})
    expect(text(m, 5)).toBe('Hello')
    // Fed as it arrives: the first fragment and the ping are consumed before the last comes.
    const early = new WsMessages(1024)
    expect(early.next(fragmented, 0, 13)).toEqual({kind: 'incomplete', bytesEnd: 12})
    expect(early.next(fragmented, 12, fragmented.length)).toMatchObject({kind: 'message', length: 5, bytesEnd: fragmented.length})
    expect(text(early, 5)).toBe('Hello')
    const big = Buffer.concat([hex('82 7e 01 00'), Buffer.alloc(256, 7)])
    expect(readWsFrame(big, 0, big.length, f)).toBe('ok')
    expect(f).toMatchObject({opcode: 2, payloadStart: 4, payloadEnd: 260})
    const huge = Buffer.concat([hex('82 7f 00 00 00 00 00 01 00 00'), Buffer.alloc(65536, 1)])
    expect(readWsFrame(huge, 0, huge.length, f)).toBe('ok')
    expect(f).toMatchObject({payloadStart: 10, payloadEnd: 10 + 65536})
  })

  it('waits for the rest of a frame cut anywhere, and reads two frames back to back', () => {
    const two = Buffer.concat([wsFrame(Buffer.from('first message'), {mask: hex('01020304')}), wsFrame(Buffer.alloc(300, 0x41), {opcode: 2})])
    for (let cut = 0; cut < two.length; cut++) {
      const m = new WsMessages(4096)
      const r = m.next(two, 0, cut)
      if (cut < 19) expect(r, `cut ${cut}`).toEqual({kind: 'incomplete', bytesEnd: 0})
      else {
        expect(r, `cut ${cut}`).toMatchObject({kind: 'message', length: 13, bytesEnd: 19})
        expect(text(m, 13)).toBe('first message')
        expect(m.next(two, 19, cut)).toEqual({kind: 'incomplete', bytesEnd: 19})
      }
    }
    const m = new WsMessages(4096)
    m.next(two, 0, two.length)
    expect(m.next(two, 19, two.length)).toMatchObject({kind: 'message', opcode: 2, length: 300, bytesEnd: two.length})
  })

  it('refuses what breaks §5.2: reserved opcodes, control frames fragmented or over 125 bytes, a continuation of nothing, a new message inside one, a 64-bit length with its top bit set', () => {
    const f = newWsFrame()
    for (const opcode of [3, 7, 0xb, 0xf]) expect(readWsFrame(Buffer.from([0x80 | opcode, 0]), 0, 2, f), `opcode ${opcode}`).toBe('invalid')
    expect(readWsFrame(Buffer.from([0x09, 0]), 0, 2, f)).toBe('invalid') // ping without FIN
    const longPing = wsFrame(Buffer.alloc(126), {opcode: 9})
    expect(readWsFrame(longPing, 0, longPing.length, f)).toBe('invalid')
    expect(readWsFrame(hex('82 7f 80 00 00 00 00 00 00 01'), 0, 10, f)).toBe('invalid')
    expect(new WsMessages(64).next(wsFrame(Buffer.from('x'), {opcode: 0}), 0, 3)).toEqual({kind: 'invalid'})
    const twoStarts = Buffer.concat([wsFrame(Buffer.from('a'), {fin: false}), wsFrame(Buffer.from('b'))])
    expect(new WsMessages(64).next(twoStarts, 0, twoStarts.length)).toEqual({kind: 'invalid'})
  })

  it('cuts a message longer than its cap (and says so), reports close, and marks permessage-deflate (RSV1)', () => {
    const m = new WsMessages(10)
    const long = wsFrame(Buffer.from('0123456789abcdef'), {mask: hex('0a0b0c0d')})
    expect(m.next(long, 0, long.length)).toMatchObject({kind: 'message', length: 10})
    expect(text(m, 10)).toBe('0123456789')
    expect(m.cut).toBe(true)
    const close = wsFrame(hex('03e8'), {opcode: 8})
    expect(m.next(close, 0, close.length)).toEqual({kind: 'close', bytesEnd: 4})
    const deflated = wsFrame(Buffer.from([0xf2, 0x48, 0xcd]), {rsv: 4})
    expect(new WsMessages(64).next(deflated, 0, deflated.length)).toMatchObject({kind: 'message', compressed: true})
  })
})

describe('WebSocket opening handshake (RFC 6455 §4)', () => {
  it('reads the subprotocols a client asks for, and nothing from a plain GET or another method', () => {
    expect(webSocketRequestProtocols(Buffer.from(wsRequest('sip')))).toEqual(['sip'])
    expect(webSocketRequestProtocols(Buffer.from(wsRequest('xmpp, SIP')))).toEqual(['xmpp', 'sip'])
    expect(webSocketRequestProtocols(Buffer.from('GET / HTTP/1.1\r\nHost: a\r\n\r\n'))).toBeUndefined()
    expect(webSocketRequestProtocols(Buffer.from(wsRequest('sip').replace('GET', 'PUT')))).toBeUndefined()
    // A head still coming is not (yet) a handshake.
    expect(webSocketRequestProtocols(Buffer.from(wsRequest('sip').slice(0, 60)))).toBeUndefined()
  })

  it('tells a 101 switching to websocket, with its subprotocol, from a refusal', () => {
    const yes = Buffer.from(`${wsAnswer()}tail`)
    expect(webSocketAnswer(yes)).toEqual({status: 'ok', accepted: true, protocol: 'sip', length: yes.length - 4})
    expect(webSocketAnswer(Buffer.from(wsAnswer(404)))).toMatchObject({status: 'ok', accepted: false})
    expect(webSocketAnswer(Buffer.from(wsAnswer().slice(0, 30)))).toEqual({status: 'incomplete'})
    expect(webSocketAnswer(Buffer.from('\x81\x05Hello'))).toEqual({status: 'invalid'})
  })
})
