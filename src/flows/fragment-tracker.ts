import {type NetLayer, PROTO_ICMP, PROTO_ICMPV6, PROTO_SCTP, PROTO_TCP, PROTO_UDP} from '../decode/net-layer.js'
import {CompletedDatagrams} from './completed-datagrams.js'
import {KEY_WORDS} from './flow-table.js'

/**
 * Attributes IP fragments to their flow. Only the first fragment carries the ports (RFC 791
 * §2.3, RFC 8200 §4.5), so it tells which flow the datagram belongs to; later fragments are
 * found by (addresses, protocol, identification). Fragments that arrive before their first
 * fragment wait, counted, until it comes. Whole datagrams are also reassembled up to a cap so
 * that payload consumers (DNS, QUIC) see them entire. Once whole and attributed, a datagram
 * leaves the map: its key and flow stay in CompletedDatagrams for TIMEOUT_SECONDS more, so that
 * a duplicate of one of its fragments still counts on the flow.
 *
 * A first fragment too short to hold its transport header (the "tiny fragment" of RFC 1858 §3.1,
 * or a UDP header split across fragments) gives no ports: its datagram is reassembled whatever
 * `wanted` says, and once whole the transport header at its start names the flow (`resolve`),
 * credited to the frame that completed it, as Wireshark does; its fragment frames then count on
 * that flow like any others.
 */

const MAX_DATAGRAMS = 4096
/** Fragments of one datagram whose byte ranges are kept: a datagram of more is never made whole
 * (1480-byte fragments make a 64 KiB datagram of 45). */
const MAX_RANGES = 64
const MAX_DATAGRAM_BYTES = 65_535
/**
 * Fragment bytes held for reassembly across all datagrams in flight. Datagrams complete within
 * milliseconds in real traffic, but fragments whose first fragment never comes (captured
 * elsewhere, or before the capture began) wait for the timeout: without a budget of their own,
 * 4096 of them could hold 256 MiB, and memory grew with the length of the capture. A datagram
 * that would pass the budget is no longer reassembled (its frames are still counted).
 */
export const MAX_HELD_BYTES = 1024 * 1024
/** A datagram whose fragments stop arriving for this long (capture time) is given up. */
const TIMEOUT_SECONDS = 60

interface PendingFragment {
  frame: number
  length: number
  sec: number
  nsec: number
}

interface Datagram {
  /** Flow slot once the first fragment is seen, else -1. */
  slot: number
  senderIsA: boolean
  pending: PendingFragment[]
  lastSec: number
  /** Byte ranges of the IP payload received so far, as [start, end) pairs. */
  ranges: number[]
  /** Reassembly (only when payload is wanted): pieces of the IP payload by offset. */
  pieces: Array<{offset: number; data: Uint8Array}> | undefined
  totalLength: number
  /** IPv6 extension headers (after the Fragment header) before the transport header. */
  headersBefore: number
  /** The first fragment came without the whole transport header: only the reassembled datagram
   * can name the flow. */
  headerless: boolean
  /** The transport protocol the first fragment named (a later IPv6 fragment shows only the
   * header after its Fragment header). */
  proto: number
  bytesHeld: number
  complete: boolean
}

export interface FragmentStats {
  /** Fragments never matched to a first fragment (it was lost or not captured). */
  unattributed: number
  /** Datagrams given up because the table was full or they timed out. */
  abandoned: number
}

export type CountFn = (slot: number, senderIsA: boolean, length: number, sec: number, nsec: number, frame: number) => void
export type DatagramFn = (slot: number, senderIsA: boolean, ipPayload: Uint8Array) => void
/** A fragment frame was attributed to a flow; `completes` when it was the one that made the
 * datagram whole (the frame tshark credits the reassembled datagram to). */
export type FragmentFn = (slot: number, senderIsA: boolean, completes: boolean) => void
/** The flow of a datagram whose first fragment could not give the ports, from its reassembled
 * transport header and payload (`transport`; `fragment`: the fragment that completed it, for the
 * addresses); undefined when even the whole datagram has no readable transport header. */
export type ResolveFn = (fragment: NetLayer, proto: number, transport: Uint8Array) => {slot: number; senderIsA: boolean} | undefined

