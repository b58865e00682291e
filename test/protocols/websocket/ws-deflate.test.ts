import {describe, expect, it} from 'vitest'
import {deflateAgreement, MessageInflater} from '../../../src/protocols/websocket/ws-deflate.js'
import {webSocketAnswer} from '../../../src/protocols/websocket/ws-handshake.js'
import {wsAnswer, wsDeflater} from '../../support/websocket-builders.js'
import {constants, deflateRawSync} from 'node:zlib'

const agreed = (extensions?: string) => {
  const answer = webSocketAnswer(Buffer.from(wsAnswer(101, 'sip', extensions), 'latin1'))
  if (answer.status !== 'ok') throw new Error('answer not read')
  return answer.deflate
}

const text = (b: Uint8Array | undefined) => (b ? Buffer.from(b).toString('latin1') : undefined)

/** Messages that repeat each other, as signalling does (the same headers, the same SDP lines). */
const MESSAGES = [1, 2, 3, 4].map((n) => Buffer.from(`{"janus":"trickle","candidate":{"candidate":"candidate:${n} 1 udp 2122260223 10.8.0.${n} 5010${n} typ host generation 0","sdpMid":"0"},"transaction":"t${n}"}`))

describe('permessage-deflate agreement (RFC 7692 §7.1)', () => {
  it("reads the server's answer: the extension and which sender drops its context", () => {
    expect(agreed('permessage-deflate')).toEqual({clientNoContextTakeover: false, serverNoContextTakeover: false})
    expect(agreed('permessage-deflate; server_no_context_takeover; client_max_window_bits=15')).toEqual({clientNoContextTakeover: false, serverNoContextTakeover: true})
    expect(agreed('x-webkit-deflate-frame, Permessage-Deflate; Client_No_Context_Takeover')).toEqual({clientNoContextTakeover: true, serverNoContextTakeover: false})
  })

  it('agrees to nothing without the extension, or with a parameter RFC 7692 does not define or repeats', () => {
    expect(agreed()).toBeUndefined()
    expect(agreed('x-webkit-deflate-frame')).toBeUndefined()
    expect(agreed('permessage-deflate; server_no_context_takeover; server_no_context_takeover')).toBeUndefined()
    expect(agreed('permessage-deflate; x-level=9')).toBeUndefined()
  })

  it('a refused upgrade agrees to nothing', () => {
    const head = Buffer.from('HTTP/1.1 400 Bad Request\r\nSec-WebSocket-Extensions: permessage-deflate\r\nContent-Length: 0\r\n\r\n', 'latin1')
    const answer = webSocketAnswer(head)
    expect(answer.status === 'ok' && answer.deflate).toBeUndefined()
  })

  it('looks at the extensions field only', () => {
    const head = {kind: 'response', status: 101, reason: 'x', version: 'HTTP/1.1', length: 0, fields: [['x-note', 'permessage-deflate']]} as unknown as Parameters<typeof deflateAgreement>[0]
    expect(deflateAgreement(head)).toBeUndefined()
  })
})

describe('inflating messages (RFC 7692 §7.2.2)', () => {
  it('reads messages that refer back into the ones before (context takeover)', () => {
    const deflate = wsDeflater()
    const compressed = MESSAGES.map(deflate)
    // The later messages are mostly references into the first: far smaller than it.
    expect(compressed[3]!.length).toBeLessThan(compressed[0]!.length / 2)
    const inflater = new MessageInflater(false, 65536)
    expect(compressed.map((c) => text(inflater.inflate(c, c.length, false)))).toEqual(MESSAGES.map((m) => m.toString('latin1')))
    expect(inflater.lost).toBe(false)
  })

  it('cannot read a message that refers back past what it was given, and then reads none of that direction', () => {
    const compressed = MESSAGES.map(wsDeflater())
    // A reader that starts at the second message (the first not seen) has nothing to resolve
    // its back-references in: zlib finds a distance too far back rather than guessing.
    const inflater = new MessageInflater(false, 65536)
    expect(inflater.inflate(compressed[1]!, compressed[1]!.length, false)).toBeUndefined()
    expect(inflater.lost).toBe(true)
    expect(inflater.inflate(compressed[0]!, compressed[0]!.length, false)).toBeUndefined()
  })

  it('reads each message on its own when the sender drops its context, a missed one costing only itself', () => {
    const compressed = MESSAGES.map(wsDeflater({contextTakeover: false}))
    const inflater = new MessageInflater(true, 65536)
    expect(text(inflater.inflate(compressed[3]!, compressed[3]!.length, false))).toBe(MESSAGES[3]!.toString('latin1'))
    expect(inflater.inflate(Buffer.from([0xff, 0xff, 0xff]), 3, false)).toBeUndefined()
    expect(inflater.lost).toBe(false)
    expect(text(inflater.inflate(compressed[1]!, compressed[1]!.length, false))).toBe(MESSAGES[1]!.toString('latin1'))
  })

  it('keeps the last 32 KiB as the window: a reference that far back is still read', () => {
    const deflate = wsDeflater()
    const inflater = new MessageInflater(false, 65536)
    const phrase = Buffer.from('a=fingerprint:sha-256 4A:AD:B9:B1:3F:82:18:3B:54:02:12:DF:3E:5D:49:6B:19:E5:7C:AB')
    const first = Buffer.concat([phrase, Buffer.from(Array.from({length: 40000}, (_, i) => (i * 7919) % 251))])
    const later = [Buffer.alloc(20000, 0x61), Buffer.concat([Buffer.from('x'), phrase])]
    for (const m of [first, ...later]) {
      const c = deflate(m)
      expect(Buffer.from(inflater.inflate(c, c.length, false)!).equals(m)).toBe(true)
    }
  })

  it('does not read a message that would inflate past the limit (a compression bomb), nor any after it', () => {
    const bomb = deflateRawSync(Buffer.alloc(1 << 20), {finishFlush: constants.Z_SYNC_FLUSH})
    expect(bomb.length).toBeLessThan(2000)
    const inflater = new MessageInflater(false, 65536)
    expect(inflater.inflate(bomb, bomb.length - 4, false)).toBeUndefined()
    expect(inflater.lost).toBe(true)
  })

  it('does not read a message the capture kept only part of', () => {
    const [c] = MESSAGES.map(wsDeflater())
    const inflater = new MessageInflater(false, 65536)
    expect(inflater.inflate(c!, c!.length, true)).toBeUndefined()
    expect(inflater.lost).toBe(true)
    const alone = new MessageInflater(true, 65536)
    expect(alone.inflate(c!, c!.length, true)).toBeUndefined()
    expect(alone.lost).toBe(false)
  })
})
