import {namesCountries, type Severity} from '../policy/policy.js'
import {groupedCaptureWarnings} from '../flows/flows-report.js'
import {formatBytes} from './flows-table.js'
import type {Finding, Report, ReportDatabase, ReportEndpoint, ReportGeo} from './report-model.js'
import {capturePathText, captureTitleName} from './capture-name.js'
import {commentLines} from './comment-lines.js'
import {compareText} from './compare-text.js'
import {safeMarkdown} from './sanitize.js'
import {TUNNEL_NOTE, tunnelEndsText} from './tunnel-ends.js'
import {countsByRule, findingCountsText, MAX_FINDINGS_SHOWN, SEVERITIES_DESC, sharePercent, unjudgedText} from './severity-text.js'
import {givenVantagePlace, vantageAddressesText} from './vantage-text.js'
import {countryRuleTexts, suppressionScopeText} from './policy-text.js'
import {appendAll} from '../util/append-all.js'

/** Untrusted text for Markdown (sanitize.ts safeMarkdown; the name tests and callers use). */
export const markdownText = safeMarkdown

/**
 * The report as a Markdown briefing appendix (GitHub Flavored Markdown): verdict, method
 * (tool, databases, captures, policy), findings with their evidence, countries, endpoints,
 * apps, and the limits of geolocation. Same Report in, same bytes out.
 *
 * Everything that came from a capture or a database file (names, SNI, SDES items, city and
 * operator names, file paths...) goes through `markdownText` (safeMarkdown), so it can neither break a table
 * row, nor start a heading, link, image or raw HTML, nor autolink, nor carry a control byte.
 */

/** A time the report formatted (ISO 8601, UTC) as is; anything else escaped. */
function time(value: string | null | undefined): string {
  return value && /^\d{4}-\d\d-\d\dT[\d:.]+Z$/.test(value) ? value : markdownText(value ?? '')
}

/** An address as inline code when it is one (digits, hex, dots, colons); escaped text otherwise. */
function address(ip: string): string {
  return /^[0-9a-fA-F.:]+$/.test(ip) ? `\`${ip}\`` : markdownText(ip)
}

const t = markdownText
/** Endpoint rows written out (as the HTML report lists): a table of tens of thousands helps no reader. */
const MAX_ENDPOINTS_LISTED = 1000
const SEVERITY_HEADING: Record<Severity, string> = {critical: 'Critical', high: 'High', medium: 'Medium', low: 'Low', info: 'Info'}

/** A GFM table; every row gets exactly the header's number of cells (cells already escaped). */
export function markdownTable(header: string[], rows: string[][]): string[] {
  const line = (cells: string[]) => `| ${cells.map((c) => c || ' ').join(' | ')} |`
  const out = [line(header), `|${header.map(() => ' --- ').join('|')}|`]
  for (const row of rows) {
    if (row.length !== header.length) throw new Error(`internal: markdown row has ${row.length} cells, header ${header.length}`)
    out.push(line(row))
  }
  return out
}

function plural(n: number, word: string): string {
  return n === 1 ? `1 ${word}` : `${n} ${word === 'country' ? 'countries' : `${word}s`}`
}

/** Flow ids as plain numbers: `#12` would link to an issue when pasted into GitHub. */
function flowList(ids: readonly number[]): string {
  return ids.join(', ')
}

function place(geo: ReportGeo | null): string {
  if (!geo) return 'unknown'
  if (geo.special) return t(geo.special)
  return [geo.city, geo.country].filter(Boolean).map((x) => t(x)).join(', ') || 'unknown'
}

function operator(geo: ReportGeo | null): string {
  if (!geo || (geo.asn === undefined && !geo.asOrg)) return ''
  return [geo.asn !== undefined ? `AS${geo.asn}` : '', t(geo.asOrg)].filter(Boolean).join(' ')
}

