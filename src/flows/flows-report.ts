import {linkTypeName} from '../decode/link-layer.js'
import {MAX_FLOWS_DEFAULT} from './flow-table.js'
import type {AnalyzersStopped, FlowCollection} from './collect-flows.js'
import type {CaptureSummary} from '../capture/capture-summary.js'
import {Buffer} from 'node:buffer'
import {type CaptureRecord, captureRecords, type FlowRecord, flowRecordAt, flowRecordBytes, protoName} from './flow-records.js'
import {jsonText} from '../report/json-text.js'
import {type ChunkPool, fragment, JsonBytes} from '../report/json-bytes.js'
import {chunkTexts} from '../report/json-chunks.js'

/** The `callaudit flows --json` document. */
export interface FlowsReport {
  captures: CaptureRecord[]
  summary: {
    packets: number
    bytes: number
    durationSeconds: number
    linkTypes: string[]
    flows: number
    /** Flows in `flows` after --proto / --limit. */
    flowsListed: number
    nonIpPackets: number
    /** Frames on link types no decoder handles, by LINKTYPE name. */
    unsupportedLinkTypes: Record<string, number>
    undecodedTransport: number
    unattributedFragments: number
    evicted: {flows: number; packets: number; bytes: number}
    warnings: string[]
    errors: string[]
  }
  flows: FlowRecord[]
}

export interface FlowsSelection {
  /** Keep only these protocols (names as in FlowRecord.proto). */
  protos?: string[]
  /** Order of the listing. */
  sort?: 'bytes' | 'packets' | 'time' | 'id'
  /** At most this many flows (0 = all). */
  limit?: number
  maxFlows?: number
}

export function totalBytes(flow: FlowRecord): number {
  return flow.bytes.toServer + flow.bytes.toClient
}

export function totalPackets(flow: FlowRecord): number {
  return flow.packets.toServer + flow.packets.toClient
}

/**
 * Table slots of the flows to list: filtered by protocol, ordered (ties broken by flow id, so
 * output is deterministic) and cut, working on the table's columns so that records are built
 * only for the flows that are listed.
 */
export function selectFlowSlots(collection: FlowCollection, selection: FlowsSelection = {}): number[] {
  const t = collection.table
  const protos = selection.protos?.length ? new Set(selection.protos) : undefined
  let slots: number[] = []
  for (let slot = 0; slot < t.count; slot++) {
    if (!protos || protos.has(protoName(t.keyOf(slot)[0]! & 0xff))) slots.push(slot)
  }
  const sort = selection.sort ?? 'id'
  if (sort !== 'id') {
    // Each slot's weight once, not twice per comparison (100 k flows: 3.5 M comparisons).
    const weights = new Float64Array(t.count)
    if (sort !== 'time') {
      const column = sort === 'bytes' ? t.bytes : t.packets
      for (let slot = 0; slot < t.count; slot++) weights[slot] = column[slot * 2]! + column[slot * 2 + 1]!
    }
    slots.sort((x, y) => {
      const d = weights[y]! - weights[x]!
      if (d !== 0) return d
      if (sort === 'time') {
        const dt = t.captureIndex[x]! - t.captureIndex[y]! || t.firstSec[x]! - t.firstSec[y]! || t.firstNsec[x]! - t.firstNsec[y]!
        if (dt !== 0) return dt
      }
      return t.ids[x]! - t.ids[y]!
    })
  }
  if (selection.limit && selection.limit > 0) slots = slots.slice(0, selection.limit)
  return slots
}

/** Build the report: flows filtered, sorted and cut (see selectFlowSlots). */
export function buildFlowsReport(collection: FlowCollection, selection: FlowsSelection = {}): FlowsReport {
  const slots = selectFlowSlots(collection, selection)
  return {...flowsReportHead(collection, slots.length), flows: slots.map((slot) => flowRecordAt(collection, slot))}
}

/**
 * The same text as `jsonText(buildFlowsReport(...))`, produced piece by piece so that a capture
 * with a hundred thousand flows never holds all records or one giant string in memory.
 */