/**
 * Whether `layer` is a first fragment (offset 0) too short to hold its transport header: a TCP
 * header cut below its 20 fixed bytes (RFC 1858 §3.1, the "tiny fragment"; RFC 9293 §3.1), a UDP
 * header below 8 (RFC 768), SCTP's common header below 12 (RFC 9260 §3.1), ICMP below 4. Its
 * datagram names its flow only once whole. So is an IPv6 first fragment whose extension headers
 * (after its Fragment header) end at or run past its end (l4Start at or past ipEnd). A fragment
 * cut by the snapshot length is not one of these: its missing bytes never come.
 */
export function transportCutInFirstFragment(layer: NetLayer): boolean {
  if (!layer.isFragment || layer.fragOffset !== 0 || layer.hasTransport || layer.truncated) return false
  const held = layer.ipEnd - layer.l4Start
  switch (layer.proto) {
    case PROTO_TCP:
      return held < 20
    case PROTO_UDP:
      return held < 8
    case PROTO_SCTP:
      return held < 12
    case PROTO_ICMP:
    case PROTO_ICMPV6:
      return held < 4
    default:
      return false
  }
}

export class FragmentTracker {
  /** Datagrams in progress (and whole ones whose flow is not known). */
  private readonly datagrams = new Map<string, Datagram>()
  /** Whole datagrams of a known flow, for duplicates of their fragments. */
  private readonly done = new CompletedDatagrams(MAX_DATAGRAMS)
  private readonly words = new Uint32Array(KEY_WORDS)
  readonly stats: FragmentStats = {unattributed: 0, abandoned: 0}
  /** Bytes in every datagram's `pieces` (see MAX_HELD_BYTES). */
  private heldBytes = 0
  /** The datagrams holding bytes, oldest first: room is made from the front of it, so a capture
   * of fragments whose first never comes costs no scan of the waiting datagrams per fragment. */
  private readonly holding = new Set<Datagram>()

  constructor(
    private readonly count: CountFn,
    /** Receives each reassembled datagram's IP payload (transport header included). */
    private readonly onDatagram: DatagramFn | undefined,
    /** Which datagrams to reassemble, judged on each fragment until one says no (all if unset):
     * the first fragment shows the ports, later ones only the protocol. A datagram whose first
     * fragment cannot give the ports must be wanted (see transportCutInFirstFragment). */
    private readonly wanted?: (layer: NetLayer) => boolean,
    /** Names the flow of a datagram whose first fragment could not (see ResolveFn). Without it
     * such datagrams stay unattributed. */
    private readonly resolve?: ResolveFn,
  ) {}

  private onFragment: FragmentFn | undefined

  /** Fragment bytes held for reassembly now (at most MAX_HELD_BYTES). */
  get reassemblyBytes(): number {
    return this.heldBytes
  }

  setFragmentListener(listener: FragmentFn): void {
    this.onFragment = listener
  }

  /** Key of the datagram a fragment belongs to: source, destination, identification, and for
   * IPv4 the protocol (RFC 791 §3.2; RFC 8200 §4.5 leaves the protocol out, since later IPv6
   * fragments do not show it). A string of 16-bit units, one per half word (never shown):
   * decimal text of the same numbers cost more than the rest of handling a fragment. */
  private keyOf(layer: NetLayer): string {
    const s = layer.src
    const d = layer.dst
    const id = layer.fragId
    if (layer.ipVersion === 4) {
      return String.fromCharCode(4, s[0]! >>> 16, s[0]! & 0xffff, d[0]! >>> 16, d[0]! & 0xffff, layer.proto, id >>> 16, id & 0xffff)
    }
    const units = this.keyUnits
    units[0] = layer.ipVersion
    for (let i = 0; i < 4; i++) {
      units[1 + 2 * i] = s[i]! >>> 16
      units[2 + 2 * i] = s[i]! & 0xffff
      units[9 + 2 * i] = d[i]! >>> 16
      units[10 + 2 * i] = d[i]! & 0xffff
    }
    units[17] = id >>> 16
    units[18] = id & 0xffff
    return String.fromCharCode(...units)
  }

  private readonly keyUnits = new Array<number>(19).fill(0)

  /** The same key as keyOf, as words for `done`: IP version and (IPv4) protocol, source,
   * destination, identification. */
  private keyWords(layer: NetLayer): Uint32Array {
    const w = this.words
    const v4 = layer.ipVersion === 4
    w[0] = (layer.ipVersion << 8) | (v4 ? layer.proto : 0)
    for (let i = 0; i < 4; i++) {
      w[1 + i] = v4 && i > 0 ? 0 : layer.src[i]!
      w[5 + i] = v4 && i > 0 ? 0 : layer.dst[i]!
    }
    w[9] = layer.fragId
    return w
  }

