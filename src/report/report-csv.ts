import {flowEvidence} from '../analysis/flow-evidence.js'
import type {Report, ReportEndpoint, ReportFlow} from './report-model.js'
import {safeCsv} from './sanitize.js'
import {sortedUnique} from './compare-text.js'
import {textPieces} from './text-pieces.js'

/**
 * The analysis as two CSV tables (RFC 4180: a header row, CRLF line ends, quoted cells where
 * needed) for spreadsheets: one row per flow, one row per remote endpoint. Text cells go
 * through `safeCsv` (control characters made visible, a leading `=`, `+`, `-`, `@`, tab or CR
 * neutralised with an apostrophe); numbers are written as numbers.
 */

type Cell = string | number | null | undefined

/** Several values in one cell. */
const LIST_SEPARATOR = '; '

function cell(value: Cell): string {
  if (value === null || value === undefined) return ''
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : ''
  // A spreadsheet may ignore leading spaces before a formula sign: neutralise that form too.
  if (/^[ \u00a0]+[=+\-@]/.test(value)) return safeCsv(`'${value}`)
  return safeCsv(value)
}

/**
 * The table as CSV text in pieces of whole rows of about a mebibyte, each row made as it is
 * written (see textPieces): a capture of hundreds of thousands of flows held every row, every
 * line and the whole text at once (500 k flows: 113 MB of CSV took 750 MB more than the analysis).
 */
function csvPieces(header: readonly string[], rows: Iterable<Cell[]>): Generator<string> {
  return textPieces(csvLines(header, rows))
}

function* csvLines(header: readonly string[], rows: Iterable<Cell[]>): Generator<string> {
  yield `${header.map(cell).join(',')}\r\n`
  for (const row of rows) yield `${row.map(cell).join(',')}\r\n`
}

const FLOW_COLUMNS = [
  'id', 'capture_file', 'transport', 'ip_version', 'client_ip', 'client_port', 'server_ip', 'server_port', 'remote_ip', 'remote_port',
  'role', 'app', 'packets_to_server', 'packets_to_client', 'bytes_to_server', 'bytes_to_client',
  'first_frame', 'first_time', 'last_time', 'duration_s', 'sni', 'names_seen',
  'remote_country', 'remote_registered_country', 'remote_city', 'remote_asn', 'remote_operator', 'remote_verdict',
] as const

/** Names the flow itself showed: TLS/QUIC/DTLS server names, certificate names, HTTP Host, DNS queries. */
function namesSeen(flow: ReportFlow): {sni: string[]; names: string[]} {
  const evidence = flowEvidence(flow, {dns: new Map(), nrb: new Map()})
  return {
    sni: sortedUnique(evidence.names.filter((n) => n.source === 'sni' || n.source === 'quic-sni' || n.source === 'dtls-sni').map((n) => n.name)),
    names: sortedUnique(evidence.names.map((n) => n.name)),
  }
}

/** One row per flow, in flow id order, with the geolocation of its remote end. */
export function renderFlowsCsv(report: Report): string {
  return [...flowsCsvPieces(report)].join('')
}

/** renderFlowsCsv in pieces (what `analyze --format csv` writes; see csvPieces). */
export function flowsCsvPieces(report: Report): Generator<string> {
  return csvPieces(FLOW_COLUMNS, flowRows(report))
}

function* flowRows(report: Report): Generator<Cell[]> {
  const endpointByIp = new Map(report.endpoints.map((e) => [e.ip, e]))
  for (const f of [...report.flows].sort((a, b) => a.id - b.id)) {
    const remote = endpointByIp.get(f.remote.ip)
    const geo = remote?.geo
    const seen = namesSeen(f)
    yield [
      f.id, report.captures[f.capture]?.path, f.proto, f.ipVersion, f.client.ip, f.client.port, f.server.ip, f.server.port, f.remote.ip, f.remote.port,
      f.role, f.app, f.packets.toServer, f.packets.toClient, f.bytes.toServer, f.bytes.toClient,
      f.firstFrame, f.firstTime, f.lastTime, f.durationSeconds, seen.sni.join(LIST_SEPARATOR), seen.names.join(LIST_SEPARATOR),
      geo?.country, geo?.registeredCountry, geo?.city, geo?.asn, geo?.asOrg, remote?.judgement.verdict,
    ]
  }
}

const ENDPOINT_COLUMNS = [
  'ip', 'names', 'country', 'registered_country', 'city', 'latitude', 'longitude', 'accuracy_radius_km', 'asn', 'operator', 'special_range',
  'roles', 'apps', 'flow_ids', 'flows', 'packets', 'bytes', 'first_frame', 'verdict', 'reason',
] as const

/** One row per remote endpoint, in the report's order (most bytes first). */
export function renderEndpointsCsv(report: Report): string {
  return [...endpointsCsvPieces(report)].join('')
}

/** renderEndpointsCsv in pieces (see csvPieces). */
export function endpointsCsvPieces(report: Report): Generator<string> {
  return csvPieces(ENDPOINT_COLUMNS, endpointRows(report.endpoints))
}

function* endpointRows(endpoints: readonly ReportEndpoint[]): Generator<Cell[]> {
  for (const e of endpoints) {
    yield [
      e.ip, e.names.join(LIST_SEPARATOR), e.geo?.country, e.geo?.registeredCountry, e.geo?.city, e.geo?.latitude, e.geo?.longitude, e.geo?.accuracyRadiusKm,
      e.geo?.asn, e.geo?.asOrg, e.geo?.special,
      e.roles.join(LIST_SEPARATOR), e.apps.join(LIST_SEPARATOR), e.flowIds.join(LIST_SEPARATOR), e.flowIds.length, e.packets, e.bytes, e.firstFrame,
      e.judgement.verdict, e.judgement.reason,
    ]
  }
}
