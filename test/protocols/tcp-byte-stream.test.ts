import {describe, expect, it} from 'vitest'
import {TcpByteStream} from '../../src/protocols/tcp-byte-stream.js'

const b = (s: string) => Buffer.from(s, 'latin1')
const text = (u: Uint8Array) => Buffer.from(u).toString('latin1')

describe('TcpByteStream.discard: a reader that consumes the stream as it goes', () => {
  it('moves the stream start on: later segments land after the kept bytes, retransmissions of forgotten bytes are dropped', () => {
    const s = new TcpByteStream(1024)
    s.push(100, b('hello '), 100)
    s.push(106, b('world'), 100)
    s.discard(6)
    expect(text(s.bytes)).toBe('world')
    s.push(100, b('hello '), 100) // retransmitted, already read
    s.push(104, b('o wor'), 100) // overlaps forgotten and kept bytes
    s.push(111, b('!'), 100)
    expect(text(s.bytes)).toBe('world!')
    s.discard(100) // more than held: all of it
    expect(s.bytes.length).toBe(0)
    s.push(112, b('next'), 100)
    expect(text(s.bytes)).toBe('next')
  })

  it('keeps segments waiting behind a hole at their place', () => {
    const s = new TcpByteStream(1024)
    s.push(0, b('abcd'), 0)
    s.push(8, b('ijkl'), 0) // waits for 4-7
    s.discard(3)
    expect(text(s.bytes)).toBe('d')
    s.push(4, b('efgh'), 0)
    expect(text(s.bytes)).toBe('defghijkl')
    expect(s.hasGap).toBe(false)
  })

  it('caps what is held, not the whole connection', () => {
    const s = new TcpByteStream(16)
    let seq = 0
    for (let i = 0; i < 100; i++) {
      s.push(seq, b('0123456789'), 0)
      seq += 10
      expect(text(s.bytes)).toBe('0123456789')
      s.discard(10)
    }
    expect(s.truncated).toBe(false)
    expect(s.full).toBe(false)
    // Without discarding, the cap is reached.
    s.push(seq, b('0123456789'), 0)
    s.push(seq + 10, b('0123456789'), 0)
    expect(s.truncated).toBe(true)
    expect(s.full).toBe(true)
  })

  it('skipGap gives up on a hole the capture missed: the stream goes on from the earliest waiting segment', () => {
    const s = new TcpByteStream(1024)
    s.push(0, b('<a>'), 0)
    s.push(13, b('<c>'), 0) // bytes 3..12 never captured
    s.push(16, b('<d>'), 0)
    expect(text(s.bytes)).toBe('<a>')
    expect(s.waiting).toBe(2)
    s.skipGap()
    expect(text(s.bytes)).toBe('<c><d>')
    expect(s.waiting).toBe(0)
    // The stream goes on in sequence from there; a late retransmission of skipped bytes is dropped.
    s.push(19, b('<e>'), 0)
    s.push(5, b('xx'), 0)
    expect(text(s.bytes)).toBe('<c><d><e>')
  })
})
