import {type NetLayer, PROTO_ICMP, PROTO_ICMPV6, PROTO_TCP, TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN} from '../decode/net-layer.js'
import {isGroupIpv4, isGroupIpv6, isPrivateIpv4, isPrivateIpv6, isServerPort} from './endpoint-class.js'

/**
 * Bidirectional flow table keyed by numbers only (Hot path rules: no string keys, no Map).
 * Keys live in a Uint32Array, KEY_WORDS per flow, with the two endpoints in canonical order
 * (lower address, then lower port, first) so both directions find the same flow; an
 * open-addressing index of flow slots sits beside them. Per-flow counters are columns of
 * typed arrays that grow by doubling. Memory is O(flows) and bounded by `maxFlows`: when the
 * table is full the longest-idle quarter is evicted and counted.
 */

export const KEY_WORDS = 10 // meta (ip version, proto), address A (4 words), address B (4 words), ports
const EMPTY = -1

// tcpState bits
export const ST_SYN = 1 // client SYN seen
export const ST_SYNACK = 2 // server SYN+ACK seen
export const ST_ESTABLISHED = 4 // client ACK after SYN+ACK seen
export const ST_FIN_CLIENT = 8
export const ST_FIN_SERVER = 16
export const ST_RST = 32
const ST_BASESEQ_A = 64 // first sequence number from endpoint A recorded
const ST_BASESEQ_B = 128

/** Most time between a packet and its copy for the copy to count as the same packet captured
 * twice: 1 ms. Copies made by the capture are microseconds apart. */
export const DUPLICATE_WINDOW_NS = 1_000_000

/** Flows the table holds when no limit is given (`--max-flows`' default). */
export const MAX_FLOWS_DEFAULT = 1_000_000

/** Packets captured twice (see FlowTable.noteSignature), and the frame of the first copy. */
export interface DuplicateCounts {
  duplicatePackets: number
  firstDuplicateFrame: number
}

export interface FlowTableOptions {
  /** Most flows kept at once; beyond it the longest-idle quarter is evicted. */
  maxFlows?: number
  initialCapacity?: number
}

export interface EvictionStats {
  flows: number
  packets: number
  bytes: number
  /** Frame and capture at which the first eviction happened. */
  firstFrame?: number
}

export class FlowTable {
  /** Number of live flows (slots 0..count-1). */
  count = 0
  /** Next flow id to hand out: ids count every flow ever created, in order of creation. */
  nextId = 1
  readonly maxFlows: number
  readonly evicted: EvictionStats = {flows: 0, packets: 0, bytes: 0}

  private capacity: number
  keys: Uint32Array
  private hashes: Int32Array
  private index: Int32Array
  private indexMask: number
  ids: Uint32Array
  /** 1 when endpoint A (the canonical first) is the client. */
  clientIsA: Uint8Array
  /** [toServer, toClient] per flow. */
  packets: Uint32Array
  bytes: Float64Array
  firstSec: Float64Array
  firstNsec: Uint32Array
  lastSec: Float64Array
  lastNsec: Uint32Array
  firstFrame: Uint32Array
  captureIndex: Uint16Array
  tcpState: Uint8Array
  /** First TCP sequence number seen from A and from B, to spot a reused 4-tuple. */
  baseSeq: Uint32Array
  /** TCP handshake times in seconds relative to `timeBase` (NaN when not seen). */
  synTime: Float64Array
  synAckTime: Float64Array
  ackTime: Float64Array
  tunnel: Uint8Array
  /** Id of the flow whose packets carried this one (0 = not tunnelled). */
  parentId: Uint32Array
  /** Protocol inspection state for the collector: 0 not started, 1 active, 2 done. */
  inspect: Uint8Array
  /** The dispatcher's inspection index while `inspect` is 1. */
  inspectIndex: Int32Array
  /** TCP: 1 once the analyzers were offered the first byte of the client's stream, 2 the
   * server's (see EarlySegments). */
  streamStarted: Uint8Array
  /** 1 + index into the collection's `processes` of the process the capture names for the
   * flow's first packet that names one (0 = none named). */
  process: Uint32Array
  /** packetSignature of the flow's last packet, to spot the same packet captured twice. */
  lastSignature: Int32Array
  /** Where packets captured twice are counted: the summary of the capture being read. */
  duplicates: DuplicateCounts = {duplicatePackets: 0, firstDuplicateFrame: 0}

