import {capturePathText} from '../capture-name.js'
import {commentLines} from '../comment-lines.js'
import {formatBytes} from '../flows-table.js'
import type {Report} from '../report-model.js'
import {maxOf} from './extent.js'
import {esc} from './html-text.js'
import {renderTable, num} from './table-html.js'
import {countryRuleTexts, suppressionScopeText} from '../policy-text.js'
import {noHomeText} from '../severity-text.js'
import {givenVantagePlace} from '../vantage-text.js'

function facts(rows: Array<[string, string]>): string {
  return `<dl class="facts">${rows.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${v}</dd>`).join('')}</dl>`
}

const listOrNone = (values: readonly string[]) => (values.length ? esc(values.join(', ')) : '<span class="muted">none</span>')

/** Each capture file read: format, size, time span, drops, names and secrets it carried, damage. */
export function renderCaptures(report: Report): string {
  const out: string[] = []
  report.captures.forEach((c, i) => {
    out.push(`<h3>Capture ${i + 1}: <code>${esc(capturePathText(c.path))}</code></h3>`)
    const rows: Array<[string, string]> = [
      ['format', esc(`${c.format}${c.gzip ? ', gzip' : ''}, ${c.byteOrder === 'be' ? 'big' : 'little'}-endian`)],
      ['link types', esc(c.linkTypeNames.join(', ') || '-')],
      ['interfaces', esc(c.interfaceNames.length ? `${c.interfaces}: ${c.interfaceNames.join(', ')}` : c.interfaces)],
      ['recorded by', esc([c.recordedBy.application, c.recordedBy.os, c.recordedBy.hardware].filter(Boolean).join(', ') || 'not said in the file')],
      ['capture filter', c.captureFilters.length ? `<code>${esc(c.captureFilters.join(' | '))}</code>` : '<span class="muted">none</span>'],
      ['packets', esc(c.packets)],
      ['bytes', esc(`${c.bytes} (${formatBytes(c.bytes)})`)],
      ['SHA-256', c.sha256 ? `<code>${esc(c.sha256)}</code>` : esc('not recorded (standard input)')],
      ['first packet', esc(c.firstTime ?? '-')],
      ['last packet', esc(c.lastTime ?? '-')],
      ['duration', esc(`${c.durationSeconds.toFixed(3)} s`)],
      ['dropped by capture', esc(c.droppedByCapture === null ? 'unknown' : c.droppedByCapture)],
      ['name records', esc(`${Object.keys(c.names).length} addresses named in the file`)],
      ['decryption secrets', esc(c.secrets.length ? c.secrets.map((s) => `${s.type} (${s.length} bytes)`).join(', ') : 'none')],
    ]
    if (c.comments.length) rows.push(['comments', c.comments.map((x) => commentLines(x).map(esc).join('<br>')).join('<br>')])
    if (c.packetComments.length) rows.push(['packet comments', c.packetComments.map((p) => `frame ${esc(p.frame)}: ${commentLines(p.text).map(esc).join(' / ')}`).join('<br>')])
    if (c.stoppedAt) rows.push(['stopped early', esc(`at byte ${c.stoppedAt.offset}: ${c.stoppedAt.reason}`)])
    out.push(facts(rows))
    if (c.warnings.length) out.push(`<ul class="plain warnings">${c.warnings.map((w) => `<li>${esc(w)}</li>`).join('')}</ul>`)
  })
  return out.join('\n')
}

/** The GeoIP databases used, in lookup order, with build date, age at capture and licence. */
export function renderDatabases(report: Report): string {
  if (report.databases.length === 0) return '<p class="empty">No geolocation database was used: nothing is located.</p>'
  return renderTable({
    id: 'databases-table',
    caption: 'Databases in lookup order; each field of a location names the database that gave it.',
    rows: report.databases,
    columns: [
      {label: 'id', cell: (d) => d.id},
      {label: 'type', cell: (d) => `${d.databaseType} (${d.schema})`},
      {label: 'built', cell: (d) => d.buildDate},
      {label: 'age at capture', numeric: true, cell: (d) => (d.ageDaysAtCapture === null ? {html: '', sort: ''} : num(d.ageDaysAtCapture, `${d.ageDaysAtCapture} days`))},
      {label: 'source', cell: (d) => d.source},
      {
        label: 'provenance',
        cell: (d) => {
          const p = d.provenance
          if (!p) return ''
          const parts = [p.package ? `${p.package}${p.version ? `@${p.version}` : ''}` : '', p.licence ?? '', p.note ?? ''].filter(Boolean)
          return parts.join(' · ')
        },
      },
    ],
  })
}

/** The policy the call was judged against, with how home was decided and any suppressions. */
export function renderPolicy(report: Report): string {
  const p = report.policy
  const home = p.homeState === 'unjudged' ? `<span class="muted">none: ${esc(noHomeText(p))}</span>` : `${listOrNone(p.home)}${p.homeState === 'inferred' ? ' <span class="muted">(inferred from the vantage)</span>' : ''}`
  const overrides = Object.keys(p.severityOverrides).sort().map((k) => `${k} → ${p.severityOverrides[k]}`)
  const rules = countryRuleTexts(p)
  const out = [
    facts([
      ['home', home],
      ['allowed', listOrNone(p.allow)],
      ['denied', listOrNone(p.deny)],
      ['fail on', esc(p.failOn)],
      ['policy file', p.file ? `<code>${esc(p.file)}</code>` : '<span class="muted">none</span>'],
      ['role and app rules', rules.length ? rules.map((r) => esc(r)).join('<br>') : '<span class="muted">none</span>'],
      ['severity overrides', listOrNone(overrides)],
    ]),
  ]
  if (p.notes.length) out.push(`<ul class="plain">${p.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>`)
  if (p.suppressions.length) {
    out.push('<h3>Suppressions</h3>')
    out.push(
      renderTable({
        id: 'suppressions-table',
        caption: 'Suppressions in file order: the first that matches a finding is the one it names.',
        rows: p.suppressions,
        columns: [
          {label: 'match', cell: (s) => s.match},
          {label: 'applies to', cell: (s) => suppressionScopeText(s)},
          {label: 'reason', cell: (s) => s.reason},
          {label: 'file line', numeric: true, cell: (s) => (s.line === undefined ? {html: '', sort: ''} : num(s.line, String(s.line)))},
        ],
      }),
    )
  }
  return out.join('\n')
}

/** Where the capturing host sat, and how that was decided. */
export function renderVantage(report: Report): string {
  const v = report.vantage
  const g = v.geo
  const located = g ? [g.city, g.country].filter(Boolean).join(', ') + (g.asn !== undefined ? ` (AS${g.asn} ${g.asOrg ?? ''})`.replace(/ \)$/, ')') : '') : ''
  // A --vantage place overrides the public address's geolocation, which stays shown beside it.
  const given = givenVantagePlace(v)
  const place = given !== undefined ? `${given}${located ? `; the public address geolocates to ${located}` : ''}` : located
  const rows: Array<[string, string]> = [
    ['private addresses', listOrNone(v.privateAddresses)],
    ...(v.hostPublicAddress ? [['own public address', esc(`${v.hostPublicAddress} (no NAT)`)] as [string, string]] : []),
    ['public addresses', v.publicAddresses.length ? esc(v.publicAddresses.map((p) => `${p.ip} (frames ${p.frames.slice(0, 6).join(', ')}${p.frames.length > 6 ? '…' : ''})`).join('; ')) : '<span class="muted">none seen</span>'],
    ['place', place ? esc(place) : '<span class="muted">unknown</span>'],
    ['location from', esc(v.source)],
  ]
  const out = [facts(rows)]
  if (v.notes.length) out.push(`<ul class="plain">${v.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>`)
  return out.join('\n')
}

/** What a reader must keep in mind before quoting the map. */
export function renderGeoLimitations(report: Report): string {
  const ages = report.databases.map((d) => d.ageDaysAtCapture).filter((a): a is number => a !== null)
  const age = ages.length ? ` The databases used were built up to ${maxOf(ages, 0)} days before the capture.` : ''
  return (
    '<p class="note">Locations come from IP geolocation databases, not from the traffic: they place an address where its ' +
    'operator registered or announced it. An address known only to country level is drawn at the country\'s centre; ' +
    'anycast services (public DNS resolvers, CDNs) answer from many sites under one address; cloud, VPN and relay ranges ' +
    `move between regions. Treat positions as indicative and countries as the database's claim.${esc(age)} ` +
    'Where round-trip times were measured, rule CA-GEO-005 flags places the latency rules out.</p>'
  )
}
