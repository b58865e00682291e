import {InputError} from '../errors.js'
import type {CaptureSummary} from '../capture/capture-summary.js'
import type {PacketRecord, PacketSink} from '../capture/packet-record.js'
import type {FollowOptions} from '../capture/byte-source.js'
import {readCapture} from '../capture/read-capture.js'
import {distinctInputs, sameInputWarning} from '../capture/distinct-inputs.js'
import {inTimeOrder, reorderedWarning} from '../capture/capture-order.js'
import {NetLayer, PROTO_TCP, PROTO_UDP, TCP_SYN, TUNNEL_NAMES} from '../decode/net-layer.js'
import {decodeTransport} from '../decode/ip-layer.js'
import {MAX_LAYERS, PacketDecoder} from '../decode/packet-decoder.js'
import {mayBeTunnel} from '../decode/tunnels.js'
import {FlowTable, ST_SYN, ST_SYNACK} from './flow-table.js'
import {type FragmentStats, FragmentTracker, type ResolveFn, transportCutInFirstFragment} from './fragment-tracker.js'
import {FlowFastPath, type PayloadInspector} from './flow-fast-path.js'
import {packetSignature} from './packet-signature.js'
import {isoTime} from '../capture/timestamp.js'
import {copyPacketPlace, type Evidence, type FlowInfo, type PacketPlace, type ProtocolAnalyzer, ReusedPayloadPacket} from '../protocols/analyzer.js'
import {EarlySegments} from './early-segments.js'
import {HeapWatch} from './heap-watch.js'
import {ProtocolDispatcher} from '../protocols/registry.js'
import {ipv4Text, ipv6FromWords} from '../util/ip-text.js'
import type {ProcessInfo} from '../capture/packet-record.js'
import {LINKTYPE_ETHERNET, LINKTYPE_PKTAP} from '../decode/link-layer.js'
import {pktapProcess} from '../decode/pktap-process.js'
import {pcapdroidTrailerProcess} from '../decode/pcapdroid-trailer.js'
import {ProcessTable} from './process-table.js'

export interface CollectOptions {
  /** Most flows held at once (default 1 000 000); beyond it the longest idle are evicted. */
  maxFlows?: number
  onProgress?: (path: string, bytesRead: number, totalBytes: number | undefined) => void
  /** Protocol analyzers to run over TCP/UDP payloads during the read (none: flows only). */
  analyzers?: ProtocolAnalyzer[]
  /** Count common packets of known flows straight from their bytes (FlowFastPath; default
   * true). False sends every packet through the general path: tests compare the two. */
  fastPath?: boolean
  /** Share of V8's heap limit the analyzers may fill before they are stopped (HeapWatch;
   * default ANALYZER_HEAP_SHARE). */
  analyzerHeapShare?: number
}

/** Where the protocol analyzers were stopped because memory ran short (see HeapWatch). */
export interface AnalyzersStopped {
  /** Index of the capture being read, and the last frame of it the analyzers saw. */
  capture: number
  frame: number
  /** The share of the JavaScript heap the analyzers outgrew, and V8's limit for it, in bytes. */
  budgetBytes: number
  limitBytes: number
}

export interface CollectStats {
  /** Frames with no IPv4/IPv6 we could find (ARP, STP, unsupported link types...); in an IEEE
   * 802.11 A-MSDU each subframe that holds none or cannot be read (malformed) counts as one. */
  nonIpPackets: number
  /** Of those, IEEE 802.11 data frames that are protected (encrypted with the network's keys). */
  protectedWifiFrames: number
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
  /** Flow id → facts per protocol (`{dns: ..., tls: ...}`) when analyzers ran. */
  facts: Map<number, Record<string, unknown>>
  /** Processes the captures name (macOS), numbered from 1 by the flow table's `process` column. */
  processes: ProcessInfo[]
  /** Set when memory ran short and the analyzers stopped before the end of the read: the facts
   * hold what they learned up to there; flows, packets and bytes are counted in full. */
  analyzersStopped?: AnalyzersStopped
}

const KNOWN_LINK_TYPES = new Set([0, 1, 9, 12, 14, 50, 51, 101, 104, 105, 108, 113, 119, 127, 163, 192, 228, 229, 258, 276])

/**
 * Read captures in order into one flow table (flows spanning several files of one call are
 * merged), decoding every packet and every tunnel layer in it.
 */