function summarySection(report: Report): string[] {
  const s = report.summary
  const remote = report.endpoints.filter((e) => e.judgement.verdict !== 'local')
  const apps = report.apps.map((a) => `${t(a.displayName)} (${t(a.confidence)} confidence)`).join(', ') || 'none identified'
  const tunnels = tunnelEndsText(report)
  const v = report.vantage
  const vantage = [
    vantageAddressesText(v, address, 'no private address seen'),
    givenVantagePlace(v) !== undefined ? `at ${t(givenVantagePlace(v))}` : v.geo ? `in ${place(v.geo)}${operator(v.geo) ? ` (${operator(v.geo)})` : ''}` : '',
  ].filter(Boolean).join(' ')
  return [
    '## Summary',
    '',
    `**Verdict: ${t(s.verdict.toUpperCase())}** (exit code ${s.exitCode}). Findings counted: ${findingCountsText(s.findings)}${s.suppressed ? `; ${s.suppressed} suppressed by the policy` : ''}. ${report.policy.failOn === 'none' ? 'Findings never fail the report (fail on: none).' : `The report fails on findings of severity ${t(report.policy.failOn)} or above.`}${unjudgedSentence(report)}${s.exitCode === 2 ? ' **Not every input could be read**: the report covers the others (see the warnings).' : ''}`,
    '',
    ...markdownTable(
      ['severity', 'findings'],
      SEVERITIES_DESC.map((k) => [k, String(s.findings[k])]).concat([['suppressed', String(s.suppressed)]]),
    ),
    '',
    `- Traffic: ${s.packets} packets, ${s.bytes} bytes (${formatBytes(s.bytes)}), ${plural(s.flows, 'flow')}, ${plural(remote.length, 'remote endpoint')} in ${plural(s.countries.length, 'country')}.`,
    `- Apps: ${apps}.`,
    ...(tunnels ? [`- Tunnels: ${t(tunnels)}: ${TUNNEL_NOTE}.`] : []),
    `- Vantage (the capturing host): ${vantage || 'unknown'}.`,
    `- Home: ${homeText(report)}.`,
    '',
  ]
}

/** After the verdict when no home was given or inferred: what the verdict cannot say. */
function unjudgedSentence(report: Report): string {
  if (!unjudgedText(report.policy)) return ''
  return namesCountries(report.policy)
    ? ' **Only the countries deny and allow name were judged**: no home jurisdiction was given and none could be inferred from the vantage, so this verdict says nothing about traffic to other countries.'
    : ' **The countries were not judged**: no home jurisdiction was given and none could be inferred from the vantage, so this verdict says nothing about where the traffic went.'
}

function homeText(report: Report): string {
  const p = report.policy
  if (p.homeState === 'unjudged') return namesCountries(p) ? 'none set, so only the countries deny and allow name are judged; the others are reported without judging' : 'none set, so countries are reported but not judged'
  const list = p.home.map((c) => t(c)).join(', ')
  return p.homeState === 'inferred' ? `${list}, inferred from the vantage (${t(report.vantage.source)})` : `${list}, set by the policy (flag or file)`
}