  /** Seconds subtracted from timestamps before they are stored as doubles. */
  timeBase = NaN
  private readonly scratch = new Uint32Array(KEY_WORDS)

  constructor(options: FlowTableOptions = {}) {
    this.maxFlows = Math.max(16, options.maxFlows ?? MAX_FLOWS_DEFAULT)
    this.capacity = Math.min(this.maxFlows, options.initialCapacity ?? 4096)
    this.keys = new Uint32Array(this.capacity * KEY_WORDS)
    this.hashes = new Int32Array(this.capacity)
    this.ids = new Uint32Array(this.capacity)
    this.clientIsA = new Uint8Array(this.capacity)
    this.packets = new Uint32Array(this.capacity * 2)
    this.bytes = new Float64Array(this.capacity * 2)
    this.firstSec = new Float64Array(this.capacity)
    this.firstNsec = new Uint32Array(this.capacity)
    this.lastSec = new Float64Array(this.capacity)
    this.lastNsec = new Uint32Array(this.capacity)
    this.firstFrame = new Uint32Array(this.capacity)
    this.captureIndex = new Uint16Array(this.capacity)
    this.tcpState = new Uint8Array(this.capacity)
    this.baseSeq = new Uint32Array(this.capacity * 2)
    this.synTime = new Float64Array(this.capacity)
    this.synAckTime = new Float64Array(this.capacity)
    this.ackTime = new Float64Array(this.capacity)
    this.tunnel = new Uint8Array(this.capacity)
    this.parentId = new Uint32Array(this.capacity)
    this.inspect = new Uint8Array(this.capacity)
    this.inspectIndex = new Int32Array(this.capacity)
    this.streamStarted = new Uint8Array(this.capacity)
    this.process = new Uint32Array(this.capacity)
    this.lastSignature = new Int32Array(this.capacity)
    const indexSize = nextPowerOfTwo(this.capacity * 2)
    this.index = new Int32Array(indexSize).fill(EMPTY)
    this.indexMask = indexSize - 1
  }

  /** Whether the sender of the current packet is endpoint A; set by `lookup`. */
  senderIsA = false

