import {describe, expect, it} from 'vitest'
import {CompletedDatagrams} from '../../src/flows/completed-datagrams.js'
import {KEY_WORDS} from '../../src/flows/flow-table.js'

/** Key number n as key words (IPv4-like: meta, source, destination, identification). */
function keyOf(n: number): Uint32Array {
  const k = new Uint32Array(KEY_WORDS)
  k[0] = (4 << 8) | 17
  k[1] = 0xc0000200 + (n % 7)
  k[5] = 0xc6336400 + (n % 3)
  k[9] = n
  return k
}

/** The same behaviour written the obvious way: a ring of entries, a replaced key's old entry
 * keeps its place in the ring until the ring turns past it. */
class Model {
  private ring: Array<{key: number; slot: number; a: boolean; sec: number; live: boolean}> = []
  constructor(private readonly capacity: number) {}
  add(key: number, slot: number, a: boolean, sec: number): void {
    for (const e of this.ring) if (e.live && e.key === key) e.live = false
    if (this.ring.length === this.capacity) this.ring.shift()
    this.ring.push({key, slot, a, sec, live: true})
  }
  find(key: number, now: number, timeout: number): {slot: number; a: boolean} | undefined {
    const e = this.ring.find((x) => x.live && x.key === key)
    return e && now - e.sec <= timeout ? {slot: e.slot, a: e.a} : undefined
  }
  touch(key: number, sec: number): void {
    const e = this.ring.find((x) => x.live && x.key === key)
    if (e) e.sec = sec
  }
}

describe('CompletedDatagrams', () => {
  it('finds what was added, by its whole key, until the timeout', () => {
    const done = new CompletedDatagrams(16)
    done.add(keyOf(1), 7, true, 100)
    done.add(keyOf(2), 9, false, 100)
    const one = done.find(keyOf(1), 160, 60)
    expect(one).toBeGreaterThanOrEqual(0)
    expect([done.slot(one), done.sentByA(one)]).toEqual([7, true])
    const two = done.find(keyOf(2), 100, 60)
    expect([done.slot(two), done.sentByA(two)]).toEqual([9, false])
    // Same identification, another destination: another datagram.
    const other = keyOf(1)
    other[5] = 0x01020304
    expect(done.find(other, 100, 60)).toBe(-1)
    // A minute and a second after its last fragment, it is forgotten; a duplicate renews it.
    expect(done.find(keyOf(1), 161, 60)).toBe(-1)
    done.touch(done.find(keyOf(2), 150, 60), 150)
    expect(done.find(keyOf(2), 210, 60)).toBeGreaterThanOrEqual(0)
  })

  it('forgets the oldest when full, and a newer datagram of a key replaces the older one', () => {
    const done = new CompletedDatagrams(4)
    for (let n = 0; n < 4; n++) done.add(keyOf(n), n, true, 0)
    done.add(keyOf(4), 4, true, 0)
    expect(done.find(keyOf(0), 0, 60)).toBe(-1)
    expect(done.slot(done.find(keyOf(1), 0, 60))).toBe(1)
    done.add(keyOf(1), 11, false, 5)
    const e = done.find(keyOf(1), 5, 60)
    expect([done.slot(e), done.sentByA(e)]).toEqual([11, false])
    done.clear()
    expect(done.find(keyOf(4), 0, 60)).toBe(-1)
  })

  it('agrees with a plain ring over 20 000 random operations (collisions, replacements, evictions)', () => {
    let seed = 12345
    const random = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0
      return (seed >>> 8) % n
    }
    for (const capacity of [1, 3, 8, 33]) {
      const done = new CompletedDatagrams(capacity)
      const model = new Model(capacity)
      let now = 0
      for (let op = 0; op < 20_000; op++) {
        now += random(3)
        const key = random(capacity * 3)
        const what = random(4)
        if (what === 0) {
          const slot = random(1000)
          const a = random(2) === 1
          done.add(keyOf(key), slot, a, now)
          model.add(key, slot, a, now)
        } else if (what === 1) {
          const entry = done.find(keyOf(key), now, 60)
          if (entry >= 0) done.touch(entry, now)
          if (model.find(key, now, 60)) model.touch(key, now)
          expect(entry >= 0).toBe(model.find(key, now, 60) !== undefined)
        } else {
          const entry = done.find(keyOf(key), now, 20)
          const got = entry >= 0 ? {slot: done.slot(entry), a: done.sentByA(entry)} : undefined
          expect(got, `capacity ${capacity}, operation ${op}, key ${key}`).toEqual(model.find(key, now, 20))
        }
      }
    }
  })
})
