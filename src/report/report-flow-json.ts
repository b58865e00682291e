/**
 * The JSON of a report flow, written by hand straight into bytes: a 1 GB capture's report lists
 * 100 k flows, and serialising each object with JSON.stringify, or even building a string per
 * flow, was the largest part of writing the report. The text is byte for byte what
 * `safeJsonStringify(flow)` gives (tests hold it to that over the fixtures and the corpus) for
 * flows as `reportFromCollection` builds them: the FlowRecord keys, then role, roleReason, app
 * and remote. Other objects (a report read back from a file, whose key order is its own) must go
 * through safeJsonStringify; see `isBuiltFlowList`.
 */
import {Buffer} from 'node:buffer'
import {FLOW_RECORD_FRAGMENTS as F, fragmentsBytes, tcpBytes, tunnelBytes} from '../flows/flow-records.js'
import {fragment, type JsonBytes} from './json-bytes.js'
import {safeJsonStringify} from './json-text.js'
import {boundedMemo} from '../util/bounded-memo.js'
import type {ReportFlow} from './report-model.js'

/** Flow lists made by reportFromCollection, whose objects have the layout written below. */
const builtFlowLists = new WeakSet<readonly ReportFlow[]>()

/** Mark a flow list as built by reportFromCollection (every element in the layout below). */
export function markBuiltFlowList(flows: readonly ReportFlow[]): void {
  builtFlowLists.add(flows)
}

export function isBuiltFlowList(flows: readonly ReportFlow[]): boolean {
  return builtFlowLists.has(flows)
}

/** Texts that may hold names from the capture (role reasons, app labels) repeat across
 * thousands of flows: each is escaped and encoded once. Bounded: starts afresh past MAX_MEMO texts. */
const MAX_MEMO = 1 << 14
const safeStringBytes = boundedMemo((text: string): Uint8Array => Buffer.from(safeJsonStringify(text)!, 'utf8'), MAX_MEMO)

/** What a report flow adds to its FlowRecord. */
const REPORT = {
  role: fragment(',"role":"'),
  roleReason: fragment('","roleReason":'),
  app: fragment(',"app":'),
  remoteIp: fragment(',"remote":{"ip":"'),
  end: fragment('}}'),
  null: fragment('null'),
}

/**
 * `safeJsonStringify(flow)`, or of the flow without `protocols` when `withProtocols` is false,
 * into `out`. Addresses, protocol, state, tunnel and role names and ISO times are the tool's own
 * ASCII text (no character JSON or a terminal would act on); role reasons and app labels, which
 * can quote names from the capture, the process and the protocol facts go through
 * safeJsonStringify.
 */
export function reportFlowBytes(out: JsonBytes, flow: ReportFlow, withProtocols: boolean): void {
  const {client, server, packets, bytes, tcp, fragments, tunnel, remote, process} = flow
  out.bytes(F.id)
  out.uint(flow.id)
  out.bytes(F.capture)
  out.uint(flow.capture)
  out.bytes(F.proto)
  out.ascii(flow.proto)
  out.bytes(F.ipVersion)
  out.uint(flow.ipVersion)
  out.bytes(F.clientIp)
  out.ascii(client.ip)
  out.bytes(F.port)
  out.uint(client.port)
  out.bytes(F.serverIp)
  out.ascii(server.ip)
  out.bytes(F.port)
  out.uint(server.port)
  out.bytes(F.packets)
  out.uint(packets.toServer)
  out.bytes(F.toClient)
  out.uint(packets.toClient)
  out.bytes(F.bytes)
  out.number(bytes.toServer)
  out.bytes(F.toClient)
  out.number(bytes.toClient)
  out.bytes(F.firstFrame)
  out.uint(flow.firstFrame)
  out.bytes(F.firstTime)
  out.ascii(flow.firstTime)
  out.bytes(F.lastTime)
  out.ascii(flow.lastTime)
  out.bytes(F.duration)
  out.number(flow.durationSeconds)
  if (tcp) tcpBytes(out, tcp.state, tcp.handshakeRttMs, tcp.clientRttMs)
  if (fragments) fragmentsBytes(out, fragments.frames.toServer, fragments.frames.toClient, fragments.datagrams.toServer, fragments.datagrams.toClient)
  if (tunnel) tunnelBytes(out, tunnel.type, tunnel.parentId)
  if (process) {
    out.bytes(F.process)
    out.text(safeJsonStringify(process)!)
  }
  if (withProtocols && flow.protocols !== undefined) {
    out.bytes(F.protocols)
    out.text(safeJsonStringify(flow.protocols)!)
  }
  out.bytes(REPORT.role)
  out.ascii(flow.role)
  out.bytes(REPORT.roleReason)
  out.bytes(safeStringBytes(flow.roleReason))
  out.bytes(REPORT.app)
  out.bytes(flow.app === null ? REPORT.null : safeStringBytes(flow.app))
  out.bytes(REPORT.remoteIp)
  out.ascii(remote.ip)
  out.bytes(F.port)
  out.uint(remote.port)
  out.bytes(REPORT.end)
}