export async function collectFlows(paths: string[], options: CollectOptions = {}): Promise<FlowCollection> {
  const session = openCollectSession(options)
  // A capture named twice (or a copy of one) is read once: see distinctInputs. Several are read
  // in the time order of their first packets: see capture-order.ts.
  const given = distinctInputs(paths)
  const inputs = inTimeOrder(given)
  for (const input of inputs) await session.readPath(input.path)
  const collection = session.finish()
  for (const input of inputs) {
    if (input.sameAs.length) collection.captures.find((c) => c.path === input.path)?.warnings.push(sameInputWarning(input))
  }
  if (inputs.some((input, i) => input !== given[i])) {
    collection.captures.find((c) => c.path === inputs[0]!.path)?.warnings.push(reorderedWarning(given.map((i) => i.path), inputs.map((i) => i.path)))
  }
  return collection
}

/**
 * One read of a call's captures, fed a path at a time: what `collectFlows` does, opened up so
 * that a caller can look at the collection while a read is still going on (replay --follow).
 */
export interface CollectSession {
  /** Read one capture into the session (a file that cannot be read becomes a failure). With
   * `follow`, a file still being written is read as it grows until `follow.stopped()`. */
  readPath(path: string, options?: {follow?: FollowOptions}): Promise<void>
  /**
   * The collection as it stands, for a report of what was read so far: the live flow table, the
   * capture being read with its counters so far, and the protocol facts as the analyzers would
   * give them now (their states copied with `copyState` and the copies finished, see
   * ProtocolDispatcher.snapshot). Valid until the read goes on; the session is not disturbed.
   */
  snapshot(copyState: (state: unknown) => unknown): FlowCollection
  /** End the session: pending fragments and the analyzers are finished. Call once, after the reads. */
  finish(): FlowCollection
}

