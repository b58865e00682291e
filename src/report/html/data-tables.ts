import {countryName} from '../../policy/countries.js'
import type {Severity} from '../../policy/policy.js'
import {formatBytes} from '../flows-table.js'
import type {Report, ReportEndpoint, ReportFlow} from '../report-model.js'
import {severityClass, verdictClass} from './css-classes.js'
import {flowRef, type Anchors} from './findings-section.js'
import {esc, formatShare} from './html-text.js'
import {SEVERITIES_DESC} from './severity.js'
import {renderTable, num, text, type Cell} from './table-html.js'
import {flowBytes, isoSeconds} from './timeline-svg.js'
import {hostPort} from '../../util/ip-text.js'

/** Flows listed in the flows table: the largest, as on the timeline. */
export const MAX_TABLE_FLOWS = 500
/** Endpoints listed in the endpoints table (the report lists them by bytes, largest first). */
export const MAX_TABLE_ENDPOINTS = 1000
/** App evidence items listed per app. */
const MAX_APP_EVIDENCE = 12

/** IPv4 sorts numerically when each octet is zero-padded; other text sorts as itself. */
function addressSortKey(ip: string): string {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip)
  return m ? m.slice(1).map((o) => o.padStart(3, '0')).join('.') : ip.toLowerCase()
}

function list(values: readonly string[], max = 4): string {
  const shown = values.slice(0, max).join(', ')
  return values.length > max ? `${shown} +${values.length - max}` : shown
}

function verdictCell(verdict: string, reason?: string): Cell {
  // The reason is a hover title: the where column and the findings already say it in print.
  return {html: `<span class="${verdictClass(verdict)}"${reason ? ` title="${esc(reason)}"` : ''}>${esc(verdict)}</span>`, sort: verdict}
}

function severityCell(severity: Severity | undefined): Cell {
  // Sort key: most severe first on an ascending sort.
  const rank = severity ? SEVERITIES_DESC.indexOf(severity) : SEVERITIES_DESC.length
  return {html: severity ? `<span class="badge ${severityClass(severity)}">${esc(severity)}</span>` : '<span class="muted">none</span>', sort: rank}
}

/** Country (and registered country when it differs) and city; special ranges say what they are. */
function whereCell(e: ReportEndpoint): Cell {
  const g = e.geo
  if (g?.special) return {html: `<span class="muted">${esc(g.special)}</span>`, sort: '~'}
  const country = g?.country ?? ''
  const registered = g?.registeredCountry && g.registeredCountry !== g.country ? ` (registered ${g.registeredCountry})` : ''
  const city = g?.city ? `<br><span class="muted">${esc(g.city)}</span>` : ''
  return {html: `${esc(country + registered)}${city}`, sort: country}
}

/** The endpoints the table lists: the largest MAX_TABLE_ENDPOINTS, in the report's order. */
export function tableEndpoints(report: Report): ReportEndpoint[] {
  return report.endpoints.slice(0, MAX_TABLE_ENDPOINTS)
}

export function renderEndpointsTable(report: Report, endpoints: readonly ReportEndpoint[], worst: ReadonlyMap<string, Severity>): string {
  const omitted = report.endpoints.length - endpoints.length
  return renderTable<ReportEndpoint>({
    id: 'endpoints-table',
    caption: `${omitted ? `${endpoints.length} of ${report.endpoints.length}` : report.endpoints.length} endpoints, by bytes${omitted ? ` (${omitted} smaller ones are in the JSON report)` : ''}. Click a header to sort.`,
    rowId: (e) => `endpoint-${e.ip}`,
    rows: endpoints,
    columns: [
      {label: 'address', wrap: 'nowrap', cell: (e) => ({html: `<span class="mono">${esc(e.ip)}</span>`, sort: addressSortKey(e.ip)})},
      {label: 'names', wrap: 'wide', cell: (e) => list(e.names)},
      {label: 'roles', cell: (e) => e.roles.join(', ')},
      {label: 'apps', cell: (e) => e.apps.join(', ')},
      {label: 'where', cell: (e) => whereCell(e)},
      {label: 'operator', cell: (e) => (e.geo?.asn !== undefined ? `AS${e.geo.asn} ${e.geo.asOrg ?? ''}`.trim() : e.geo?.asOrg ?? '')},
      {label: 'packets', numeric: true, cell: (e) => num(e.packets)},
      {label: 'bytes', numeric: true, cell: (e) => num(e.bytes, formatBytes(e.bytes))},
      {label: 'flows', numeric: true, cell: (e) => num(e.flowIds.length)},
      {label: 'first frame', numeric: true, cell: (e) => num(e.firstFrame)},
      {label: 'verdict', cell: (e) => verdictCell(e.judgement.verdict, e.judgement.reason)},
      {label: 'worst finding', cell: (e) => severityCell(worst.get(e.ip))},
    ],
  })
}

