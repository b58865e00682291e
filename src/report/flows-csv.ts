import type {FlowsReport} from '../flows/flows-report.js'
import {safeCsv} from './sanitize.js'

const COLUMNS = [
  'id', 'capture', 'proto', 'ip_version', 'client_ip', 'client_port', 'server_ip', 'server_port',
  'packets_to_server', 'packets_to_client', 'bytes_to_server', 'bytes_to_client',
  'first_frame', 'first_time', 'last_time', 'duration_s', 'tcp_state', 'handshake_rtt_ms', 'tunnel', 'tunnel_parent',
  'process', 'pid',
]

/** Flows as CSV (RFC 4180), one row per flow; text cells neutralised against formula injection. */
export function renderFlowsCsv(report: FlowsReport): string {
  const lines = [COLUMNS.join(',')]
  for (const f of report.flows) {
    const cells: Array<string | number | null | undefined> = [
      f.id, f.capture, f.proto, f.ipVersion, f.client.ip, f.client.port, f.server.ip, f.server.port,
      f.packets.toServer, f.packets.toClient, f.bytes.toServer, f.bytes.toClient,
      f.firstFrame, f.firstTime, f.lastTime, f.durationSeconds, f.tcp?.state, f.tcp?.handshakeRttMs, f.tunnel?.type, f.tunnel?.parentId,
      f.process?.name, f.process?.pid,
    ]
    lines.push(cells.map((c) => (c === undefined || c === null ? '' : typeof c === 'number' ? String(c) : safeCsv(c))).join(','))
  }
  return `${lines.join('\r\n')}\r\n`
}
