import {describe, expect, it} from 'vitest'
import {EarlySegments, MAX_SEGMENTS} from '../../src/flows/early-segments.js'
import {ALL_ANALYZERS} from '../../src/protocols/index.js'
import {analyze, chunks, factsOf, tcpConversation, tcpFrame, reverse, type Endpoints} from '../protocols/tls/capture-kit.js'
import {clientHelloBody, ext, handshake, record} from '../protocols/tls/tls-builders.js'

const client: Endpoints = {src: '10.0.0.1', sport: 40001, dst: '198.51.100.9', dport: 443}
const web: Endpoints = {src: '10.0.0.1', sport: 40002, dst: '198.51.100.9', dport: 80}

/** A ClientHello record of about 520 bytes (padding), to be cut into segments. */
function clientHelloRecord(): Buffer {
  return record(0x16, handshake(1, clientHelloBody({extensions: [ext.sni('meet.example.com'), ext.alpn(['h2', 'http/1.1']), ext.raw(0x0015, Buffer.alloc(400))]})), 0x0301)
}

interface TlsFactsLike {
  clientHello?: {sni?: string; ja4?: string; ja3?: string; truncated?: true; evidence: {frame: number}}
  lateStart?: true
}

/** Handshake, then `pieces` of the client's stream sent in the order of `order` (indexes). */
function outOfOrder(e: Endpoints, pieces: Buffer[], order: number[]): Buffer[] {
  const frames = tcpConversation(e, [])
  const offsets: number[] = []
  let at = 0
  for (const p of pieces) {
    offsets.push(at)
    at += p.length
  }
  for (const i of order) frames.push(tcpFrame(e, {seq: 1001 + offsets[i]!, ack: 5001, flags: 'PA'}, pieces[i]!))
  return frames
}

describe('segments that come before their direction\'s first byte', () => {
  it('are held back: a ClientHello sent out of order gives the facts of the same one in order, seen in the frame that completed it', async () => {
    const pieces = [...chunks(clientHelloRecord(), 200)]
    expect(pieces).toHaveLength(3)
    const inOrder = factsOf<TlsFactsLike>(await analyze(outOfOrder(client, pieces, [0, 1, 2]), ALL_ANALYZERS), 'tls')[0]!
    const shuffled = factsOf<TlsFactsLike>(await analyze(outOfOrder(client, pieces, [2, 0, 1]), ALL_ANALYZERS), 'tls')[0]!
    expect(inOrder.clientHello!.sni).toBe('meet.example.com')
    expect(shuffled.lateStart).toBeUndefined()
    expect(shuffled.clientHello!.truncated).toBeUndefined()
    expect({...shuffled.clientHello, evidence: undefined}).toEqual({...inOrder.clientHello, evidence: undefined})
    // Frames 1-3 are the handshake; the third segment (frame 4) came first, the rest at 5 and 6:
    // the ClientHello can be read whole at frame 6 in both.
    expect(shuffled.clientHello!.evidence.frame).toBe(6)
    expect(inOrder.clientHello!.evidence.frame).toBe(6)
  })

  it('are held back so that a flow is probed on its stream\'s first bytes: an HTTP request sent in two reversed segments is read', async () => {
    const request = Buffer.from('GET /j/123456789?pwd=abc HTTP/1.1\r\nHost: zoom.us\r\nUser-Agent: test\r\n\r\n')
    const pieces = [request.subarray(0, 30), request.subarray(30)]
    const flows = await analyze(outOfOrder(web, pieces, [1, 0]), ALL_ANALYZERS)
    const http = factsOf<{requests: Array<{host?: string; evidence: {frame: number}}>}>(flows, 'http')[0]
    expect(http?.requests[0]?.host).toBe('zoom.us')
    expect(http?.requests[0]?.evidence.frame).toBe(5)
  })

  it('whose first segment never came are offered at the end of the read, in sequence order', async () => {
    // The client's first 40 bytes were not captured; a ClientHello record follows them.
    const frames = tcpConversation(client, [{toServer: true, data: clientHelloRecord(), gapBefore: 40}])
    const tls = factsOf<TlsFactsLike>(await analyze(frames, ALL_ANALYZERS), 'tls')[0]
    expect(tls?.clientHello?.sni).toBe('meet.example.com')
    expect(tls?.clientHello?.evidence.frame).toBe(4)
  })

  it('data carried in a SYN (TCP Fast Open) starts at ISN + 1: the request in the SYN is read whole', async () => {
    const request = Buffer.from('GET /j/987654321 HTTP/1.1\r\nHost: example.zoom.us\r\n\r\n')
    const back = reverse(web)
    const frames = [
      tcpFrame(web, {seq: 1000, flags: 'S'}, request),
      tcpFrame(back, {seq: 5000, ack: 1001 + request.length, flags: 'SA'}),
      tcpFrame(web, {seq: 1001 + request.length, ack: 5001, flags: 'A'}),
    ]
    const http = factsOf<{requests: Array<{host?: string; evidence: {frame: number}}>}>(await analyze(frames, ALL_ANALYZERS), 'http')[0]
    expect(http?.requests[0]?.host).toBe('example.zoom.us')
    expect(http?.requests[0]?.evidence.frame).toBe(1)
  })
})

describe('EarlySegments', () => {
  const place = {frame: 1, capture: 0, sec: 0, nsec: 0}

  it('gives a direction\'s segments back in sequence order from the stream start, across the 32-bit wrap', () => {
    const early = new EarlySegments()
    const start = 0xffff_ff00
    const bytes = new Uint8Array(600).map((_, i) => i & 0xff)
    expect(early.hold(7, true, bytes, 300, 400, (start + 0x200) >>> 0, 0x18, {...place, frame: 10})).toBe(true)
    expect(early.hold(7, true, bytes, 100, 200, (start + 0x100) >>> 0, 0x18, {...place, frame: 11})).toBe(true)
    expect(early.hold(7, false, bytes, 0, 10, 5, 0x18, place)).toBe(true)
    expect(early.flowIds()).toEqual([7])
    const taken = early.take(7, true, start)!
    expect(taken.map((s) => s.frame)).toEqual([11, 10])
    expect(taken[0]!.data).toEqual(bytes.subarray(100, 200))
    expect(early.take(7, true, start)).toBeUndefined()
    early.forget([7])
    expect(early.size).toBe(0)
  })

  it(`holds at most ${MAX_SEGMENTS} segments of a direction`, () => {
    const early = new EarlySegments()
    const bytes = new Uint8Array(10)
    for (let i = 0; i < MAX_SEGMENTS; i++) expect(early.hold(1, true, bytes, 0, 10, 100 + i * 10, 0, place)).toBe(true)
    expect(early.hold(1, true, bytes, 0, 10, 900, 0, place)).toBe(false)
    expect(early.hold(1, false, bytes, 0, 10, 900, 0, place)).toBe(true)
  })
})