export function flowsReportJson(collection: FlowCollection, selection: FlowsSelection = {}): Generator<string> {
  return chunkTexts(flowsReportJsonBytes(collection, selection))
}

/** flowsReportJson as UTF-8 bytes, in chunks of about a mebibyte (what `flows --json` writes).
 * Chunks end between records, so each one is whole UTF-8 text. With `pool`, the chunks the
 * writer releases into it are filled again (see ChunkPool). */
export function* flowsReportJsonBytes(collection: FlowCollection, selection: FlowsSelection = {}, pool?: ChunkPool): Generator<Uint8Array> {
  const slots = selectFlowSlots(collection, selection)
  const head = jsonText({...flowsReportHead(collection, slots.length), flows: slots.length ? [0] : []})
  // Split the head where the flows array's single placeholder element stands.
  if (slots.length === 0) {
    yield Buffer.from(head, 'utf8')
    return
  }
  const marker = '"flows": [\n    0\n  ]\n}\n'
  const cut = head.lastIndexOf(marker)
  const out = new JsonBytes(pool)
  out.text(`${head.slice(0, cut)}"flows": [\n`)
  for (let i = 0; i < slots.length; i++) {
    out.frag(INDENT)
    flowRecordBytes(out, collection, slots[i]!)
    out.frag(i < slots.length - 1 ? COMMA_NEWLINE : NEWLINE)
    out.breakIfFull()
    if (out.chunks.length > 0) yield* out.chunks.splice(0)
  }
  out.ascii('  ]\n}\n')
  yield* out.take()
}

const INDENT = fragment('    ')
const COMMA_NEWLINE = fragment(',\n')
const NEWLINE = fragment('\n')

/** How the warnings that say a report does not hold all of its capture begin: evicted flows,
 * and protocol facts stopped for memory (diff names a side that has them). */
export const EVICTION_WARNING_START = 'flow table limit of '
export const ANALYZERS_STOPPED_WARNING_START = 'memory ran short: '

/**
 * The analyzers stopped early (HeapWatch): the report is whole for flows, packets and bytes, but
 * what the protocols said (names, SNI, certificates, STUN, RTP) stops at a frame, and a reader
 * must know that absence of evidence past it is no evidence.
 */
function analyzersStoppedWarning(stopped: AnalyzersStopped, captures: readonly CaptureSummary[]): string {
  const mib = (bytes: number) => Math.round(bytes / 2 ** 20)
  const path = captures[stopped.capture]?.path ?? `capture ${stopped.capture + 1}`
  return `${ANALYZERS_STOPPED_WARNING_START}the protocol analyzers stopped after frame ${stopped.frame} of ${path} (their facts outgrew ${mib(stopped.budgetBytes)} MiB, their share of the JavaScript heap's ${mib(stopped.limitBytes)} MiB limit), so names, SNI, certificates, STUN, RTP and other protocol facts of later packets are not in this report, and findings that rest on them may be missing; flows, packets and bytes are counted in full. To read them all, give Node a larger heap (NODE_OPTIONS=--max-old-space-size=${Math.max(2 * mib(stopped.limitBytes), 8192)}) or split the capture (editcap -c)`
}

/** Paths named in a grouped warning before "and N more". */
const GROUPED_PATHS_SHOWN = 3

/**
 * The captures' warnings for the summary, in capture order, with one line for a warning several
 * captures give word for word after their path (the parts of a ring buffer, `dumpcap -b`, all
 * recorded with one capture filter): `a.pcapng, b.pcapng, c.pcapng and 4 more captures: <text>`,
 * at the place of its first. Each capture's own list (`captures[].warnings`) keeps its own.
 */