  /**
   * Find or create the flow of a decoded layer with transport ports; returns its slot.
   * `senderIsA` tells the direction of this packet afterwards.
   */
  lookup(layer: NetLayer, frame: number, sec: number, nsec: number, captureIndex: number, parentId: number): number {
    // Make room first, so creating a flow below never moves the index under our feet.
    if (this.count === this.capacity) {
      if (this.capacity < this.maxFlows) this.grow()
      else this.evict(frame)
    }
    const v4 = layer.ipVersion === 4
    // A SYN takes the full path below, which decides whether it starts a new connection on a
    // reused 4-tuple; any other packet of a known flow is found by existing4/existing6.
    const syn = layer.proto === PROTO_TCP && (layer.tcpFlags & TCP_SYN) !== 0
    if (!syn) {
      const found = v4 ? this.existing4(layer.proto, layer.src[0]! | 0, layer.dst[0]! | 0, layer.sport, layer.dport) : this.existing6(layer.proto, layer.src, layer.dst, layer.sport, layer.dport)
      if (found >= 0) return found
    }
    // A new flow or a SYN: the whole key (existing6 left an IPv6 one in scratch), its position.
    const key = this.scratch
    let aIsSrc: boolean
    if (v4) {
      const s0 = layer.src[0]!
      const d0 = layer.dst[0]!
      aIsSrc = s0 < d0 || (s0 === d0 && layer.sport <= layer.dport)
      key[0] = (4 << 8) | layer.proto
      key[1] = aIsSrc ? s0 : d0
      key[5] = aIsSrc ? d0 : s0
      key[2] = key[3] = key[4] = key[6] = key[7] = key[8] = 0
      key[9] = aIsSrc ? ((layer.sport << 16) | layer.dport) >>> 0 : ((layer.dport << 16) | layer.sport) >>> 0
    } else {
      aIsSrc = this.fillKey6(layer.ipVersion, layer.proto, layer.src, layer.dst, layer.sport, layer.dport)
    }
    this.senderIsA = aIsSrc
    const hash = v4 ? hash4(key[0]!, key[1]!, key[5]!, key[9]!) : hashKey(key)
    const pos = this.probe(hash, v4)
    const slot = this.index[pos]!
    if (slot !== EMPTY) {
      if (syn && this.isNewConnection(slot, layer, aIsSrc)) {
        // A fresh SYN with another initial sequence number on a known 4-tuple starts a new
        // connection (as tshark starts a new tcp.stream); the index now points to it.
        const fresh = this.create(hash, layer, aIsSrc, frame, sec, nsec, captureIndex, parentId)
        this.index[pos] = fresh
        return (this.lastSlot = fresh)
      }
      return (this.lastSlot = slot)
    }
    const created = this.create(hash, layer, aIsSrc, frame, sec, nsec, captureIndex, parentId)
    this.index[pos] = created
    return (this.lastSlot = created)
  }

  /**
   * The slot of the flow an IPv4 packet from `src`:`sport` to `dst`:`dport` belongs to, exactly
   * as `lookup` finds it (`senderIsA` set as it sets it), when that flow exists (for a SYN, the
   * caller then asks startsNewConnection, as lookup does);
   * -1 when only `lookup` can answer: no such flow yet, or the table is full and lookup makes
   * room first. Creates and moves nothing (the collector's fast path, see FlowFastPath).
   */
  existing4(proto: number, src: number, dst: number, sport: number, dport: number): number {
    // Callers pass the addresses as int32 (see i32be): no heap number per packet.
    src >>>= 0
    dst >>>= 0
    if (this.count === this.capacity) return -1
    const aIsSrc = src < dst || (src === dst && sport <= dport)
    const k0 = (4 << 8) | proto
    const k1 = aIsSrc ? src : dst
    const k5 = aIsSrc ? dst : src
    const k9 = aIsSrc ? ((sport << 16) | dport) >>> 0 : ((dport << 16) | sport) >>> 0
    this.senderIsA = aIsSrc
    // More than half the packets of a real capture belong to the flow of the packet before (a
    // transfer's segments, a media burst): that flow is tried before the key is even hashed.
    // IPv4 keys differ only in words 0, 1, 5 and 9 (the meta word tells IPv4 from IPv6).
    const last = this.lastSlot
    if (last >= 0) {
      const keys = this.keys
      const k = last * KEY_WORDS
      if (keys[k + 9] === k9 && keys[k + 1] === k1 && keys[k + 5] === k5 && keys[k] === k0) return last
    }
    // The key words go to probe through scratch: as arguments, words of 2^31 and more (most
    // addresses, ephemeral ports) would be boxed as heap numbers whenever probe is not inlined.
    const key = this.scratch
    key[0] = k0
    key[1] = k1
    key[5] = k5
    key[9] = k9
    const slot = this.index[this.probe(hash4(k0, k1, k5, k9), true)]!
    if (slot !== EMPTY) this.lastSlot = slot
    return slot
  }

  /** existing4 for IPv6: addresses as four big-endian words each. */
  existing6(proto: number, src: Uint32Array, dst: Uint32Array, sport: number, dport: number): number {
    if (this.count === this.capacity) return -1
    const key = this.scratch
    const aIsSrc = this.fillKey6(6, proto, src, dst, sport, dport)
    this.senderIsA = aIsSrc
    if (this.lastMatches6()) return this.lastSlot
    const slot = this.index[this.probe(hashKey(key), false)]!
    if (slot !== EMPTY) this.lastSlot = slot
    return slot
  }

