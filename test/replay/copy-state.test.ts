import {createCipheriv} from 'node:crypto'
import {describe, expect, it} from 'vitest'
import {copyState, snapshotCopier} from '../../src/replay/copy-state.js'
import {TcpByteStream} from '../../src/protocols/tcp-byte-stream.js'

class Counter {
  n = 0
  bump(): number {
    return ++this.n
  }
}

describe('copyState: a copy that can be finished while the original reads on', () => {
  it('keeps prototypes, so methods work on the copy and change only the copy', () => {
    const original = {counter: new Counter(), list: [1, 2, {x: 3}], map: new Map([['a', {y: 1}]]), set: new Set([1, 2])}
    original.counter.bump()
    const copy = copyState(original)
    expect(copy.counter).toBeInstanceOf(Counter)
    expect(copy.counter.bump()).toBe(2)
    expect(original.counter.n).toBe(1)
    ;(copy.list[2] as {x: number}).x = 99
    copy.map.get('a')!.y = 42
    copy.set.add(3)
    expect(original.list[2]).toEqual({x: 3})
    expect(original.map.get('a')).toEqual({y: 1})
    expect([...original.set]).toEqual([1, 2])
  })

  it('copies bytes, and views that share memory in the original share it in the copy', () => {
    const whole = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8])
    const original = {whole, window: whole.subarray(2, 6), words: new Uint16Array(whole.buffer, 0, 2), buf: Buffer.from('abc')}
    const copy = copyState(original)
    copy.whole[3] = 200
    expect(copy.window[1]).toBe(200) // the copy's window sees the copy's buffer
    expect(original.whole[3]).toBe(4) // the original is untouched
    expect(original.window[1]).toBe(4)
    expect(copy.words).toBeInstanceOf(Uint16Array)
    expect(copy.words.buffer).toBe(copy.whole.buffer)
    expect(Buffer.isBuffer(copy.buf)).toBe(true)
    expect(copy.buf.toString()).toBe('abc')
    copy.buf[0] = 0x7a
    expect(original.buf.toString()).toBe('abc')
  })

  it('keeps cycles and aliases, and shares functions and native objects', () => {
    const shared = {v: 1}
    const evidenceOf = (x: number) => x + 1
    const cipher = createCipheriv('aes-128-ecb', Buffer.alloc(16), null)
    const original: Record<string, unknown> = {a: shared, b: shared, evidenceOf, cipher}
    original['self'] = original
    const copy = copyState(original)
    expect(copy['a']).toBe(copy['b'])
    expect(copy['a']).not.toBe(shared)
    expect(copy['self']).toBe(copy)
    expect(copy['evidenceOf']).toBe(evidenceOf)
    expect(copy['cipher']).toBe(cipher)
  })

  it('copies an analyzer building block whole: a TCP byte stream goes on in the original only', () => {
    const stream = new TcpByteStream(1024)
    stream.push(1000, Buffer.from('hello '), 1000)
    const copy = copyState(stream)
    stream.push(1006, Buffer.from('world'), 1000)
    expect(Buffer.from(stream.bytes).toString()).toBe('hello world')
    expect(Buffer.from(copy.bytes).toString()).toBe('hello ')
  })

  it('one snapshot copier copies an object reached from several states once', () => {
    const flow = {id: 7}
    const copy = snapshotCopier()
    const a = copy({flow})
    const b = copy({flow})
    expect(a.flow).toBe(b.flow)
    expect(a.flow).not.toBe(flow)
  })
})