  /**
   * Handle one fragment. For the first fragment (`slot` >= 0) the caller has already counted it
   * on its flow; for later ones (`slot` = -1) this counts it once its flow is known. A first
   * fragment without its transport header (transportCutInFirstFragment) comes with `slot` -1 too.
   */
  fragment(layer: NetLayer, frame: Uint8Array, frameNumber: number, slot: number, senderIsA: boolean, length: number, sec: number, nsec: number): void {
    const key = this.keyOf(layer)
    let dg = this.datagrams.get(key)
    if (!dg) {
      const whole = this.done.find(this.keyWords(layer), sec, TIMEOUT_SECONDS)
      if (whole >= 0) {
        this.duplicate(whole, slot, senderIsA, length, sec, nsec, frameNumber)
        return
      }
      this.expire(sec)
      if (this.datagrams.size >= MAX_DATAGRAMS) this.abandonOldest()
      dg = {slot: -1, senderIsA: false, pending: [], lastSec: sec, ranges: [], pieces: this.onDatagram ? [] : undefined, totalLength: -1, headersBefore: 0, bytesHeld: 0, complete: false, headerless: false, proto: -1}
      this.datagrams.set(key, dg)
    }
    dg.lastSec = sec
    if (slot < 0 && layer.fragOffset === 0) {
      dg.headerless = true
      dg.proto = layer.proto
    }
    const payloadLength = layer.ipEnd - layer.fragDataStart
    const completes = this.cover(dg, layer.fragOffset, payloadLength, !layer.moreFragments)
    if (slot >= 0 && dg.slot < 0) {
      dg.slot = slot
      dg.senderIsA = senderIsA
      for (const p of dg.pending) {
        this.count(slot, senderIsA, p.length, p.sec, p.nsec, p.frame)
        this.onFragment?.(slot, senderIsA, false)
      }
      dg.pending = []
      this.onFragment?.(slot, senderIsA, completes)
    } else if (slot < 0) {
      if (dg.slot >= 0) {
        this.count(dg.slot, dg.senderIsA, length, sec, nsec, frameNumber)
        this.onFragment?.(dg.slot, dg.senderIsA, completes)
      } else if (dg.pending.length < 64) dg.pending.push({frame: frameNumber, length, sec, nsec})
      else this.stats.unattributed++
    } else {
      this.onFragment?.(slot, senderIsA, completes)
    }
    if (dg.pieces && this.wanted && !this.wanted(layer)) this.release(dg)
    if (dg.pieces) this.collect(key, dg, layer, frame, frameNumber)
    if (dg.complete && dg.slot >= 0 && !dg.pieces) {
      // Whole and attributed: only its key, flow and time are still needed (see `done`).
      this.datagrams.delete(key)
      this.done.add(this.keyWords(layer), dg.slot, dg.senderIsA, dg.lastSec)
    }
  }

  /** A fragment of a datagram that is already whole (a duplicate): counted on the datagram's
   * flow unless it is a first fragment, which the caller counted on its own. */
  private duplicate(entry: number, slot: number, senderIsA: boolean, length: number, sec: number, nsec: number, frameNumber: number): void {
    this.done.touch(entry, sec)
    if (slot >= 0) {
      this.onFragment?.(slot, senderIsA, false)
      return
    }
    const flow = this.done.slot(entry)
    const sentByA = this.done.sentByA(entry)
    this.count(flow, sentByA, length, sec, nsec, frameNumber)
    this.onFragment?.(flow, sentByA, false)
  }

  /** Add a fragment's byte range; true when this fragment makes the datagram whole. */
  private cover(dg: Datagram, offset: number, length: number, last: boolean): boolean {
    if (dg.complete || dg.ranges.length >= MAX_RANGES * 2) return false
    if (last) dg.totalLength = offset + length
    dg.ranges.push(offset, offset + length)
    if (dg.totalLength < 0) return false
    const order: Array<[number, number]> = []
    for (let i = 0; i < dg.ranges.length; i += 2) order.push([dg.ranges[i]!, dg.ranges[i + 1]!])
    order.sort((x, y) => x[0] - y[0])
    let covered = 0
    for (const [start, end] of order) {
      if (start > covered) return false
      covered = Math.max(covered, end)
    }
    dg.complete = covered >= dg.totalLength
    return dg.complete
  }