export function renderCountriesTable(report: Report): string {
  return renderTable({
    id: 'countries-table',
    caption: 'Bytes to geolocated public endpoints, by country (the country the database places the address in).',
    rows: report.summary.countries,
    columns: [
      {label: 'country', cell: (c) => c.country},
      {label: 'name', cell: (c) => countryName(c.country) ?? ''},
      {label: 'bytes', numeric: true, cell: (c) => num(c.bytes, formatBytes(c.bytes))},
      {label: 'share', numeric: true, cell: (c) => num(c.share, formatShare(c.share))},
      {label: 'endpoints', numeric: true, cell: (c) => num(c.endpoints)},
      {label: 'roles', cell: (c) => c.roles.join(', ')},
      {label: 'verdict', cell: (c) => verdictCell(c.verdict)},
    ],
  })
}

/** The flows the table lists (largest MAX_TABLE_FLOWS, shown by id). */
export function tableFlows(report: Report): ReportFlow[] {
  return [...report.flows]
    .sort((a, b) => flowBytes(b) - flowBytes(a) || a.id - b.id)
    .slice(0, MAX_TABLE_FLOWS)
    .sort((a, b) => a.id - b.id)
}

export function renderFlowsTable(report: Report, flows: readonly ReportFlow[], t0: number | undefined): string {
  const omitted = report.flows.length - flows.length
  return renderTable<ReportFlow>({
    id: 'flows-table',
    caption: `${flows.length} of ${report.flows.length} flows${omitted ? ` (the largest by bytes; ${omitted} smaller flows are in the JSON report)` : ''}. Start is seconds since the first packet.`,
    rowId: (f) => `flow-${f.id}`,
    rows: flows,
    columns: [
      {label: 'flow', numeric: true, cell: (f) => num(f.id, `#${f.id}`)},
      {label: 'role', cell: (f) => f.role},
      {label: 'app', cell: (f) => f.app ?? ''},
      {label: 'proto', cell: (f) => f.proto + (f.tunnel ? ` in ${f.tunnel.type}` : '')},
      {label: 'client', wrap: 'nowrap', cell: (f) => ({html: `<span class="mono">${esc(hostPort(f.client.ip, f.client.port))}</span>`, sort: `${addressSortKey(f.client.ip)}:${String(f.client.port).padStart(5, '0')}`})},
      {label: 'server', wrap: 'nowrap', cell: (f) => ({html: `<span class="mono">${esc(hostPort(f.server.ip, f.server.port))}</span>`, sort: `${addressSortKey(f.server.ip)}:${String(f.server.port).padStart(5, '0')}`})},
      {label: 'packets', numeric: true, cell: (f) => num(f.packets.toServer + f.packets.toClient)},
      {label: 'bytes', numeric: true, cell: (f) => num(flowBytes(f), formatBytes(flowBytes(f)))},
      {label: 'first frame', numeric: true, cell: (f) => num(f.firstFrame)},
      {
        label: 'start',
        numeric: true,
        cell: (f) => {
          const t = isoSeconds(f.firstTime)
          return t === undefined || t0 === undefined ? text('') : num(Math.round((t - t0) * 1000) / 1000, (t - t0).toFixed(3))
        },
      },
      {label: 'duration', numeric: true, cell: (f) => num(f.durationSeconds, `${f.durationSeconds.toFixed(3)} s`)},
    ],
  })
}

export function renderAppsSection(report: Report, anchors: Anchors): string {
  const out: string[] = []
  if (report.apps.length === 0) out.push('<p class="empty">No conferencing app identified.</p>')
  for (const app of report.apps) {
    out.push(`<h3>${esc(app.displayName)} <span class="muted">(${esc(app.app)}, confidence ${esc(app.confidence)}, ${app.flowIds.length} flow${app.flowIds.length === 1 ? '' : 's'})</span></h3>`)
    out.push('<ul class="plain">')
    for (const e of app.evidence.slice(0, MAX_APP_EVIDENCE)) {
      const frames = e.frames.length ? `; frames ${e.frames.slice(0, 8).join(', ')}${e.frames.length > 8 ? '…' : ''}` : ''
      const flows = e.flowIds.length ? `; flows ${e.flowIds.slice(0, 8).map((id) => flowRef(id, anchors)).join(', ')}${e.flowIds.length > 8 ? '…' : ''}` : ''
      out.push(`<li>${esc(e.kind)} <code>${esc(e.value)}</code> matches <code>${esc(e.match)}</code> (${esc(e.confidence)}${e.via?.length ? `, via ${esc(e.via.join(', '))}` : ''}${esc(frames)}${flows})<br><span class="muted">source: ${esc(e.source)}</span></li>`)
    }
    if (app.evidence.length > MAX_APP_EVIDENCE) out.push(`<li class="muted">${app.evidence.length - MAX_APP_EVIDENCE} more in the JSON report</li>`)
    out.push('</ul>')
  }
  if (report.tenants.length) {
    out.push('<h3>Organisations named in the traffic</h3>')
    out.push('<ul class="plain">')
    for (const t of report.tenants) {
      out.push(`<li><strong>${esc(t.org)}</strong> (${esc(t.app)}): ${esc(t.names.join(', '))}; frames ${esc(t.frames.slice(0, 8).join(', '))}<br><span class="muted">${esc(t.source)}</span></li>`)
    }
    out.push('</ul>')
  }
  return out.join('\n')
}

