import {formatBytes} from '../flows-table.js'
import {captureTitleName} from '../capture-name.js'
import type {Report} from '../report-model.js'
import {renderCountryBars} from './country-bars.js'
import {contentSecurityPolicy} from './csp.js'
import {renderAppsSection, renderCountriesTable, renderEndpointsTable, renderFlowsTable, tableEndpoints, tableFlows} from './data-tables.js'
import {renderFindings, type Anchors} from './findings-section.js'
import {esc, formatShare} from './html-text.js'
import {locatedEndpoints, MAX_MAP_ENDPOINTS, renderMapLegend, renderWorldMap, vantageLonLat} from './map-svg.js'
import {renderCaptures, renderDatabases, renderGeoLimitations, renderPolicy, renderVantage} from './provenance-section.js'
import {findingCountsText, noHomeText, unjudgedText, unreadText} from '../severity-text.js'
import {worstSeverityByEndpoint} from './severity.js'
import {SORT_SCRIPT} from './sort-script.js'
import {TUNNEL_NOTE, tunnelEndsText} from '../tunnel-ends.js'
import {givenVantagePlace, vantageAddressesText} from '../vantage-text.js'
import {cappedList} from '../capped-list.js'
import {STYLES} from './styles.js'
import {callStart, MAX_TIMELINE_FLOWS, renderTimeline} from './timeline-svg.js'

const SECTIONS: Array<[string, string]> = [
  ['map', 'Map'],
  ['countries', 'Countries'],
  ['timeline', 'Timeline'],
  ['findings', 'Findings'],
  ['endpoints', 'Endpoints'],
  ['flows', 'Flows'],
  ['apps', 'Apps'],
  ['provenance', 'Capture and databases'],
  ['policy', 'Policy'],
]

function renderBanner(report: Report): string {
  const s = report.summary
  const notes = [unreadText(s.exitCode), unjudgedText(report.policy)].filter((n) => n !== undefined)
  const text = `${findingCountsText(s.findings, s.suppressed)} · fail on ${report.policy.failOn} → exit code ${s.exitCode}${notes.map((n) => ` · ${n}`).join('')}`
  const pass = s.verdict === 'pass'
  return `<section class="banner ${pass ? 'verdict-pass' : 'verdict-fail'}" id="verdict"><span class="verdict">${pass ? 'PASS' : 'FAIL'}</span>${esc(text)}</section>`
}

function renderOverview(report: Report): string {
  const s = report.summary
  const v = report.vantage
  const place = givenVantagePlace(v) ?? (v.geo ? [v.geo.city, v.geo.country].filter(Boolean).join(', ') : v.country ?? '')
  const duration = report.captures.reduce((sum, c) => sum + c.durationSeconds, 0)
  const countries = s.countries.map((c) => `${c.country} ${formatShare(c.share)}`).join(', ')
  const apps = report.apps.map((a) => `${a.displayName} (${a.confidence})`).join(', ')
  const orgs = cappedList(report.tenants.map((t) => t.org))
  const tunnels = tunnelEndsText(report)
  const rows: Array<[string, string]> = [
    ['apps', apps ? esc(apps) : '<span class="muted">none identified</span>'],
    ['organisations named', orgs ? esc(orgs) : '<span class="muted">none</span>'],
    ...(tunnels ? [['VPN tunnels', esc(`${tunnels}: ${TUNNEL_NOTE}`)] as [string, string]] : []),
    ['vantage', esc(`${vantageAddressesText(v, (ip) => ip, 'unknown')}${place ? ` · ${place}` : ''}`)],
    ['home', esc(report.policy.homeState === 'unjudged' ? `none (${noHomeText(report.policy)})` : `${report.policy.home.join(', ')}${report.policy.homeState === 'inferred' ? ' (inferred from the vantage)' : ''}`)],
    ['traffic went to', countries ? esc(countries) : '<span class="muted">no geolocated public endpoint</span>'],
    ['capture', esc(`${s.packets} packets, ${formatBytes(s.bytes)}, ${s.flows} flows over ${duration.toFixed(0)} s`)],
  ]
  return `<dl class="facts">${rows.map(([k, val]) => `<dt>${esc(k)}</dt><dd>${val}</dd>`).join('')}</dl>`
}