  private collect(key: string, dg: Datagram, layer: NetLayer, frame: Uint8Array, frameNumber: number): void {
    // Past MAX_RANGES fragments a datagram is never made whole (cover): hold nothing more of it.
    if (!dg.complete && dg.ranges.length >= MAX_RANGES * 2) {
      this.release(dg)
      return
    }
    const data = frame.subarray(layer.fragDataStart, layer.ipEnd)
    // Extension headers the first fragment carries before its transport header are not payload.
    if (layer.fragOffset === 0) dg.headersBefore = layer.l4Start - layer.fragDataStart
    if (dg.bytesHeld + data.length > MAX_DATAGRAM_BYTES) {
      this.release(dg)
      return
    }
    if (this.heldBytes + data.length > MAX_HELD_BYTES) this.makeRoom(dg, data.length)
    // Copy: the frame buffer is reused for the next packet.
    dg.pieces!.push({offset: layer.fragOffset, data: Uint8Array.from(data)})
    if (dg.bytesHeld === 0) this.holding.add(dg)
    dg.bytesHeld += data.length
    this.heldBytes += data.length
    // Whole, and its flow known or to be named by its transport header.
    if (!dg.complete || (dg.slot < 0 && !dg.headerless)) return
    const pieces = dg.pieces!
    const whole = new Uint8Array(dg.totalLength)
    for (const p of pieces) whole.set(p.data.subarray(0, Math.max(0, Math.min(p.data.length, dg.totalLength - p.offset))), p.offset)
    this.release(dg)
    const transport = dg.headersBefore > 0 ? whole.subarray(dg.headersBefore) : whole
    if (dg.slot < 0 && !this.attribute(key, dg, layer, transport, frameNumber)) return
    this.onDatagram?.(dg.slot, dg.senderIsA, transport)
  }

  /**
   * Name the flow of a whole datagram whose first fragment gave no ports, from its transport
   * header, and count its fragment frames there (the one that completed it, `frameNumber`, as
   * completing it). False when it has none that can be read: its frames are unattributed.
   */
  private attribute(key: string, dg: Datagram, layer: NetLayer, transport: Uint8Array, frameNumber: number): boolean {
    // Out of the map first: making the flow may evict flows, and the eviction resets the tracker.
    this.datagrams.delete(key)
    const flow = this.resolve?.(layer, dg.proto, transport)
    if (!flow) {
      this.stats.unattributed += dg.pending.length
      dg.pending = []
      return false
    }
    dg.slot = flow.slot
    dg.senderIsA = flow.senderIsA
    for (const p of dg.pending) {
      this.count(flow.slot, flow.senderIsA, p.length, p.sec, p.nsec, p.frame)
      this.onFragment?.(flow.slot, flow.senderIsA, p.frame === frameNumber)
    }
    dg.pending = []
    return true
  }

  private expire(now: number): void {
    for (const [key, dg] of this.datagrams) {
      if (now - dg.lastSec <= TIMEOUT_SECONDS) break
      this.drop(key, dg)
    }
  }

  private abandonOldest(): void {
    const first = this.datagrams.entries().next()
    if (!first.done) this.drop(first.value[0], first.value[1])
  }

  /** Let go of the pieces of the oldest datagrams (most likely fragments whose first never
   * came) until `bytes` more fit the budget; `keep` is the datagram being added to. */
  private makeRoom(keep: Datagram, bytes: number): void {
    for (const dg of this.holding) {
      if (this.heldBytes + bytes <= MAX_HELD_BYTES) return
      if (dg !== keep) this.release(dg)
    }
  }

  /** Stop reassembling a datagram: its pieces are let go (its frames are still counted). */
  private release(dg: Datagram): void {
    this.heldBytes -= dg.bytesHeld
    this.holding.delete(dg)
    dg.bytesHeld = 0
    dg.pieces = undefined
  }

  private drop(key: string, dg: Datagram): void {
    this.release(dg)
    if (dg.slot < 0) this.stats.unattributed += dg.pending.length
    this.stats.abandoned++
    this.datagrams.delete(key)
  }

  /** Flow slots were renumbered (eviction): datagrams in flight can no longer be attributed. */
  reset(): void {
    for (const [key, dg] of this.datagrams) this.drop(key, dg)
    this.done.clear()
  }

  /** End of input: fragments still waiting for their first fragment are unattributed. */
  finish(): void {
    for (const dg of this.datagrams.values()) if (dg.slot < 0) this.stats.unattributed += dg.pending.length
    this.datagrams.clear()
    this.holding.clear()
    this.heldBytes = 0
    this.done.clear()
  }
}