function methodSection(report: Report): string[] {
  const out = ['## Method', '']
  out.push(`Analysed with ${t(report.tool.name)} ${t(report.tool.version)}, offline. Analysis time: ${report.analysisTime ? time(report.analysisTime) : 'not recorded (the report holds no wall-clock time; database ages are measured against the capture)'}.`, '')

  out.push('### Captures', '')
  appendAll(out, markdownTable(
      ['#', 'file', 'format', 'packets', 'bytes', 'first packet (UTC)', 'last packet (UTC)', 'duration (s)', 'SHA-256'],
      report.captures.map((c, i) => [
        String(i + 1),
        t(capturePathText(c.path)),
        `${t(c.format)}${c.gzip ? ', gzip' : ''}`,
        String(c.packets),
        String(c.bytes),
        c.firstTime ? time(c.firstTime) : 'none',
        c.lastTime ? time(c.lastTime) : 'none',
        String(c.durationSeconds),
        captureHash(c),
      ]),
    ),
    '',
  )
  let notes = 0
  for (const [i, c] of report.captures.entries()) {
    const lines: string[] = []
    const recorded = recordedByText(c)
    if (recorded) lines.push(`- Capture ${i + 1} was recorded ${recorded}.`)
    for (const comment of c.comments) lines.push(`- Capture ${i + 1} comment: ${commentLines(comment).map(t).join(' / ')}`)
    const shown = c.packetComments.slice(0, MAX_PACKET_COMMENTS_SHOWN)
    if (shown.length) lines.push(`- Capture ${i + 1} packet comments: ${shown.map((p) => `frame ${p.frame}: ${commentLines(p.text).map(t).join(' / ')}`).join('; ')}${c.packetComments.length > shown.length ? `; ${c.packetComments.length - shown.length} more in the JSON report` : ''}.`)
    if (c.captureFilters.length) lines.push(`- Capture ${i + 1} was recorded with the capture filter ${c.captureFilters.map((f) => t(`"${f}"`)).join(', ')}: packets it left out were never recorded.`)
    if (c.stoppedAt) lines.push(`- Capture ${i + 1} was read up to byte ${c.stoppedAt.offset} only: ${t(c.stoppedAt.reason)}.`)
    if (c.droppedByCapture) lines.push(`- Capture ${i + 1}: the capturing system reported ${c.droppedByCapture} packets dropped.`)
    appendAll(out, lines)
    notes += lines.length
  }
  if (notes) out.push('')

  out.push('### Geolocation databases', '')
  if (report.databases.length === 0) out.push('None: no address was geolocated.', '')
  else {
    appendAll(out, markdownTable(
        ['id', 'type', 'build date', 'age at capture (days)', 'source', 'licence'],
        report.databases.map((d) => [t(d.id), t(d.databaseType), t(d.buildDate), d.ageDaysAtCapture === null ? 'unknown' : String(d.ageDaysAtCapture), t(d.source), t(d.provenance?.licence ?? '')]),
      ),
      '',
    )
    for (const note of [...new Set(report.databases.map((d) => d.provenance?.note).filter((n): n is string => !!n))]) out.push(`- Note: ${t(note)}`)
    if (report.databases.some((d) => d.provenance?.note)) out.push('')
  }

  const p = report.policy
  out.push('### Policy', '')
  out.push(`- Home: ${homeText(report)}.`)
  out.push(`- Allowed: ${p.allow.length ? p.allow.map((x) => t(x)).join(', ') : 'none'}.`)
  out.push(`- Denied: ${p.deny.length ? p.deny.map((x) => t(x)).join(', ') : 'none'}.`)
  out.push(`- Fail on: ${t(p.failOn)}.`)
  out.push(`- Policy file: ${p.file ? t(p.file) : 'none'}.`)
  const rules = countryRuleTexts(p)
  if (rules.length) out.push('- Role and app rules:', ...rules.map((r) => `  - ${t(r)}`))
  else out.push('- Role and app rules: none.')
  const overrides = Object.entries(p.severityOverrides).sort(([a], [b]) => compareText(a, b))
  out.push(`- Severity overrides: ${overrides.length ? overrides.map(([rule, sev]) => `${t(rule)} → ${t(sev)}`).join(', ') : 'none'}.`)
  for (const note of p.notes) out.push(`- ${t(note)}`)
  out.push('')
  if (p.suppressions.length) {
    appendAll(out, markdownTable(['suppression', 'applies to', 'reason', 'file line'], p.suppressions.map((s) => [t(s.match), t(suppressionScopeText(s)), t(s.reason), s.line === undefined ? '' : String(s.line)])), '')
  } else out.push('Suppressions: none.', '')
  return out
}

/** Packet comments listed per capture in the method section (the JSON report holds 100). */
const MAX_PACKET_COMMENTS_SHOWN = 20

/** `with Dumpcap 4.0 on Linux 6.1 (x86_64), interfaces any, eth0`, neutralised; '' when the file says none of it. */
function recordedByText(c: Report['captures'][number]): string {
  const r = c.recordedBy
  const parts = [r.application ? `with ${t(r.application)}` : '', r.os ? `on ${t(r.os)}` : '', r.hardware ? `(${t(r.hardware)})` : '']
  if (c.interfaceNames.length) parts.push(`on interface${c.interfaceNames.length > 1 ? 's' : ''} ${c.interfaceNames.map(t).join(', ')}`)
  return parts.filter(Boolean).join(' ')
}

/** The capture's SHA-256 as inline code; standard input has none. */
function captureHash(capture: Report['captures'][number]): string {
  const hash = capture.sha256
  return typeof hash === 'string' && /^[0-9a-f]{64}$/i.test(hash) ? `\`${hash.toLowerCase()}\`` : 'not recorded (standard input)'
}

function evidenceRows(f: Finding): string[][] {
  return f.evidence.map((e) => [
    e.frame === undefined ? '' : String(e.frame),
    e.capture === undefined ? '' : String(e.capture + 1),
    time(e.time),
    e.flowId === undefined ? '' : String(e.flowId),
    t(e.description),
  ])
}