  /** The key of an IPv6 flow into `scratch`, endpoints in canonical order; whether the source
   * is endpoint A. */
  private fillKey6(ipVersion: number, proto: number, s: Uint32Array, d: Uint32Array, sport: number, dport: number): boolean {
    const order = compareWords(s, d)
    const aIsSrc = order < 0 || (order === 0 && sport <= dport)
    const a = aIsSrc ? s : d
    const b = aIsSrc ? d : s
    const key = this.scratch
    key[0] = (ipVersion << 8) | proto
    key[1] = a[0]!
    key[2] = a[1]!
    key[3] = a[2]!
    key[4] = a[3]!
    key[5] = b[0]!
    key[6] = b[1]!
    key[7] = b[2]!
    key[8] = b[3]!
    key[9] = aIsSrc ? ((sport << 16) | dport) >>> 0 : ((dport << 16) | sport) >>> 0
    return aIsSrc
  }

  /** Whether the last slot's flow has the key in `scratch` (all ten words). */
  private lastMatches6(): boolean {
    const last = this.lastSlot
    if (last < 0) return false
    const keys = this.keys
    const key = this.scratch
    const k = last * KEY_WORDS
    return keys[k] === key[0] && keys[k + 1] === key[1] && keys[k + 5] === key[5] && keys[k + 9] === key[9] &&
      keys[k + 2] === key[2] && keys[k + 3] === key[3] && keys[k + 4] === key[4] &&
      keys[k + 6] === key[6] && keys[k + 7] === key[7] && keys[k + 8] === key[8]
  }

  /** The index position holding the newest flow with the key in `scratch`, or the empty position
   * where it would go. IPv4 keys are compared on their four varying words, others on all ten. */
  private probe(hash: number, v4: boolean): number {
    const keys = this.keys
    const key = this.scratch
    const k0 = key[0]!
    const k1 = key[1]!
    const k5 = key[5]!
    const k9 = key[9]!
    const index = this.index
    const mask = this.indexMask
    let pos = hash & mask
    for (;;) {
      const slot = index[pos]!
      if (slot === EMPTY) return pos
      if (this.hashes[slot] === hash) {
        const k = slot * KEY_WORDS
        if (keys[k] === k0 && keys[k + 1] === k1 && keys[k + 5] === k5 && keys[k + 9] === k9 &&
          (v4 || (keys[k + 2] === key[2] && keys[k + 3] === key[3] && keys[k + 4] === key[4] &&
            keys[k + 6] === key[6] && keys[k + 7] === key[7] && keys[k + 8] === key[8]))) return pos
      }
      pos = (pos + 1) & mask
    }
  }

  /** The slot `lookup` returned last (-1 after an eviction renumbered the slots). Among slots
   * with equal keys (a reused 4-tuple) it is always the newest, the one the index finds. */
  private lastSlot = -1

  /** Count one packet of `length` bytes on `slot` in the direction given by `senderIsA`. */
  count1(slot: number, senderIsA: boolean, length: number, sec: number, nsec: number): void {
    const toServer = senderIsA === (this.clientIsA[slot] === 1)
    const dir = slot * 2 + (toServer ? 0 : 1)
    this.packets[dir]!++
    this.bytes[dir] += length
    if (sec > this.lastSec[slot]! || (sec === this.lastSec[slot] && nsec > this.lastNsec[slot]!)) {
      this.lastSec[slot] = sec
      this.lastNsec[slot] = nsec
    } else if (sec < this.firstSec[slot]! || (sec === this.firstSec[slot] && nsec < this.firstNsec[slot]!)) {
      this.firstSec[slot] = sec
      this.firstNsec[slot] = nsec
    }
  }