export function openCollectSession(options: CollectOptions = {}): CollectSession {
  const table = new FlowTable({maxFlows: options.maxFlows})
  const decoder = new PacketDecoder()
  const layers = decoder.layers
  const stats: CollectStats = {nonIpPackets: 0, protectedWifiFrames: 0, unsupportedLinkTypes: new Map(), undecodedTransport: 0, fragments: {unattributed: 0, abandoned: 0}}
  let captureIndex = 0
  let current: PacketRecord | undefined
  const summaries: CaptureSummary[] = []
  const evidenceOf = (p: PacketPlace): Evidence => ({
    frame: p.frame,
    capture: p.capture,
    time: isoTime(p.sec, p.nsec, summaries[p.capture]?.precision ?? 6),
  })
  const dispatcher = options.analyzers?.length ? new ProtocolDispatcher(options.analyzers, evidenceOf) : undefined
  let heapWatch = dispatcher ? new HeapWatch(options.analyzerHeapShare) : undefined
  let analyzersStopped: AnalyzersStopped | undefined
  const payload = new ReusedPayloadPacket()
  const describe = (slot: number): FlowInfo => {
    const key = table.keyOf(slot)
    const v4 = key[0]! >>> 8 === 4
    const a = v4 ? ipv4Text(key[1]!) : ipv6FromWords(key[1]!, key[2]!, key[3]!, key[4]!)
    const b = v4 ? ipv4Text(key[5]!) : ipv6FromWords(key[5]!, key[6]!, key[7]!, key[8]!)
    const endA = {ip: a, port: key[9]! >>> 16}
    const endB = {ip: b, port: key[9]! & 0xffff}
    const aIsClient = table.clientIsA[slot] === 1
    const tunnel = table.tunnel[slot]!
    return {
      id: table.ids[slot]!,
      transport: (key[0]! & 0xff) === PROTO_TCP ? 'tcp' : 'udp',
      client: aIsClient ? endA : endB,
      server: aIsClient ? endB : endA,
      ...(tunnel ? {tunnel: TUNNEL_NAMES[tunnel]} : {}),
    }
  }
  /** Give `payload` (filled for flow `slot`) to the analyzers: the flow's first payload probes them. */
  const offer = (slot: number): void => {
    if (table.inspect[slot] === 0) {
      const index = analyzersStopped ? -1 : dispatcher!.start(describe(slot), payload)
      table.inspect[slot] = index < 0 ? 2 : 1
      table.inspectIndex[slot] = index
    } else if (!dispatcher!.feed(table.inspectIndex[slot]!, payload)) {
      table.inspect[slot] = 2
    }
  }
  const early = new EarlySegments()
  /**
   * Offer what a TCP direction held back (see EarlySegments), in sequence order. After its first
   * segment came, they are offered as seen in that segment's frame (Wireshark's "reassembled in"
   * frame: where the stream could first be read in order); at the end of the read, each in its own.
   */
  const offerHeld = (slot: number, toServer: boolean, ownPlace: boolean): void => {
    const held = early.take(table.ids[slot]!, toServer, payload.streamStart)
    if (!held) return
    for (const h of held) {
      if (table.inspect[slot] === 2) return
      if (ownPlace) copyPacketPlace(payload, h)
      payload.toServer = toServer
      payload.setData(h.data)
      payload.seq = h.seq
      payload.tcpFlags = h.tcpFlags
      offer(slot)
    }
  }
  /** Offer the TCP/UDP payload bytes[start, end) of flow `slot` to the analyzers. No allocation
   * per packet (not even a view: see ReusedPayloadPacket). */
  const inspect: PayloadInspector = (slot, toServer, bytes, start, end, seq, tcpFlags, frame, sec, nsec) => {
    const state = table.inspect[slot]!
    if (!dispatcher || state === 2 || end <= start || analyzersStopped) return
    payload.frame = frame
    payload.capture = captureIndex
    payload.sec = sec
    payload.nsec = nsec
    payload.toServer = toServer
    payload.setPayload(bytes, start, end)
    // The fast path passes seq as int32 (no heap number per call). A SYN occupies its sequence
    // number before the segment's first data byte (RFC 9293 §3.4): data sent in a SYN (TCP Fast
    // Open, RFC 7413) starts at ISN + 1.
    payload.seq = (tcpFlags & TCP_SYN ? seq + 1 : seq) >>> 0
    payload.tcpFlags = tcpFlags
    payload.streamStart = -1
    if (table.protoOf(slot) === PROTO_TCP) {
      // The SYN (client) or SYN/ACK (server) of this direction fixes where its stream starts.
      const synBit = toServer ? ST_SYN : ST_SYNACK
      if (table.tcpState[slot]! & synBit) {
        const senderIsA = toServer === (table.clientIsA[slot] === 1)
        payload.streamStart = (table.baseSeq[slot * 2 + (senderIsA ? 0 : 1)]! + 1) >>> 0
        const startedBit = toServer ? 1 : 2
        if ((table.streamStarted[slot]! & startedBit) === 0) {
          // A segment past the first byte, before the first byte was seen: hold it back (a
          // direction that holds too many gives up waiting and offers them all now).
          if (((payload.seq - payload.streamStart) | 0) > 0 && early.hold(table.ids[slot]!, toServer, bytes, start, end, payload.seq, tcpFlags, payload)) return
          table.streamStarted[slot] |= startedBit
          offer(slot)
          if (early.size > 0) offerHeld(slot, toServer, false)
          return
        }
      }
    }
    offer(slot)
  }
  /** At the end of the read: what directions still hold (their first segment never came) is
   * offered as it is, in sequence order. */
  const offerAllHeld = (): void => {
    if (!dispatcher || early.size === 0) return
    const ids = new Set(early.flowIds())
    for (let slot = 0; slot < table.count && early.size > 0; slot++) {
      if (!ids.has(table.ids[slot]!)) continue
      for (const toServer of [true, false]) {
        const senderIsA = toServer === (table.clientIsA[slot] === 1)
        payload.streamStart = (table.baseSeq[slot * 2 + (senderIsA ? 0 : 1)]! + 1) >>> 0
        offerHeld(slot, toServer, true)
      }
    }
  }
  const count = (slot: number, senderIsA: boolean, length: number, sec: number, nsec: number, frame: number) => {
    table.count1(slot, senderIsA, length, sec, nsec)
    // A fragment that arrived before the first fragment is the flow's first frame.
    if (frame < table.firstFrame[slot]! && table.captureIndex[slot] === captureIndex) table.firstFrame[slot] = frame
  }
  /** Decoders for datagrams reassembled from fragments, one per depth (a reassembled tunnel
   * datagram can hold fragments of its own). */
  const datagramDecoders: PacketDecoder[] = []
  let datagramDepth = 0
  const onDatagram = (slot: number, senderIsA: boolean, ipPayload: Uint8Array): void => {
    if (!current || datagramDepth >= MAX_LAYERS) return
    const proto = table.protoOf(slot)
    // A tunnel in the datagram (GTP-U or VXLAN over an underlay with a 1500-byte MTU fragments
    // often): its packets count on their own flows, credited to the frame that made it whole.
    const datagramDecoder = (datagramDecoders[datagramDepth] ??= new PacketDecoder())
    const n = datagramDecoder.decodeDatagram(ipPayload, proto, table.keyOf(slot)[0]! >>> 8)
    if (n > 1) {
      datagramDepth++
      try {
        walkLayers(current, ipPayload, datagramDecoder.layers, n, 1, table.ids[slot]!)
      } finally {
        datagramDepth--
      }
      return
    }
    if (!dispatcher) return
    const toServer = senderIsA === (table.clientIsA[slot] === 1)
    if (proto === PROTO_UDP && ipPayload.length >= 8) {
      // A reassembled UDP datagram: hand its payload (after the 8-byte UDP header) on whole.
      const udpLength = (ipPayload[4]! << 8) | ipPayload[5]!
      inspect(slot, toServer, ipPayload, 8, udpLength >= 8 ? Math.min(ipPayload.length, udpLength) : ipPayload.length, 0, 0, current.frame, current.tsSec, current.tsNsec)
    } else if (proto === PROTO_TCP && ipPayload.length >= 20) {
      // A reassembled TCP segment (a tunnel's smaller MTU fragments segments sent without DF):
      // its payload after the header's data offset (RFC 9293 §3.1), at the segment's sequence
      // number. Its first fragment, which held the header, was counted and tracked already.
      const dataOffset = (ipPayload[12]! >>> 4) * 4
      if (dataOffset < 20 || dataOffset >= ipPayload.length) return
      const seq = (ipPayload[4]! << 24) | (ipPayload[5]! << 16) | (ipPayload[6]! << 8) | ipPayload[7]!
      inspect(slot, toServer, ipPayload, dataOffset, ipPayload.length, seq, ipPayload[13]!, current.frame, current.tsSec, current.tsNsec)
    }
  }
  /** The tunnel parent of the fragment handed to the tracker (a datagram whose first fragment
   * gave no ports gets its flow when the fragment that completes it comes: see resolveHeaderless). */
  let fragmentParentId = 0
  const headerless = new NetLayer()
  /** The flow of a datagram whose first fragment was too short for its transport header, from
   * the reassembled header, made or found at the frame that completed it (as tshark credits it). */
  const resolveHeaderless: ResolveFn = (fragment, proto, transport) => {
    const rec = current
    if (!rec) return undefined
    const l = headerless
    l.ipVersion = fragment.ipVersion
    l.src.set(fragment.src)
    l.dst.set(fragment.dst)
    l.proto = proto
    l.tunnel = fragment.tunnel
    l.isFragment = l.moreFragments = l.truncated = false
    l.fragOffset = 0
    decodeTransport(transport, 0, transport.length, l, proto)
    if (!l.hasTransport) {
      stats.undecodedTransport++
      return undefined
    }
    const slot = table.lookup(l, rec.frame, rec.tsSec, rec.tsNsec, captureIndex, fragmentParentId)
    const senderIsA = table.senderIsA
    if (table.process[slot] === 0 && (rec.process !== undefined || rec.linkType === LINKTYPE_PKTAP || rec.linkType === LINKTYPE_ETHERNET)) table.process[slot] = processOf(rec)
    if (proto === PROTO_TCP) table.trackTcp(slot, senderIsA, l.tcpFlags, l.tcpSeq, rec.tsSec, rec.tsNsec)
    return {slot, senderIsA}
  }
  // Without analyzers only a datagram that may carry a tunnel, or whose first fragment cannot
  // name its flow, is reassembled.
  const fragments = new FragmentTracker(count, onDatagram, dispatcher ? undefined : reassemblyWanted, resolveHeaderless)
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
  /**
   * After each chunk: when the analyzers' facts have outgrown their share of the heap, finish
   * them where they are (HeapWatch), so that the read goes on counting flows instead of the
   * process dying at V8's heap limit.
   */
  const watchHeap = (): void => {
    const pressure = heapWatch?.afterChunk()
    if (!pressure || !dispatcher) return
    dispatcher.stop()
    heapWatch = undefined
    table.inspect.fill(2)
    early.forget(early.flowIds())
    analyzersStopped = {capture: captureIndex, frame: reading?.packets ?? 0, ...pressure}
  }
  table.onEvict = () => {
    fragments.reset()
    dispatcher?.forget(table.lastEvictedIds)
    early.forget(table.lastEvictedIds)
  }

  const processes = new ProcessTable()
  /** The number of the process packet `rec` names (0 = none); read at most once per packet. */
  let packetSerial = 0
  let processSerial = -1
  let processNumber = 0
  const processOf = (rec: PacketRecord): number => {
    if (packetSerial !== processSerial) {
      processSerial = packetSerial
      const end = rec.offset + rec.capLen
      const process = rec.process ?? (rec.linkType === LINKTYPE_PKTAP ? pktapProcess(rec.buffer, rec.offset, end) : rec.linkType === LINKTYPE_ETHERNET ? pcapdroidTrailerProcess(rec.buffer, rec.offset, end) : undefined)
      processNumber = process ? processes.numberOf(process) : 0
    }
    return processNumber
  }

  const onPacket: PacketSink = (rec: PacketRecord): void => {
    current = rec
    packetSerial++
    let n = decoder.decode(rec)
    // Mostly once; an IEEE 802.11 A-MSDU gives the packet of each subframe in turn, each counted
    // in its flow with the frame's length, as tshark's conversation tables count them.
    for (;;) {
      if (n === 0) {
        stats.nonIpPackets++
        if (decoder.lastFrameProtected) stats.protectedWifiFrames++
        if (!KNOWN_LINK_TYPES.has(rec.linkType)) stats.unsupportedLinkTypes.set(rec.linkType, (stats.unsupportedLinkTypes.get(rec.linkType) ?? 0) + 1)
      } else walkLayers(rec, rec.buffer, layers, n, 0, 0)
      if (!decoder.morePackets) return
      n = decoder.decodeNext()
    }
  }

  /** Count a packet's layers from `from` on their flows (`buffer` holds them), follow TCP, track
   * fragments, and offer the innermost payload to the analyzers. */
  function walkLayers(rec: PacketRecord, buffer: Uint8Array, ls: NetLayer[], n: number, from: number, parentId: number): void {
    for (let i = from; i < n; i++) {
      const layer = ls[i]!
      if (!layer.hasTransport) {
        // A later fragment, or a first one too short for the ports (RFC 1858 tiny fragment):
        // the tracker counts it once its datagram's flow is known.
        if (layer.isFragment && (layer.fragOffset > 0 || transportCutInFirstFragment(layer))) {
          fragmentParentId = parentId
          fragments.fragment(layer, buffer, rec.frame, -1, false, rec.origLen, rec.tsSec, rec.tsNsec)
        } else stats.undecodedTransport++
        return
      }
      const slot = table.lookup(layer, rec.frame, rec.tsSec, rec.tsNsec, captureIndex, parentId)
      const senderIsA = table.senderIsA
      // The packet itself (its outermost layer) may be a second copy of the one before; as the
      // fast path sees it: unfragmented TCP and UDP.
      if (i === 0 && !layer.isFragment && (layer.proto === PROTO_TCP || layer.proto === PROTO_UDP)) {
        table.noteSignature(slot, packetSignature(buffer, layer.ipStart, layer.l4Start, layer.ipEnd, layer.proto), rec.tsSec, rec.tsNsec, rec.frame)
      }
      table.count1(slot, senderIsA, rec.origLen, rec.tsSec, rec.tsNsec)
      if (table.process[slot] === 0 && (rec.process !== undefined || rec.linkType === LINKTYPE_PKTAP || rec.linkType === LINKTYPE_ETHERNET)) table.process[slot] = processOf(rec)
      if (layer.proto === PROTO_TCP) table.trackTcp(slot, senderIsA, layer.tcpFlags, layer.tcpSeq, rec.tsSec, rec.tsNsec)
      if (layer.isFragment) {
        fragments.fragment(layer, buffer, rec.frame, slot, senderIsA, rec.origLen, rec.tsSec, rec.tsNsec)
        // A first fragment cut by the snaplen can never be reassembled: offer what it holds now,
        // as Wireshark dissects it (a DNS answer's first part is still evidence).
        if (layer.truncated && layer.fragOffset === 0 && dispatcher && layer.proto === PROTO_UDP && layer.payloadEnd > layer.payloadStart) {
          inspect(slot, senderIsA === (table.clientIsA[slot] === 1), buffer, layer.payloadStart, layer.payloadEnd, 0, 0, rec.frame, rec.tsSec, rec.tsNsec)
        }
      } else if (i === n - 1 && dispatcher && table.inspect[slot] !== 2 && layer.payloadEnd > layer.payloadStart && (layer.proto === PROTO_TCP || layer.proto === PROTO_UDP)) {
        const toServer = senderIsA === (table.clientIsA[slot] === 1)
        inspect(slot, toServer, buffer, layer.payloadStart, layer.payloadEnd, layer.proto === PROTO_TCP ? layer.tcpSeq : 0, layer.proto === PROTO_TCP ? layer.tcpFlags : 0, rec.frame, rec.tsSec, rec.tsNsec)
      }
      if (i < n - 1) parentId = table.ids[slot]!
    }
  }

  if (options.fastPath !== false) onPacket.raw = new FlowFastPath(table, dispatcher ? inspect : undefined)

  const captures: CaptureSummary[] = []
  const failures: InputError[] = []
  /** The summary of the capture being read, until its read ends. */
  let reading: CaptureSummary | undefined
  return {
    async readPath(path: string, readOptions: {follow?: FollowOptions} = {}): Promise<void> {
      try {
        const summary = await readCapture(path, onPacket, {
          onProgress:
            options.onProgress || heapWatch
              ? (read, total) => {
                  options.onProgress?.(path, read, total)
                  watchHeap()
                }
              : undefined,
          onStart: (s) => {
            summaries[captureIndex] = s
            reading = s
            table.duplicates = s
          },
          ...(readOptions.follow ? {follow: readOptions.follow} : {}),
        })
        if (summary.duplicatePackets > 0) summary.warnings.push(duplicatesWarning(summary))
        captures.push(summary)
        captureIndex++
      } catch (error) {
        if (!(error instanceof InputError)) throw error
        failures.push(error)
      } finally {
        reading = undefined
      }
    },
    snapshot(copyState: (state: unknown) => unknown): FlowCollection {
      return {
        captures: reading ? [...captures, {...reading, warnings: [...reading.warnings]}] : [...captures],
        failures: [...failures],
        table,
        stats: {...stats, unsupportedLinkTypes: new Map(stats.unsupportedLinkTypes), fragments: {...fragments.stats}},
        fragmentsByFlow,
        facts: dispatcher?.snapshot(copyState) ?? new Map(),
        processes: [...processes.list],
        ...(analyzersStopped ? {analyzersStopped} : {}),
      }
    },
    finish(): FlowCollection {
      fragments.finish()
      offerAllHeld()
      stats.fragments = fragments.stats
      const facts = dispatcher?.finish() ?? new Map()
      // The table outlives the read (it is the report's flows); its eviction hook holds this
      // session, and through it every analyzer's state of every flow. Let them go.
      table.onEvict = undefined
      return {captures, failures, table, stats, fragmentsByFlow, facts, processes: processes.list, ...(analyzersStopped ? {analyzersStopped} : {})}
    },
  }
}