function renderMapSection(report: Report, worst: ReturnType<typeof worstSeverityByEndpoint>): string {
  const located = locatedEndpoints(report)
  const publicEndpoints = report.endpoints.filter((e) => !e.geo?.special && e.judgement.verdict !== 'local')
  const drawn = new Set(located.map((l) => l.endpoint))
  const unlocated = publicEndpoints.filter((e) => !drawn.has(e)).length
  const notes: string[] = []
  if (!vantageLonLat(report)) notes.push('The vantage could not be placed (no --vantage and no geolocated public address): no arcs are drawn.')
  if (unlocated) notes.push(`${unlocated} public endpoint${unlocated === 1 ? ' has' : 's have'} no coordinates in the databases and ${unlocated === 1 ? 'is' : 'are'} not drawn.`)
  if (located.length > MAX_MAP_ENDPOINTS) notes.push(`${located.length - MAX_MAP_ENDPOINTS} of the ${located.length} geolocated endpoints are not drawn: only the ${MAX_MAP_ENDPOINTS} with the worst findings, then the most bytes, are (the JSON report lists them all).`)
  return [
    '<h2>Where the call went</h2>',
    `<div class="figure">${renderWorldMap(report, worst)}</div>`,
    renderMapLegend(),
    notes.length ? `<p class="note">${esc(notes.join(' '))}</p>` : '',
    renderGeoLimitations(report),
  ].join('\n')
}

/**
 * The self-contained HTML report: one file, no external request of any kind, a strict CSP
 * (hashes of the one inline style and the one inline script, computed here), every value from
 * the capture escaped. Same Report → byte-identical HTML.
 */
export function renderHtml(report: Report): string {
  const worst = worstSeverityByEndpoint(report)
  const flows = tableFlows(report)
  const endpoints = tableEndpoints(report)
  const anchors: Anchors = {flows: new Set(flows.map((f) => f.id)), endpoints: new Set(endpoints.map((e) => e.ip))}
  const start = callStart(report)
  const timeline = renderTimeline(report.flows, start)
  const captures = report.captures.map((c) => captureTitleName(c.path)).join(', ')
  const title = `callaudit report${captures ? `: ${captures}` : ''}`

  const body: string[] = []
  body.push('<header>')
  body.push(`<h1>${esc(title)}</h1>`)
  const subtitle = [`${report.tool.name} ${report.tool.version}`, report.analysisTime ? `analysed as of ${report.analysisTime}` : '', report.captures[0]?.firstTime ? `call recorded from ${report.captures[0].firstTime}` : '']
  body.push(`<p class="subtitle">${esc(subtitle.filter(Boolean).join(' · '))}</p>`)
  body.push(`<nav class="toc">${SECTIONS.map(([id, label]) => `<a href="#${id}">${esc(label)}</a>`).join('')}</nav>`)
  body.push('</header>')
  body.push('<main>')
  body.push(renderBanner(report))
  body.push(renderOverview(report))
  body.push(`<section id="map">${renderMapSection(report, worst)}</section>`)
  body.push(`<section id="countries"><h2>Bytes per country</h2><div class="figure">${renderCountryBars(report.summary.countries)}</div>${renderCountriesTable(report)}</section>`)
  const omitted = timeline.omitted ? `<p class="note">${timeline.omitted} of ${report.flows.length} flows are not drawn: only the ${MAX_TIMELINE_FLOWS} largest by bytes are.</p>` : ''
  body.push(`<section id="timeline"><h2>Flows over the call, by role</h2><p class="note">Each bar runs from a flow's first to its last packet; time is counted from the first packet of the capture.</p><div class="figure">${timeline.svg}</div>${omitted}</section>`)
  body.push(`<section id="findings">${renderFindings(report, anchors)}</section>`)
  body.push(`<section id="endpoints"><h2>Endpoints</h2>${renderEndpointsTable(report, endpoints, worst)}</section>`)
  body.push(`<section id="flows"><h2>Flows</h2>${renderFlowsTable(report, flows, start)}</section>`)
  body.push(`<section id="apps"><h2>Apps</h2>${renderAppsSection(report, anchors)}</section>`)
  body.push(`<section id="provenance"><h2>Capture, vantage and databases</h2><h3>Vantage</h3>${renderVantage(report)}${renderCaptures(report)}<h3>Geolocation databases</h3>${renderDatabases(report)}</section>`)
  body.push(`<section id="policy"><h2>Policy</h2>${renderPolicy(report)}</section>`)
  if (report.summary.warnings.length) body.push(`<section id="warnings"><h2>Warnings</h2><ul class="plain warnings">${report.summary.warnings.map((w) => `<li>${esc(w)}</li>`).join('')}</ul></section>`)
  body.push('</main>')
  body.push(`<footer>Made by ${esc(report.tool.name)} ${esc(report.tool.version)}, offline, from the capture(s) named above. Map: Natural Earth 1:110m country outlines (public domain), via world-atlas; projection Natural Earth. Self-contained: this file loads nothing from anywhere.</footer>`)

  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    `<meta http-equiv="Content-Security-Policy" content="${contentSecurityPolicy(STYLES, SORT_SCRIPT)}">`,
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="referrer" content="no-referrer">',
    `<title>${esc(title)}</title>`,
    `<style>${STYLES}</style>`,
    '</head>',
    '<body>',
    ...body,
    `<script>${SORT_SCRIPT}</script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n')
}
