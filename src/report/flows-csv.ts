import type {FlowCollection} from '../flows/collect-flows.js'
import {type FlowRecord, flowRecordAt} from '../flows/flow-records.js'
import {type FlowsReport, type FlowsSelection, selectFlowSlots} from '../flows/flows-report.js'
import {safeCsv} from './sanitize.js'
import {textPieces} from './text-pieces.js'

const COLUMNS = [
  'id', 'capture', 'proto', 'ip_version', 'client_ip', 'client_port', 'server_ip', 'server_port',
  'packets_to_server', 'packets_to_client', 'bytes_to_server', 'bytes_to_client',
  'first_frame', 'first_time', 'last_time', 'duration_s', 'tcp_state', 'handshake_rtt_ms', 'tunnel', 'tunnel_parent',
  'process', 'pid', 'uid', 'package',
]
const HEADER = `${COLUMNS.join(',')}\r\n`

/** One flow's CSV row (RFC 4180) with its line end; text cells neutralised against formula injection. */
function flowRow(f: FlowRecord): string {
  const cells: Array<string | number | null | undefined> = [
    f.id, f.capture, f.proto, f.ipVersion, f.client.ip, f.client.port, f.server.ip, f.server.port,
    f.packets.toServer, f.packets.toClient, f.bytes.toServer, f.bytes.toClient,
    f.firstFrame, f.firstTime, f.lastTime, f.durationSeconds, f.tcp?.state, f.tcp?.handshakeRttMs, f.tunnel?.type, f.tunnel?.parentId,
    f.process?.name, f.process?.pid, f.process?.uid, f.process?.package,
  ]
  return `${cells.map((c) => (c === undefined || c === null ? '' : typeof c === 'number' ? String(c) : safeCsv(c))).join(',')}\r\n`
}

/** Flows as CSV, one row per flow (the whole text: small listings, tests). */
export function renderFlowsCsv(report: FlowsReport): string {
  let text = HEADER
  for (const f of report.flows) text += flowRow(f)
  return text
}

/**
 * What `flows --csv` writes: the text of renderFlowsCsv for the selected flows, in pieces of
 * whole rows of about a mebibyte (see textPieces), each flow's record made only while its row is
 * written. A capture of 500 k flows held every record and the whole text at once (750 MB for
 * 69 MB of CSV).
 */
export function flowsCsvPieces(collection: FlowCollection, selection: FlowsSelection = {}): Generator<string> {
  return textPieces(flowLines(collection, selection))
}

function* flowLines(collection: FlowCollection, selection: FlowsSelection): Generator<string> {
  yield HEADER
  for (const slot of selectFlowSlots(collection, selection)) yield flowRow(flowRecordAt(collection, slot))
}
