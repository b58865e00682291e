import {describe, expect, it} from 'vitest'
import {StreamWindow} from '../../../src/protocols/http/stream-window.js'

const b = (s: string) => Buffer.from(s, 'latin1')
const text = (u: Uint8Array) => Buffer.from(u).toString('latin1')

describe('StreamWindow', () => {
  it('hands out the unconsumed bytes in order, across segments', () => {
    const w = new StreamWindow(1024)
    w.push(100, b('hello '), 100)
    w.push(106, b('world'), 100)
    expect(text(w.view)).toBe('hello world')
    w.consume(6)
    expect(text(w.view)).toBe('world')
  })

  it('skips ahead past bytes that have not arrived, dropping them when they do', () => {
    const w = new StreamWindow(1024)
    w.push(0, b('HEAD'), 0)
    w.consume(4 + 10) // a 10-byte body not yet seen
    expect(w.view.length).toBe(0)
    w.push(4, b('0123456789NEXT'), 0)
    expect(text(w.view)).toBe('NEXT')
  })

  it('restarts past a skipped body larger than half the window, dropping it unbuffered', () => {
    const w = new StreamWindow(64)
    w.push(0, b('HEAD'), 0)
    w.consume(4 + 100)
    w.push(4, b('x'.repeat(60)), 0)
    expect(w.view.length).toBe(0)
    w.push(64, b(`${'y'.repeat(40)}NEXT`), 0)
    expect(text(w.view)).toBe('NEXT')
  })

  it('keeps working far beyond its size when what it holds is consumed', () => {
    const w = new StreamWindow(64)
    let seq = 5000
    for (let i = 0; i < 100; i++) {
      const chunk = b(`msg${String(i).padStart(3, '0')};`)
      w.push(seq, chunk, 5000)
      seq += chunk.length
      expect(text(w.view)).toBe(`msg${String(i).padStart(3, '0')};`)
      w.consume(chunk.length)
    }
  })

  it('waits behind a hole, and does not restart while segments are waiting', () => {
    const w = new StreamWindow(1024)
    w.push(0, b('ab'), 0)
    w.consume(2)
    w.push(4, b('ef'), 0) // hole at 2..3
    expect(w.view.length).toBe(0)
    expect(w.isAhead(4)).toBe(true)
    w.push(2, b('cd'), 0)
    expect(text(w.view)).toBe('cdef')
  })

  it('says whether a sequence number is beyond the next expected byte (mod 2^32)', () => {
    const w = new StreamWindow(1024)
    expect(w.isAhead(10)).toBe(false)
    w.push(0xfffffffe, b('abcd'), 0xfffffffe)
    expect(w.isAhead(2)).toBe(false) // exactly the next byte
    expect(w.isAhead(3)).toBe(true)
    expect(w.isAhead(0xfffffffe)).toBe(false) // a retransmission
    expect(text(w.view)).toBe('abcd')
  })

  it('is full when unconsumed bytes fill it', () => {
    const w = new StreamWindow(16)
    w.push(0, b('x'.repeat(20)), 0)
    expect(w.full).toBe(true)
    expect(w.view.length).toBe(16)
  })
})
