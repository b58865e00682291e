/**
 * The JSON text of a report flow, written by hand: a 1 GB capture's report lists 100 k flows and
 * serialising each object with JSON.stringify was the largest part of writing the report. The
 * text is byte for byte what `safeJsonStringify(flow)` gives (tests hold it to that over the
 * corpus) for flows as `reportFromCollection` builds them: the FlowRecord keys, then role,
 * roleReason, app and remote. Other objects (a report read back from a file, whose key order is
 * its own) must go through safeJsonStringify; see `isBuiltFlowList`.
 */
import type {ReportFlow} from './report-model.js'
import {jsonNumber, safeJsonStringify} from './json-text.js'

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
 * thousands of flows: each is escaped once. Bounded: starts afresh past MAX_MEMO texts. */
const MAX_MEMO = 1 << 14
let memo = new Map<string, string>()

function safeString(text: string): string {
  let json = memo.get(text)
  if (json === undefined) {
    if (memo.size >= MAX_MEMO) memo = new Map()
    json = safeJsonStringify(text)!
    memo.set(text, json)
  }
  return json
}

/**
 * `safeJsonStringify(flow)`, or of the flow without `protocols` when `withProtocols` is false.
 * Addresses, protocol, state and tunnel names and ISO times are the tool's own text (no
 * character JSON or a terminal would act on); role reasons and app labels, which can quote
 * names from the capture, and the protocol facts go through safeJsonStringify.
 */
export function reportFlowJson(flow: ReportFlow, withProtocols: boolean): string {
  const {client, server, packets, bytes, tcp, fragments, tunnel, remote, process} = flow
  let text = `{"id":${flow.id},"capture":${flow.capture},"proto":"${flow.proto}","ipVersion":${flow.ipVersion},` +
    `"client":{"ip":"${client.ip}","port":${client.port}},"server":{"ip":"${server.ip}","port":${server.port}},` +
    `"packets":{"toServer":${packets.toServer},"toClient":${packets.toClient}},"bytes":{"toServer":${jsonNumber(bytes.toServer)},"toClient":${jsonNumber(bytes.toClient)}},` +
    `"firstFrame":${flow.firstFrame},"firstTime":"${flow.firstTime}","lastTime":"${flow.lastTime}","durationSeconds":${jsonNumber(flow.durationSeconds)}`
  if (tcp) text += `,"tcp":{"state":"${tcp.state}","handshakeRttMs":${jsonNumber(tcp.handshakeRttMs)},"clientRttMs":${jsonNumber(tcp.clientRttMs)}}`
  if (fragments) {
    text += `,"fragments":{"frames":{"toServer":${fragments.frames.toServer},"toClient":${fragments.frames.toClient}},` +
      `"datagrams":{"toServer":${fragments.datagrams.toServer},"toClient":${fragments.datagrams.toClient}}}`
  }
  if (tunnel) text += `,"tunnel":{"type":"${tunnel.type}","parentId":${tunnel.parentId}}`
  if (process) text += `,"process":${safeJsonStringify(process)}`
  if (withProtocols && flow.protocols !== undefined) text += `,"protocols":${safeJsonStringify(flow.protocols)}`
  text += `,"role":"${flow.role}","roleReason":${safeString(flow.roleReason)},"app":${flow.app === null ? 'null' : safeString(flow.app)},` +
    `"remote":{"ip":"${remote.ip}","port":${remote.port}}}`
  return text
}