function findingsSection(report: Report): string[] {
  const out = ['## Findings', '']
  if (report.findings.length === 0) return [...out, 'None.', '']
  out.push('Frame numbers are Wireshark\'s `frame.number` in the capture numbered as under Method; times are UTC, from the capture.', '')
  let shown = 0
  const left: string[] = []
  for (const severity of SEVERITIES_DESC) {
    const group = report.findings.filter((f) => f.severity === severity)
    if (!group.length) continue
    out.push(`### ${SEVERITY_HEADING[severity]} (${group.length})`, '')
    const room = Math.max(0, MAX_FINDINGS_SHOWN - shown)
    shown += Math.min(room, group.length)
    if (group.length > room) {
      const rest = group.slice(room)
      left.push(`${rest.length} more ${severity} finding${rest.length === 1 ? '' : 's'} (${t(countsByRule(rest))})`)
    }
    for (const f of group.slice(0, room)) {
      out.push(`#### ${t(f.ruleId)}: ${t(f.title)}${f.suppressed ? ' (suppressed)' : ''}`, '')
      out.push(t(f.detail), '')
      if (f.suppressed) out.push(`- Suppressed by ${t(f.suppressed.rule)}: ${t(f.suppressed.reason)}`)
      if (f.endpoint) out.push(`- Endpoint: ${address(f.endpoint)}`)
      if (f.flowIds.length) out.push(`- Flows: ${flowList(f.flowIds)}`)
      out.push(`- Recommendation: ${t(f.recommendation)}`, '')
      if (f.evidence.length) appendAll(out, markdownTable(['frame', 'capture', 'time (UTC)', 'flow', 'evidence'], evidenceRows(f)), '')
    }
  }
  if (left.length) out.push(`Not written out here: ${left.join('; ')}. This appendix shows the first ${MAX_FINDINGS_SHOWN} findings, most severe first; the JSON report (\`--json\`) has them all.`, '')
  return out
}

function countriesSection(report: Report): string[] {
  const countries = report.summary.countries
  const out = ['## Countries', '']
  if (!countries.length) return [...out, 'No remote public endpoint was seen.', '']
  out.push('Share of the bytes exchanged with remote public endpoints, by the country the databases place them in.', '')
  appendAll(out, markdownTable(
      ['country', 'share of bytes', 'bytes', 'endpoints', 'roles', 'verdict'],
      countries.map((c) => [t(c.country), sharePercent(c.share), String(c.bytes), String(c.endpoints), t(c.roles.join(', ')), t(c.verdict)]),
    ),
    '',
  )
  return out
}

function endpointsSection(report: Report): string[] {
  const out = ['## Endpoints', '']
  if (!report.endpoints.length) return [...out, 'None.', '']
  out.push('Every remote address, largest first. "Registered" is the country the address block is registered to, which can differ from where the server stands.', '')
  const row = (e: ReportEndpoint) => [
    address(e.ip),
    e.names.map((n) => t(n)).join(', '),
    place(e.geo),
    t(e.geo?.registeredCountry ?? ''),
    operator(e.geo),
    t(e.roles.join(', ')),
    t(e.apps.join(', ')),
    flowList(e.flowIds),
    String(e.packets),
    String(e.bytes),
    `${t(e.judgement.verdict)}${e.judgement.reason ? `: ${t(e.judgement.reason)}` : ''}`,
  ]
  const listed = report.endpoints.slice(0, MAX_ENDPOINTS_LISTED)
  appendAll(out, markdownTable(['address', 'names', 'location', 'registered', 'operator', 'roles', 'apps', 'flows', 'packets', 'bytes', 'verdict'], listed.map(row)), '')
  if (listed.length < report.endpoints.length) out.push(`${listed.length} of ${report.endpoints.length} endpoints listed, largest first; the JSON report (\`--json\`) and \`--format csv --csv-table endpoints\` have them all.`, '')
  return out
}

function appsSection(report: Report): string[] {
  const out = ['## Apps', '']
  if (!report.apps.length) out.push('No conferencing app was identified.', '')
  for (const a of report.apps) {
    out.push(`### ${t(a.displayName)} (${t(a.confidence)} confidence)`, '')
    out.push(`Flows: ${flowList(a.flowIds) || 'none'}.`, '')
    appendAll(out, markdownTable(
        ['evidence', 'seen', 'matched', 'confidence', 'frames', 'flows', 'source'],
        a.evidence.map((e) => [
          t(`${e.kind}${e.via?.length ? ` (${e.via.join(', ')})` : ''}`),
          t(e.value),
          t(e.match),
          t(`${e.confidence}${e.claims ? '' : ', supporting only'}`),
          e.frames.join(', '),
          flowList(e.flowIds),
          t(e.source),
        ]),
      ),
      '',
    )
  }
  if (report.tenants.length) {
    out.push('### Organisations named in clear', '')
    appendAll(out, markdownTable(['app', 'organisation', 'names', 'frames', 'flows'], report.tenants.map((x) => [t(x.app), t(x.org), x.names.map((n) => t(n)).join(', '), x.frames.join(', '), flowList(x.flowIds)])), '')
  }
  return out
}