  /**
   * Before `count1`: whether the packet with signature `signature` (packetSignature, 0 for none)
   * repeats the flow's last packet within DUPLICATE_WINDOW_NS, i.e. the capture saw one packet
   * twice (tcpdump -i any on a host with a bridge, a mirror port fed both ways, pktmon at several
   * components). Such copies arrive microseconds apart; a retransmission waits at least a round
   * trip, and its IPv4 Identification differs. Counted in `duplicates`; the packet still counts
   * as a packet, as tshark counts it.
   */
  noteSignature(slot: number, signature: number, sec: number, nsec: number, frame: number): void {
    if (signature !== 0 && signature === this.lastSignature[slot]) {
      const gap = (sec - this.lastSec[slot]!) * 1e9 + (nsec - this.lastNsec[slot]!)
      if (gap >= 0 && gap <= DUPLICATE_WINDOW_NS && this.duplicates.duplicatePackets++ === 0) this.duplicates.firstDuplicateFrame = frame
    }
    this.lastSignature[slot] = signature
  }

  /** Follow the TCP handshake and teardown (RFC 9293 §3.5) of `slot` for one segment. */
  trackTcp(slot: number, senderIsA: boolean, flags: number, seq: number, sec: number, nsec: number): void {
    let state = this.tcpState[slot]!
    const baseBit = senderIsA ? ST_BASESEQ_A : ST_BASESEQ_B
    if ((state & baseBit) === 0) {
      state |= baseBit
      this.baseSeq[slot * 2 + (senderIsA ? 0 : 1)] = seq
    }
    const fromClient = senderIsA === (this.clientIsA[slot] === 1)
    const synAck = TCP_SYN | TCP_ACK
    // Handshake times are made only when one is recorded (a division per segment otherwise).
    if ((flags & synAck) === TCP_SYN && fromClient) {
      if ((state & ST_SYN) === 0) this.synTime[slot] = sec - this.timeBase + nsec / 1e9
      state |= ST_SYN
    } else if ((flags & synAck) === synAck && !fromClient) {
      if ((state & ST_SYNACK) === 0) this.synAckTime[slot] = sec - this.timeBase + nsec / 1e9
      state |= ST_SYNACK
    } else if ((flags & TCP_ACK) !== 0 && fromClient && (state & (ST_SYNACK | ST_ESTABLISHED)) === ST_SYNACK) {
      this.ackTime[slot] = sec - this.timeBase + nsec / 1e9
      state |= ST_ESTABLISHED
    }
    if (flags & TCP_FIN) state |= fromClient ? ST_FIN_CLIENT : ST_FIN_SERVER
    if (flags & TCP_RST) state |= ST_RST
    this.tcpState[slot] = state
  }

  private isNewConnection(slot: number, layer: NetLayer, senderIsA: boolean): boolean {
    return this.startsNewConnection(slot, layer.tcpFlags, layer.tcpSeq, senderIsA)
  }

  /** Whether a TCP segment with these flags and sequence number, sent by A (`senderIsA`) or B,
   * starts a new connection on the 4-tuple of `slot`: a SYN (without ACK) with another initial
   * sequence number than the one the flow began with from that side. */
  startsNewConnection(slot: number, flags: number, seq: number, senderIsA: boolean): boolean {
    if ((flags & (TCP_SYN | TCP_ACK)) !== TCP_SYN) return false
    seq >>>= 0 // int32 or uint32, as for existing4's addresses
    const baseBit = senderIsA ? ST_BASESEQ_A : ST_BASESEQ_B
    return (this.tcpState[slot]! & baseBit) !== 0 && this.baseSeq[slot * 2 + (senderIsA ? 0 : 1)] !== seq
  }

