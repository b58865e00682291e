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
  out.frag(F.id)
  out.uint(flow.id)
  out.frag(F.capture)
  out.uint(flow.capture)
  out.frag(F.proto)
  out.ascii(flow.proto)
  out.frag(F.ipVersion)
  out.uint(flow.ipVersion)
  out.frag(F.clientIp)
  out.ascii(client.ip)
  out.frag(F.port)
  out.uint(client.port)
  out.frag(F.serverIp)
  out.ascii(server.ip)
  out.frag(F.port)
  out.uint(server.port)
  out.frag(F.packets)
  out.uint(packets.toServer)
  out.frag(F.toClient)
  out.uint(packets.toClient)
  out.frag(F.bytes)
  out.number(bytes.toServer)
  out.frag(F.toClient)
  out.number(bytes.toClient)
  out.frag(F.firstFrame)
  out.uint(flow.firstFrame)
  out.frag(F.firstTime)
  out.ascii(flow.firstTime)
  out.frag(F.lastTime)
  out.ascii(flow.lastTime)
  out.frag(F.duration)
  out.decimal(flow.durationSeconds, 9)
  if (tcp) tcpBytes(out, tcp.state, tcp.handshakeRttMs, tcp.clientRttMs)
  if (fragments) fragmentsBytes(out, fragments.frames.toServer, fragments.frames.toClient, fragments.datagrams.toServer, fragments.datagrams.toClient)
  if (tunnel) tunnelBytes(out, tunnel.type, tunnel.parentId)
  if (process) {
    out.frag(F.process)
    out.text(safeJsonStringify(process)!)
  }
  if (withProtocols && flow.protocols !== undefined) {
    out.frag(F.protocols)
    out.text(safeJsonStringify(flow.protocols)!)
  }
  out.frag(REPORT.role)
  out.ascii(flow.role)
  out.frag(REPORT.roleReason)
  out.bytes(safeStringBytes(flow.roleReason))
  out.frag(REPORT.app)
  if (flow.app === null) out.frag(REPORT.null)
  else out.bytes(safeStringBytes(flow.app))
  out.frag(REPORT.remoteIp)
  out.ascii(remote.ip)
  out.frag(F.port)
  out.uint(remote.port)
  out.frag(REPORT.end)
}
