import {describe, expect, it} from 'vitest'
import {MAX_STREAM, TlsRecordStream} from '../../../src/protocols/tls/tls-record-stream.js'
import {chunks} from './capture-kit.js'
import {clientHelloBody, ext, handshake, record, records} from './tls-builders.js'

const HELLO = handshake(1, clientHelloBody({extensions: [ext.sni('split.example'), ext.alpn(['h2'])]}))

/** Push segments (given in stream order) in the order `order`, from sequence number `base`. */
function pushAll(stream: TlsRecordStream, segments: Buffer[], order: number[], base = 1000): void {
  const offsets: number[] = []
  let at = 0
  for (const s of segments) {
    offsets.push(at)
    at += s.length
  }
  for (const i of order) stream.push(base + offsets[i]!, segments[i]!, base)
}

describe('TlsRecordStream', () => {
  it('reassembles a handshake message spread over several records and out-of-order segments', () => {
    const bytes = records(22, HELLO, 40)
    const segments = chunks(bytes, 33)
    const stream = new TlsRecordStream()
    const order = segments.map((_, i) => segments.length - 1 - i)
    pushAll(stream, segments, order.slice(0, -1))
    expect(stream.next()).toBeUndefined()
    pushAll(stream, segments, order.slice(-1))
    const message = stream.next()!
    expect(message.type).toBe(1)
    expect(message.complete).toBe(true)
    expect(Buffer.from(message.body)).toEqual(HELLO.subarray(4))
    expect(stream.next()).toBeUndefined()
    expect(stream.stopped).toBeUndefined()
  })

  it('yields several messages of one record and stops at application data', () => {
    const flight = record(22, Buffer.concat([handshake(2, Buffer.alloc(40, 1)), handshake(11, Buffer.alloc(10, 2)), handshake(14, Buffer.alloc(0))]))
    const stream = new TlsRecordStream()
    stream.push(1, Buffer.concat([flight, record(23, Buffer.alloc(30))]), 1)
    expect([stream.next()?.type, stream.next()?.type, stream.next()?.type, stream.next()]).toEqual([2, 11, 14, undefined])
    expect(stream.stopped).toBe('application-data')
  })

  it('stops at a ChangeCipherSpec unless told to read on (TLS 1.3 compatibility mode)', () => {
    const bytes = Buffer.concat([record(20, Buffer.from([1])), record(22, HELLO)])
    const strict = new TlsRecordStream()
    strict.push(1, bytes, 1)
    expect(strict.next()).toBeUndefined()
    expect(strict.stopped).toBe('change-cipher-spec')
    const lenient = new TlsRecordStream()
    lenient.continueAfterChangeCipherSpec = true
    lenient.push(1, bytes, 1)
    expect(lenient.next()?.type).toBe(1)
    expect(lenient.sawChangeCipherSpec).toBe(true)
  })

  it('records the first alert and stops on bytes that are not TLS records', () => {
    const stream = new TlsRecordStream()
    stream.push(1, Buffer.concat([record(21, Buffer.from([2, 40])), Buffer.from('HTTP/1.1 400 Bad Request\r\n')]), 1)
    expect(stream.next()).toBeUndefined()
    expect(stream.alert).toEqual({level: 2, description: 40})
    expect(stream.stopped).toBe('not-tls')
    expect(stream.exhausted).toBe(true)
  })

  it('hands out the part of a message cut by the stream cap', () => {
    const big = handshake(11, Buffer.alloc(100_000, 7))
    const stream = new TlsRecordStream()
    const bytes = records(22, big, 16384)
    let seq = 1
    for (const piece of chunks(bytes, 1400)) {
      stream.push(seq, piece, 1)
      seq += piece.length
      expect(stream.next()).toBeUndefined()
    }
    expect(stream.exhausted).toBe(true)
    const cut = stream.partial()!
    expect(cut.type).toBe(11)
    expect(cut.complete).toBe(false)
    expect(cut.body.length).toBeGreaterThan(MAX_STREAM - 5 * 5 - 4 - 1)
    expect(cut.body.length).toBeLessThan(MAX_STREAM)
    expect(stream.partial()).toBeUndefined()
  })

  it('reads in place while segments hold whole records, and reassembles from the first that does not', () => {
    const flight = Buffer.concat([
      record(22, handshake(2, Buffer.alloc(60, 1))),
      record(22, handshake(11, Buffer.alloc(300, 2)).subarray(0, 200)),
      record(22, handshake(11, Buffer.alloc(300, 2)).subarray(200)),
      record(22, Buffer.concat([handshake(12, Buffer.alloc(20, 3)), handshake(14, Buffer.alloc(0))])),
    ])
    // A deterministic pseudo-random walk over cut points and a few swapped or repeated segments.
    let seed = 12345
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff
      return seed % n
    }
    for (let round = 0; round < 300; round++) {
      const cuts = new Set<number>()
      const pieces = 1 + rand(8)
      for (let i = 0; i < pieces; i++) cuts.add(1 + rand(flight.length - 1))
      const points = [0, ...[...cuts].sort((a, b) => a - b), flight.length]
      const segments = points.slice(1).map((end, i) => ({seq: 5000 + points[i]!, data: flight.subarray(points[i]!, end)}))
      if (round % 3 === 1 && segments.length > 2) [segments[1], segments[2]] = [segments[2]!, segments[1]!]
      if (round % 5 === 2) segments.splice(1, 0, segments[0]!)
      const stream = new TlsRecordStream()
      const types: number[] = []
      const sizes: number[] = []
      for (const s of segments) {
        stream.push(s.seq, Buffer.from(s.data), 5000)
        for (let m = stream.next(); m; m = stream.next()) {
          types.push(m.type)
          sizes.push(m.body.length)
        }
      }
      expect(types, `round ${round}`).toEqual([2, 11, 12, 14])
      expect(sizes).toEqual([60, 300, 20, 0])
      expect(stream.stopped).toBeUndefined()
    }
  })

  it('does not keep views of a segment: message bodies are right even after the segment buffer is reused', () => {
    const big = handshake(1, clientHelloBody({extensions: [ext.sni('reuse.example'), ext.raw(0x0015, Buffer.alloc(400))]}))
    const hello = records(22, big, 100)
    const stream = new TlsRecordStream()
    const shared = Buffer.alloc(hello.length)
    const [first, second] = chunks(hello.subarray(0, 300), 150)
    first!.copy(shared)
    stream.push(1, shared.subarray(0, first!.length), 1)
    expect(stream.next()).toBeUndefined()
    shared.fill(0xee) // the capture reader reuses its buffer between packets
    second!.copy(shared)
    stream.push(1 + first!.length, shared.subarray(0, second!.length), 1)
    expect(stream.next()).toBeUndefined()
    shared.fill(0xdd)
    const third = hello.subarray(300)
    third.copy(shared)
    stream.push(1 + 300, shared.subarray(0, third.length), 1)
    expect(Buffer.from(stream.next()!.body)).toEqual(big.subarray(4))
  })

  it('gives nothing after release and ignores later segments', () => {
    const stream = new TlsRecordStream()
    stream.release('cap')
    stream.push(1, record(22, HELLO), 1)
    expect(stream.next()).toBeUndefined()
    expect(stream.partial()).toBeUndefined()
  })
})