  private create(hash: number, layer: NetLayer, aIsSrc: boolean, frame: number, sec: number, nsec: number, captureIndex: number, parentId: number): number {
    const slot = this.count++
    this.keys.set(this.scratch, slot * KEY_WORDS)
    this.hashes[slot] = hash
    this.ids[slot] = this.nextId++
    const srcIsClient = senderIsClient(layer)
    this.clientIsA[slot] = srcIsClient === aIsSrc ? 1 : 0
    this.packets[slot * 2] = this.packets[slot * 2 + 1] = 0
    this.bytes[slot * 2] = this.bytes[slot * 2 + 1] = 0
    this.firstSec[slot] = this.lastSec[slot] = sec
    this.firstNsec[slot] = this.lastNsec[slot] = nsec
    this.firstFrame[slot] = frame
    this.captureIndex[slot] = captureIndex
    this.tcpState[slot] = 0
    this.synTime[slot] = this.synAckTime[slot] = this.ackTime[slot] = NaN
    this.tunnel[slot] = layer.tunnel
    this.parentId[slot] = parentId
    this.inspect[slot] = 0
    this.streamStarted[slot] = 0
    this.process[slot] = 0
    this.lastSignature[slot] = 0
    if (Number.isNaN(this.timeBase)) this.timeBase = sec
    return slot
  }

  private grow(): void {
    const capacity = Math.min(this.maxFlows, this.capacity * 2)
    this.keys = grown(this.keys, capacity, KEY_WORDS)
    this.hashes = grown(this.hashes, capacity)
    this.ids = grown(this.ids, capacity)
    this.clientIsA = grown(this.clientIsA, capacity)
    this.packets = grown(this.packets, capacity, 2)
    this.bytes = grown(this.bytes, capacity, 2)
    this.firstSec = grown(this.firstSec, capacity)
    this.firstNsec = grown(this.firstNsec, capacity)
    this.lastSec = grown(this.lastSec, capacity)
    this.lastNsec = grown(this.lastNsec, capacity)
    this.firstFrame = grown(this.firstFrame, capacity)
    this.captureIndex = grown(this.captureIndex, capacity)
    this.tcpState = grown(this.tcpState, capacity)
    this.baseSeq = grown(this.baseSeq, capacity, 2)
    this.synTime = grown(this.synTime, capacity)
    this.synAckTime = grown(this.synAckTime, capacity)
    this.ackTime = grown(this.ackTime, capacity)
    this.tunnel = grown(this.tunnel, capacity)
    this.parentId = grown(this.parentId, capacity)
    this.inspect = grown(this.inspect, capacity)
    this.inspectIndex = grown(this.inspectIndex, capacity)
    this.streamStarted = grown(this.streamStarted, capacity)
    this.process = grown(this.process, capacity)
    this.lastSignature = grown(this.lastSignature, capacity)
    this.capacity = capacity
    this.rebuildIndex()
  }

  private rebuildIndex(): void {
    const size = nextPowerOfTwo(this.capacity * 2)
    if (this.index.length !== size) this.index = new Int32Array(size)
    this.index.fill(EMPTY)
    this.indexMask = size - 1
    // Later slots win: a 4-tuple reused by a new TCP connection must find the newest flow.
    for (let slot = this.count - 1; slot >= 0; slot--) {
      let pos = this.hashes[slot]! & this.indexMask
      let duplicate = false
      for (;;) {
        const other = this.index[pos]!
        if (other === EMPTY) break
        if (this.hashes[other] === this.hashes[slot] && sameKey(this.keys, other, slot)) {
          duplicate = true
          break
        }
        pos = (pos + 1) & this.indexMask
      }
      if (!duplicate) this.index[pos] = slot
    }
  }

  /** Ids of the flows removed by the last eviction. */
  lastEvictedIds: number[] = []