/**
 * The capture saw packets twice: packet and byte counts, and RTP loss (negative: more packets
 * than the sequence numbers span), include the copies. editcap -D (Wireshark's duplicate
 * removal) removes copies identical byte for byte; copies seen on both sides of a router differ
 * in their TTL and link header, and only a capture on one interface avoids them.
 */
function duplicatesWarning(s: CaptureSummary): string {
  return `${s.path}: ${s.duplicatePackets} of ${s.packets} packets repeat the packet before them in their flow within 1 ms (first: frame ${s.firstDuplicateFrame}): the capture saw them twice, at two points of their path (tcpdump -i any with a bridge or tunnel, a mirror port fed both ways, pktmon), so packet and byte counts include the copies and RTP loss can come out negative; editcap -D 10 removes copies that are identical byte for byte, else capture on one interface`
}

/**
 * Whether to reassemble a fragmented datagram when no analyzer reads payloads, judged on its
 * first fragment: when it may carry a tunnel (its transport header shows the ports), or when it
 * is too short to show them (RFC 1858 tiny fragment: only the whole datagram names the flow).
 * A later fragment cannot tell (any protocol's first fragment can be tiny): its bytes are kept
 * until the first fragment decides.
 */
export function reassemblyWanted(layer: NetLayer): boolean {
  if (layer.fragOffset > 0) return true
  return transportCutInFirstFragment(layer) || mayBeTunnel(layer)
}
