/**
 * Builds a large, busy-looking classic pcap (little-endian, microseconds, LINKTYPE_ETHERNET) by
 * replicating a set of base packets.
 *
 * Layout: `groups` address-shifted copies of the base packets run concurrently (copy g starts
 * g * span / groups µs after copy 0 and the copies are merged by timestamp), which gives a capture
 * with groups × (flows of the base) distinct flows active at once. That whole block is repeated in
 * `passes` consecutive time windows with the same addresses, so later passes continue the flows of
 * the first one: the flow count depends only on `groups`, the packet count on the size. Writing
 * stops as soon as the file reaches the requested size, so a file twice as large has the same
 * flows and twice the packets.
 *
 * Copy g rewrites both IPv4 addresses (outer header only) by adding g * 0x0101 to the host part
 * of the address within its class: 10/8 keeps its first octet, 172.16/12 its first 12 bits,
 * 192.168/16 and public addresses their /16 (so the same operator / country, roughly).
 * 0/8, 127/8 and 224/3 (multicast, reserved, broadcast) are left alone. The IPv4 header
 * checksum is recomputed; TCP/UDP checksums (which cover a pseudo-header with the addresses) are
 * left stale: tshark does not validate them by default and callaudit does not check them.
 * Tunnelled inner headers (GTP-U, GRE, IP-in-IP) are not rewritten, so their inner flows are
 * shared by all copies.
 *
 * The output is a pure function of the base packets and the options (deterministic).
 */
import {closeSync, openSync, writeSync} from 'node:fs'
import type {BasePackets} from './sources.js'

/** 2024-01-01T00:00:00Z, the time of the first packet of every generated file. */
const START_US = 1_704_067_200 * 1e6
const PCAP_HEADER = 24
const RECORD_HEADER = 16
const CHUNK_BYTES = 16 * 1024 * 1024
/** Pause between two passes. */
const PASS_GAP_US = 1_000_000

export interface SynthOptions {
  /** Address-shifted copies that run concurrently (distinct flow sets). */
  groups: number
  /** Stop once the file holds at least this many bytes (headers included). */
  targetBytes: number
}

export interface SynthResult {
  bytes: number
  packets: number
  /** Full passes plus the fraction of the last one written. */
  passes: number
  groups: number
  seconds: number
  firstTime: string
  lastTime: string
}

/** Rewrites one IPv4 address (as uint32) for address group g; see the module comment. */
export function shiftAddress(address: number, group: number): number {
  const top = address >>> 24
  if (group === 0 || top === 0 || top === 127 || top >= 224) return address
  let mask = 0xffff
  if (top === 10) mask = 0xff_ffff
  else if (top === 172 && ((address >>> 16) & 0xf0) === 0x10) mask = 0x0f_ffff
  return ((address & ~mask) | ((address + group * 0x0101) & mask)) >>> 0
}

/** Internet checksum of an IPv4 header, the checksum field itself counted as zero. */
export function ipv4HeaderChecksum(buf: Uint8Array, off: number, length: number): number {
  let sum = 0
  for (let i = 0; i < length; i += 2) {
    if (i !== 10) sum += (buf[off + i]! << 8) | buf[off + i + 1]!
  }
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16)
  return ~sum & 0xffff
}

/** Bytes one copy of the base packets takes in the output (record headers included). */
export function replicaBytes(base: BasePackets): number {
  return base.dataBytes + RECORD_HEADER * base.count
}

/** Buffered writer of classic pcap records into a file descriptor. */
class PcapWriter {
  private readonly buf = Buffer.allocUnsafe(CHUNK_BYTES)
  private pos = 0
  bytes = 0
  packets = 0

  constructor(private readonly fd: number) {
    const h = this.buf
    h.writeUInt32LE(0xa1b2c3d4, 0) // µs, written in our (little-endian) byte order
    h.writeUInt16LE(2, 4)
    h.writeUInt16LE(4, 6)
    h.writeInt32LE(0, 8) // thiszone
    h.writeUInt32LE(0, 12) // sigfigs
    h.writeUInt32LE(262_144, 16) // snaplen
    h.writeUInt32LE(1, 20) // LINKTYPE_ETHERNET
    this.pos = PCAP_HEADER
    this.bytes = PCAP_HEADER
  }

