import {InputError} from '../errors.js'
import type {CaptureSummary} from '../capture/capture-summary.js'
import type {PacketRecord} from '../capture/packet-record.js'
import {readCapture} from '../capture/read-capture.js'
import {PROTO_TCP, PROTO_UDP} from '../decode/net-layer.js'
import {PacketDecoder} from '../decode/packet-decoder.js'
import {FlowTable} from './flow-table.js'
import {type FragmentStats, FragmentTracker} from './fragment-tracker.js'
import {DEFAULT_HEAD_OPTIONS, type PayloadHeadOptions, PayloadHeads} from './payload-heads.js'

export interface CollectOptions {
  /** Most flows held at once (default 1 000 000); beyond it the longest idle are evicted. */
  maxFlows?: number
  /** Keep the first payload bytes of each flow for protocol parsers (off for `flows`). */
  payload?: PayloadHeadOptions | boolean
  onProgress?: (path: string, bytesRead: number, totalBytes: number | undefined) => void
}

export interface CollectStats {
  /** Frames with no IPv4/IPv6 we could find (ARP, STP, unsupported link types...). */
  nonIpPackets: number
  /** Frames per link type that no decoder handles. */
  unsupportedLinkTypes: Map<number, number>
  /** IP packets whose transport header was cut or invalid. */
  undecodedTransport: number
  fragments: FragmentStats
}

/** Per flow with fragmented datagrams: fragment frames and datagrams made whole, per direction. */
export interface FragmentCounts {
  frames: [number, number]
  datagrams: [number, number]
  /** Frame length of the fragments that completed a datagram (what tshark counts for it). */
  completingBytes: [number, number]
}

export interface FlowCollection {
  /** Flow id → fragment counters, for flows that carried fragmented datagrams. */
  fragmentsByFlow: Map<number, FragmentCounts>
  captures: CaptureSummary[]
  /** Inputs that could not be read at all: `path: message`. */
  failures: InputError[]
  table: FlowTable
  stats: CollectStats
  heads: PayloadHeads | undefined
}

const KNOWN_LINK_TYPES = new Set([0, 1, 9, 12, 14, 50, 51, 101, 104, 108, 113, 192, 228, 229, 276])

/**
 * Read captures in order into one flow table (flows spanning several files of one call are
 * merged), decoding every packet and every tunnel layer in it.
 */
export async function collectFlows(paths: string[], options: CollectOptions = {}): Promise<FlowCollection> {
  const table = new FlowTable({maxFlows: options.maxFlows})
  const decoder = new PacketDecoder()
  const layers = decoder.layers
  const heads = options.payload ? new PayloadHeads(options.payload === true ? DEFAULT_HEAD_OPTIONS : options.payload) : undefined
  const stats: CollectStats = {nonIpPackets: 0, unsupportedLinkTypes: new Map(), undecodedTransport: 0, fragments: {unattributed: 0, abandoned: 0}}
  let captureIndex = 0
  let current: PacketRecord | undefined
  const count = (slot: number, senderIsA: boolean, length: number, sec: number, nsec: number, frame: number) => {
    table.count1(slot, senderIsA, length, sec, nsec)
    // A fragment that arrived before the first fragment is the flow's first frame.
    if (frame < table.firstFrame[slot]! && table.captureIndex[slot] === captureIndex) table.firstFrame[slot] = frame
  }
  const fragments = new FragmentTracker(count, heads && ((slot, senderIsA, ipPayload) => {
    // A reassembled UDP datagram: hand its payload (after the 8-byte UDP header) to the heads.
    if (!current || ipPayload.length < 8 || table.keyOf(slot)[0]! % 256 !== PROTO_UDP) return
    const toServer = senderIsA === (table.clientIsA[slot] === 1)
    heads.add(table.ids[slot]!, toServer, current.frame, captureIndex, current.tsSec, current.tsNsec, ipPayload.subarray(8))
  }))
  const fragmentsByFlow = new Map<number, FragmentCounts>()
  fragments.setFragmentListener((slot, senderIsA, completes) => {
    const id = table.ids[slot]!
    let counts = fragmentsByFlow.get(id)
    if (!counts) fragmentsByFlow.set(id, (counts = {frames: [0, 0], datagrams: [0, 0], completingBytes: [0, 0]}))
    const dir = senderIsA === (table.clientIsA[slot] === 1) ? 0 : 1
    counts.frames[dir]++
    if (completes) {
      counts.datagrams[dir]++
      counts.completingBytes[dir] += current?.origLen ?? 0
    }
  })
  table.onEvict = () => {
    fragments.reset()
    if (heads) heads.retain(new Set(table.ids.subarray(0, table.count)))
  }

  const onPacket = (rec: PacketRecord): void => {
    current = rec
    const n = decoder.decode(rec)
    if (n === 0) {
      stats.nonIpPackets++
      if (!KNOWN_LINK_TYPES.has(rec.linkType)) stats.unsupportedLinkTypes.set(rec.linkType, (stats.unsupportedLinkTypes.get(rec.linkType) ?? 0) + 1)
      return
    }
    let parentId = 0
    for (let i = 0; i < n; i++) {
      const layer = layers[i]!
      if (!layer.hasTransport) {
        if (layer.isFragment && layer.fragOffset > 0) fragments.fragment(layer, rec.data, rec.frame, -1, false, rec.origLen, rec.tsSec, rec.tsNsec)
        else stats.undecodedTransport++
        return
      }
      const slot = table.lookup(layer, rec.frame, rec.tsSec, rec.tsNsec, captureIndex, parentId)
      const senderIsA = table.senderIsA
      table.count1(slot, senderIsA, rec.origLen, rec.tsSec, rec.tsNsec)
      if (layer.proto === PROTO_TCP) table.trackTcp(slot, senderIsA, layer.tcpFlags, layer.tcpSeq, rec.tsSec, rec.tsNsec)
      if (layer.isFragment) fragments.fragment(layer, rec.data, rec.frame, slot, senderIsA, rec.origLen, rec.tsSec, rec.tsNsec)
      else if (heads && i === n - 1) {
        const toServer = senderIsA === (table.clientIsA[slot] === 1)
        heads.add(table.ids[slot]!, toServer, rec.frame, captureIndex, rec.tsSec, rec.tsNsec, rec.data.subarray(layer.payloadStart, layer.payloadEnd))
      }
      parentId = table.ids[slot]!
    }
  }

  const captures: CaptureSummary[] = []
  const failures: InputError[] = []
  for (const path of paths) {
    try {
      const summary = await readCapture(path, onPacket, {onProgress: options.onProgress && ((read, total) => options.onProgress!(path, read, total))})
      captures.push(summary)
      captureIndex++
    } catch (error) {
      if (!(error instanceof InputError)) throw error
      failures.push(error)
    }
  }
  fragments.finish()
  stats.fragments = fragments.stats
  return {captures, failures, table, stats, heads, fragmentsByFlow}
}