  /** Evict the longest-idle quarter of the flows, keeping their totals in `evicted`. */
  private evict(frame: number): void {
    this.lastEvictedIds = []
    const order = Array.from({length: this.count}, (_, i) => i)
    order.sort((x, y) => this.lastSec[x]! - this.lastSec[y]! || this.lastNsec[x]! - this.lastNsec[y]! || x - y)
    const drop = new Uint8Array(this.count)
    const dropCount = Math.max(1, this.count >> 2)
    for (let i = 0; i < dropCount; i++) drop[order[i]!] = 1
    this.evicted.firstFrame ??= frame
    let out = 0
    for (let slot = 0; slot < this.count; slot++) {
      if (drop[slot]) {
        this.lastEvictedIds.push(this.ids[slot]!)
        this.evicted.flows++
        this.evicted.packets += this.packets[slot * 2]! + this.packets[slot * 2 + 1]!
        this.evicted.bytes += this.bytes[slot * 2]! + this.bytes[slot * 2 + 1]!
        continue
      }
      if (out !== slot) this.moveSlot(slot, out)
      out++
    }
    this.count = out
    this.lastSlot = -1
    this.rebuildIndex()
    this.onEvict?.()
  }

  /** Called after eviction renumbered the slots (slot-keyed side tables must be rebuilt). */
  onEvict: (() => void) | undefined

  private moveSlot(from: number, to: number): void {
    this.keys.copyWithin(to * KEY_WORDS, from * KEY_WORDS, (from + 1) * KEY_WORDS)
    this.hashes[to] = this.hashes[from]!
    this.ids[to] = this.ids[from]!
    this.clientIsA[to] = this.clientIsA[from]!
    this.packets[to * 2] = this.packets[from * 2]!
    this.packets[to * 2 + 1] = this.packets[from * 2 + 1]!
    this.bytes[to * 2] = this.bytes[from * 2]!
    this.bytes[to * 2 + 1] = this.bytes[from * 2 + 1]!
    this.firstSec[to] = this.firstSec[from]!
    this.firstNsec[to] = this.firstNsec[from]!
    this.lastSec[to] = this.lastSec[from]!
    this.lastNsec[to] = this.lastNsec[from]!
    this.firstFrame[to] = this.firstFrame[from]!
    this.captureIndex[to] = this.captureIndex[from]!
    this.tcpState[to] = this.tcpState[from]!
    this.baseSeq[to * 2] = this.baseSeq[from * 2]!
    this.baseSeq[to * 2 + 1] = this.baseSeq[from * 2 + 1]!
    this.synTime[to] = this.synTime[from]!
    this.synAckTime[to] = this.synAckTime[from]!
    this.ackTime[to] = this.ackTime[from]!
    this.tunnel[to] = this.tunnel[from]!
    this.parentId[to] = this.parentId[from]!
    this.inspect[to] = this.inspect[from]!
    this.inspectIndex[to] = this.inspectIndex[from]!
    this.streamStarted[to] = this.streamStarted[from]!
    this.process[to] = this.process[from]!
    this.lastSignature[to] = this.lastSignature[from]!
  }

  /** IP protocol number of a slot's flow. */
  protoOf(slot: number): number {
    return this.keys[slot * KEY_WORDS]! & 0xff
  }

  /** Key words of a slot: [meta, A0..A3, B0..B3, portA << 16 | portB]. */
  keyOf(slot: number): Uint32Array {
    return this.keys.subarray(slot * KEY_WORDS, (slot + 1) * KEY_WORDS)
  }
}

/** Which side of the first packet of a flow is the client. TCP: the SYN sender; ICMP: the
 * echo requester; otherwise well-known server ports, then private-vs-public, then the sender. */