function ageLine(d: ReportDatabase): string {
  return `- ${t(d.id)}: built ${t(d.buildDate)}, ${d.ageDaysAtCapture === null ? 'age at the capture unknown (no packet time)' : `${d.ageDaysAtCapture} days old at the capture`}.`
}

function limitationsSection(report: Report): string[] {
  const remote = report.endpoints.filter((e) => e.judgement.verdict !== 'local' && e.geo)
  const radii = remote.map((e) => e.geo?.accuracyRadiusKm).filter((r): r is number => typeof r === 'number').sort((a, b) => a - b)
  const registeredElsewhere = remote.filter((e) => e.geo?.registeredCountry && e.geo.country && e.geo.registeredCountry !== e.geo.country)
  const noCountry = report.endpoints.filter((e) => e.judgement.verdict !== 'local' && !e.geo?.country)
  const implausible = report.findings.filter((f) => f.ruleId === 'CA-GEO-005')
  const out = ['## Limitations of geolocation', '']
  out.push(
    '- **Database accuracy.** A GeoIP database maps address blocks to places from registry data, operator feeds and measurements; it is not a measurement of this call. Country is usually right for fixed infrastructure, city much less often.' +
      (radii.length
        ? ` For the endpoints here the databases give accuracy radii from ${radii[0]} to ${radii[radii.length - 1]} km.`
        : ' The databases gave no accuracy radius for the endpoints here.') +
      (noCountry.length ? ` ${plural(noCountry.length, 'remote endpoint')} could not be placed in any country.` : ''),
    '- **Anycast.** One address can be announced from many places (public DNS resolvers, CDNs, some relays): the database shows one location, but the packets went to whichever site was nearest on the network. A round trip shorter than the database distance allows reveals it' +
      (implausible.length ? `: ${plural(implausible.length, 'finding')} CA-GEO-005 in this report.` : ' (rule CA-GEO-005; none fired here).'),
    `- **Registered versus located country.** The registered country is where the address block is registered (its holder's jurisdiction), not where the server stands; both are shown. ${registeredElsewhere.length ? `Here ${plural(registeredElsewhere.length, 'endpoint')} ${registeredElsewhere.length === 1 ? 'is' : 'are'} located in one country and registered in another: ${registeredElsewhere.map((e) => `${address(e.ip)} (${t(e.geo?.country)}, registered ${t(e.geo?.registeredCountry)})`).join(', ')}.` : 'Here no endpoint is located in one country and registered in another.'}`,
    `- **Age of the databases at the capture.** Address blocks move between operators and places; the older the database at the time of the call, the more of its answers may be stale (more than 90 days is flagged).`,
  )
  if (report.databases.length) for (const d of report.databases) out.push(`  ${ageLine(d)}`)
  else out.push('  - No database was used.')
  out.push('')
  return out
}

function warningsSection(report: Report): string[] {
  // The captures' own warnings, grouped as the summary groups them, so that each shows once.
  const warnings = [...report.summary.warnings, ...groupedCaptureWarnings(report.captures)]
  if (!warnings.length && !report.vantage.notes.length) return []
  const out = ['## Warnings', '']
  for (const w of [...new Set([...warnings, ...report.vantage.notes])]) out.push(`- ${t(w)}`)
  out.push('')
  return out
}

/** The Markdown briefing appendix of a Report. */
export function renderMarkdown(report: Report): string {
  const files = report.captures.map((c) => t(captureTitleName(c.path))).join(', ')
  const lines = [
    `# Call audit${files ? `: ${files}` : ''}`,
    '',
    ...summarySection(report),
    ...methodSection(report),
    ...findingsSection(report),
    ...countriesSection(report),
    ...endpointsSection(report),
    ...appsSection(report),
    ...limitationsSection(report),
    ...warningsSection(report),
  ]
  while (lines.length && lines[lines.length - 1] === '') lines.pop()
  return `${lines.join('\n')}\n`
}