export function groupedCaptureWarnings(captures: ReadonlyArray<{path: string; warnings: readonly string[]}>): string[] {
  const groups = new Map<string, string[]>()
  const order: Array<{text: string} | {rest: string}> = []
  for (const c of captures) {
    const prefix = `${c.path}: `
    for (const w of c.warnings) {
      if (!w.startsWith(prefix)) {
        order.push({text: w})
        continue
      }
      const rest = w.slice(prefix.length)
      const paths = groups.get(rest)
      if (paths) {
        if (!paths.includes(c.path)) paths.push(c.path)
        continue
      }
      groups.set(rest, [c.path])
      order.push({rest})
    }
  }
  return order.map((o) => {
    if ('text' in o) return o.text
    const paths = groups.get(o.rest)!
    if (paths.length === 1) return `${paths[0]}: ${o.rest}`
    const shown = paths.slice(0, GROUPED_PATHS_SHOWN)
    const more = paths.length - shown.length
    const named = more > 0 ? `${shown.join(', ')} and ${more} more capture${more > 1 ? 's' : ''}` : `${shown.slice(0, -1).join(', ')} and ${shown[shown.length - 1]}`
    return `${named}: ${o.rest}`
  })
}

/** Everything of the flows report but the flow list: captures and the summary with its warnings. */
export function flowsReportHead(collection: FlowCollection, listed: number): Omit<FlowsReport, 'flows'> {
  const captures = captureRecords(collection)
  const {stats, table} = collection
  const warnings = groupedCaptureWarnings(captures)
  if (table.evicted.flows > 0) {
    warnings.push(`${EVICTION_WARNING_START}${table.maxFlows} flows reached at frame ${table.evicted.firstFrame}: ${table.evicted.flows} longest-idle flows (${table.evicted.packets} packets, ${table.evicted.bytes} bytes) were evicted and are not listed; raise --max-flows to keep them${table.maxFlows < MAX_FLOWS_DEFAULT ? ` (a report takes up to 3 KiB of Node's heap per flow, and the default limit follows the heap's: give Node more with NODE_OPTIONS=--max-old-space-size=<MiB> first)` : ''}`)
  }
  if (collection.analyzersStopped) warnings.push(analyzersStoppedWarning(collection.analyzersStopped, collection.captures))
  if (stats.protectedWifiFrames > 0) {
    warnings.push(`${stats.protectedWifiFrames} IEEE 802.11 data frames are protected (WEP/WPA): what they carry cannot be read without the network's keys; decrypt them first (Wireshark: Preferences › Protocols › IEEE 802.11 › Decryption keys, then File › Export Packet Dissections or Export Specified Packets) and analyse that capture`)
  }
  if (stats.fragments.unattributed > 0) warnings.push(`${stats.fragments.unattributed} IP fragments could not be attributed to a flow (their first fragment was not captured, or gave no ports and its datagram was never made whole)`)
  const unsupported = Object.fromEntries([...stats.unsupportedLinkTypes.entries()].sort(([a], [b]) => a - b).map(([lt, n]) => [linkTypeName(lt), n]))
  for (const [name, n] of Object.entries(unsupported)) warnings.push(`${n} packets on link type ${name} cannot be decoded (unsupported link type); they are counted but form no flows`)

  const first = collection.captures.filter((c) => c.packets > 0)
  // Reduced, not Math.min(...): one argument per capture could overflow the stack.
  const start = first.reduce((m, c) => Math.min(m, c.firstSec + c.firstNsec / 1e9), Infinity)
  const end = first.reduce((m, c) => Math.max(m, c.lastSec + c.lastNsec / 1e9), -Infinity)
  return {
    captures,
    summary: {
      packets: captures.reduce((n, c) => n + c.packets, 0),
      bytes: captures.reduce((n, c) => n + c.bytes, 0),
      durationSeconds: first.length ? Math.round((end - start) * 1e6) / 1e6 : 0,
      linkTypes: [...new Set(captures.flatMap((c) => c.linkTypeNames))],
      flows: table.count,
      flowsListed: listed,
      nonIpPackets: stats.nonIpPackets,
      unsupportedLinkTypes: unsupported,
      undecodedTransport: stats.undecodedTransport,
      unattributedFragments: stats.fragments.unattributed,
      evicted: {flows: table.evicted.flows, packets: table.evicted.packets, bytes: table.evicted.bytes},
      warnings,
      errors: collection.failures.map((f) => f.oneLine()),
    },
  }
}