  /** Copies frame `j` of `base` with timestamp `us` and addresses of `group`. */
  write(base: BasePackets, j: number, us: number, group: number): void {
    const cap = base.capLen[j]!
    if (this.pos + RECORD_HEADER + cap > this.buf.length) this.flush()
    const b = this.buf
    const p = this.pos
    const sec = Math.floor(us / 1e6)
    b.writeUInt32LE(sec, p)
    b.writeUInt32LE(us - sec * 1e6, p + 4)
    b.writeUInt32LE(cap, p + 8)
    b.writeUInt32LE(base.origLen[j]!, p + 12)
    const start = base.offset[j]!
    base.data.copy(b, p + RECORD_HEADER, start, start + cap)
    if (group !== 0) {
      const ip = p + RECORD_HEADER + base.ipOffset[j]!
      b.writeUInt32BE(shiftAddress(b.readUInt32BE(ip + 12), group), ip + 12)
      b.writeUInt32BE(shiftAddress(b.readUInt32BE(ip + 16), group), ip + 16)
      b.writeUInt16BE(ipv4HeaderChecksum(b, ip, (b[ip]! & 0x0f) * 4), ip + 10)
    }
    this.pos = p + RECORD_HEADER + cap
    this.bytes += RECORD_HEADER + cap
    this.packets++
  }

  flush(): void {
    let done = 0
    while (done < this.pos) done += writeSync(this.fd, this.buf, done, this.pos - done)
    this.pos = 0
  }
}

/**
 * Min-heap of the copies' next packets, keyed by (time, group). All copies walk the same
 * (non-decreasing) base timeline shifted by group * stagger, so merging them keeps the file
 * time-ordered.
 */
class MergeHeap {
  readonly group: Int32Array
  readonly next: Int32Array
  readonly key: Float64Array
  size = 0

  constructor(capacity: number) {
    this.group = new Int32Array(capacity)
    this.next = new Int32Array(capacity)
    this.key = new Float64Array(capacity)
  }

  private less(a: number, b: number): boolean {
    const ka = this.key[a]!
    const kb = this.key[b]!
    return ka < kb || (ka === kb && this.group[a]! < this.group[b]!)
  }

  private swap(a: number, b: number): void {
    const g = this.group[a]!
    const n = this.next[a]!
    const k = this.key[a]!
    this.group[a] = this.group[b]!
    this.next[a] = this.next[b]!
    this.key[a] = this.key[b]!
    this.group[b] = g
    this.next[b] = n
    this.key[b] = k
  }

  push(group: number, next: number, key: number): void {
    let i = this.size++
    this.group[i] = group
    this.next[i] = next
    this.key[i] = key
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (!this.less(i, parent)) break
      this.swap(i, parent)
      i = parent
    }
  }

  /** Restores the heap after the root's key grew (or removes the root when `remove`). */
  siftRoot(remove: boolean): void {
    if (remove) {
      this.size--
      if (this.size === 0) return
      this.swap(0, this.size)
    }
    let i = 0
    for (;;) {
      const l = 2 * i + 1
      const r = l + 1
      let m = i
      if (l < this.size && this.less(l, m)) m = l
      if (r < this.size && this.less(r, m)) m = r
      if (m === i) return
      this.swap(i, m)
      i = m
    }
  }
}

/** Writes the synthetic capture to `path`. */
export function synthesize(base: BasePackets, path: string, options: SynthOptions): SynthResult {
  if (base.count === 0) throw new Error('no Ethernet/IPv4 source packets to replicate')
  const groups = Math.max(1, Math.floor(options.groups))
  const started = process.hrtime.bigint()
  const stagger = Math.floor(base.spanUs / groups)
  const passSpan = base.spanUs + stagger * (groups - 1) + PASS_GAP_US
  const fd = openSync(path, 'w')
  const writer = new PcapWriter(fd)
  let pass = 0
  let lastUs = START_US
  try {
    outer: for (; ; pass++) {
      const passStart = START_US + pass * passSpan
      const heap = new MergeHeap(groups)
      for (let g = 0; g < groups; g++) heap.push(g, 0, passStart + g * stagger + base.tsUs[0]!)
      while (heap.size > 0) {
        const g = heap.group[0]!
        const j = heap.next[0]!
        lastUs = heap.key[0]!
        writer.write(base, j, lastUs, g)
        if (writer.bytes >= options.targetBytes) break outer
        const nj = j + 1
        if (nj < base.count) {
          heap.next[0] = nj
          heap.key[0] = passStart + g * stagger + base.tsUs[nj]!
          heap.siftRoot(false)
        } else {
          heap.siftRoot(true)
        }
      }
    }
    writer.flush()
  } finally {
    closeSync(fd)
  }
  const perPass = base.count * groups
  return {
    bytes: writer.bytes,
    packets: writer.packets,
    passes: pass + (writer.packets - pass * perPass) / perPass,
    groups,
    seconds: Number(process.hrtime.bigint() - started) / 1e9,
    firstTime: new Date(START_US / 1000).toISOString(),
    lastTime: new Date(Math.floor(lastUs / 1000)).toISOString(),
  }
}