function senderIsClient(layer: NetLayer): boolean {
  if (layer.proto === PROTO_TCP) {
    const synAck = layer.tcpFlags & (TCP_SYN | TCP_ACK)
    if (synAck === TCP_SYN) return true
    if (synAck === (TCP_SYN | TCP_ACK)) return false
  } else if (layer.proto === PROTO_ICMP || layer.proto === PROTO_ICMPV6) {
    // Echo reply (0, 129) travels from the server of the exchange.
    return !(layer.icmpType === 0 || layer.icmpType === 129)
  }
  const s = layer.src
  const d = layer.dst
  // A multicast group or the broadcast address never sends: whatever the ports, the sender is
  // the flow's client (a DHCP server's broadcast OFFER from port 67, a DHCPv6 Solicit to
  // ff02::1:2, port 547, would otherwise put the group on the client side).
  if (layer.ipVersion === 4 ? isGroupIpv4(d[0]!) : isGroupIpv6(d[0]!)) return true
  const srcServer = isServerPort(layer.sport)
  const dstServer = isServerPort(layer.dport)
  if (dstServer && !srcServer) return true
  if (srcServer && !dstServer) return false
  if (srcServer && dstServer && layer.sport !== layer.dport) {
    // Two well-known ports: the client's where the service names one (DHCPv6's 546 is below
    // the server's 547), else the higher.
    const clientSide = clientPortSide(layer.sport, layer.dport)
    return clientSide ?? layer.sport > layer.dport
  }
  if (layer.ipVersion === 4) {
    const srcPrivate = isPrivateIpv4(s[0]!)
    const dstPrivate = isPrivateIpv4(d[0]!)
    if (srcPrivate !== dstPrivate) return srcPrivate
  } else {
    const srcPrivate = isPrivateIpv6(s[0]!, s[1]!, s[2]!, s[3]!)
    const dstPrivate = isPrivateIpv6(d[0]!, d[1]!, d[2]!, d[3]!)
    if (srcPrivate !== dstPrivate) return srcPrivate
  }
  return true
}

/** Whether the sender is the client when a service names its client's port: BOOTP/DHCP 68 → 67
 * (RFC 2131 §4.1), DHCPv6 546 → 547 (RFC 8415 §7.2); undefined for other port pairs. */
function clientPortSide(sport: number, dport: number): boolean | undefined {
  if ((sport === 68 && dport === 67) || (sport === 546 && dport === 547)) return true
  if ((sport === 67 && dport === 68) || (sport === 547 && dport === 546)) return false
  return undefined
}

function compareWords(x: Uint32Array, y: Uint32Array): number {
  for (let i = 0; i < 4; i++) {
    if (x[i] !== y[i]) return x[i]! < y[i]! ? -1 : 1
  }
  return 0
}

function sameKey(keys: Uint32Array, x: number, y: number): boolean {
  const a = x * KEY_WORDS
  const b = y * KEY_WORDS
  for (let i = 0; i < KEY_WORDS; i++) if (keys[a + i] !== keys[b + i]) return false
  return true
}

/** murmur3's final avalanche, shared by both key hashes. */
function finalMix(h: number): number {
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h
}

/** The same mixing over the four words that vary between IPv4 flows. */
function hash4(w0: number, w1: number, w5: number, w9: number): number {
  let h = Math.imul(w1 ^ 0x9747b28c, 0xcc9e2d51)
  h = (h << 15) | (h >>> 17)
  h = Math.imul(h ^ w5, 0x1b873593)
  h = (h << 13) | (h >>> 19)
  h = Math.imul(h ^ w9, 0xcc9e2d51) ^ w0
  return finalMix(h)
}

/** Multiply-rotate mixing of the key words (murmur3 style); only needs to spread well. */
export function hashKey(k: Uint32Array): number {
  let h = 0x9747b28c
  for (let i = 0; i < KEY_WORDS; i++) {
    let w = Math.imul(k[i]!, 0xcc9e2d51)
    w = (w << 15) | (w >>> 17)
    h ^= Math.imul(w, 0x1b873593)
    h = (h << 13) | (h >>> 19)
    h = (Math.imul(h, 5) + 0xe6546b64) | 0
  }
  return finalMix(h)
}

/** A copy of column `a` with room for `capacity` flows of `per` elements each. */
function grown<T extends Uint8Array | Uint16Array | Uint32Array | Int32Array | Float64Array>(a: T, capacity: number, per = 1): T {
  const n = new (a.constructor as new (length: number) => T)(capacity * per)
  n.set(a)
  return n
}

function nextPowerOfTwo(n: number): number {
  let p = 16
  while (p < n) p *= 2
  return p
}
