import {linkTypeName} from '../decode/link-layer.js'
import type {FlowCollection} from './collect-flows.js'
import {type CaptureRecord, captureRecords, type FlowRecord, flowRecords} from './flow-records.js'

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

/** Build the report: flows filtered, sorted (ties broken by id, so output is deterministic), cut. */
export function buildFlowsReport(collection: FlowCollection, selection: FlowsSelection = {}): FlowsReport {
  const captures = captureRecords(collection)
  const all = flowRecords(collection)
  let flows = selection.protos?.length ? all.filter((f) => selection.protos!.includes(f.proto)) : all
  const sort = selection.sort ?? 'id'
  if (sort !== 'id') {
    flows = [...flows].sort((x, y) => {
      const d = sort === 'bytes' ? totalBytes(y) - totalBytes(x) : sort === 'packets' ? totalPackets(y) - totalPackets(x) : 0
      if (d !== 0) return d
      if (sort === 'time' && x.firstTime !== y.firstTime) return x.firstTime < y.firstTime ? -1 : 1
      return x.id - y.id
    })
  }
  if (selection.limit && selection.limit > 0) flows = flows.slice(0, selection.limit)

  const {stats, table} = collection
  const warnings = captures.flatMap((c) => c.warnings)
  if (table.evicted.flows > 0) {
    warnings.push(`flow table limit of ${table.maxFlows} flows reached at frame ${table.evicted.firstFrame}: ${table.evicted.flows} longest-idle flows (${table.evicted.packets} packets, ${table.evicted.bytes} bytes) were evicted and are not listed; raise --max-flows to keep them`)
  }
  if (stats.fragments.unattributed > 0) warnings.push(`${stats.fragments.unattributed} IP fragments could not be attributed to a flow (their first fragment was not captured)`)
  const unsupported = Object.fromEntries([...stats.unsupportedLinkTypes.entries()].sort(([a], [b]) => a - b).map(([lt, n]) => [linkTypeName(lt), n]))
  for (const [name, n] of Object.entries(unsupported)) warnings.push(`${n} packets on link type ${name} cannot be decoded (unsupported link type); they are counted but form no flows`)

  const first = collection.captures.filter((c) => c.packets > 0)
  const start = Math.min(...first.map((c) => c.firstSec + c.firstNsec / 1e9))
  const end = Math.max(...first.map((c) => c.lastSec + c.lastNsec / 1e9))
  return {
    captures,
    summary: {
      packets: captures.reduce((n, c) => n + c.packets, 0),
      bytes: captures.reduce((n, c) => n + c.bytes, 0),
      durationSeconds: first.length ? Math.round((end - start) * 1e6) / 1e6 : 0,
      linkTypes: [...new Set(captures.flatMap((c) => c.linkTypeNames))],
      flows: all.length,
      flowsListed: flows.length,
      nonIpPackets: stats.nonIpPackets,
      unsupportedLinkTypes: unsupported,
      undecodedTransport: stats.undecodedTransport,
      unattributedFragments: stats.fragments.unattributed,
      evicted: {flows: table.evicted.flows, packets: table.evicted.packets, bytes: table.evicted.bytes},
      warnings,
      errors: collection.failures.map((f) => f.oneLine()),
    },
    flows,
  }
}
