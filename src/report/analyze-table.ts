import chalk from 'chalk'
import {TUNNEL_NOTE, tunnelEndsText} from './tunnel-ends.js'
import {formatBytes, formatCount} from './flows-table.js'
import {clip, plainTable} from './plain-table.js'
import {displayWidth} from './display-width.js'
import type {Finding, Report} from './report-model.js'
import {capturePathText} from './capture-name.js'
import {safeTerminal} from './sanitize.js'
import {wrap} from './text-wrap.js'
import {SEVERITY_COLOUR} from './severity-colour.js'
import {countsByRule, findingCountsText, MAX_FINDINGS_SHOWN, noHomeText, sharePercent, unjudgedText, unreadText} from './severity-text.js'
import {givenVantagePlace, vantageAddressesText} from './vantage-text.js'
import {cappedList} from './capped-list.js'

const WIDTH = 100
/** The endpoints table's name column: as wide as the line leaves room for, within these. */
const MIN_NAME_WIDTH = 12
const MAX_NAME_WIDTH = 32

function t(text: string | undefined | null): string {
  return safeTerminal(text ?? '')
}

function renderFinding(f: Finding): string[] {
  const tag = SEVERITY_COLOUR[f.severity](` ${f.severity.toUpperCase()} `)
  // The title wraps beside the tag (its visible width: the severity and a space each side); the
  // rule id, always on the first line, in bold and the closing "(suppressed)" in grey.
  const tagWidth = f.severity.length + 2
  const head = `${f.ruleId} ${t(f.title)}${f.suppressed ? ' (suppressed)' : ''}`
  const title = displayWidth(head) <= WIDTH - tagWidth - 1 ? [head] : wrap(head, WIDTH - tagWidth - 1, '')
  const last = title.length - 1
  if (f.suppressed) title[last] = title[last]!.replace(/ ?\(suppressed\)$/, (s) => chalk.gray(s))
  title[0] = `${tag} ${chalk.bold(f.ruleId)}${title[0]!.slice(f.ruleId.length)}`
  const lines = title.map((l, i) => (i === 0 ? l : `${' '.repeat(tagWidth + 1)}${l}`))
  for (const l of wrap(t(f.detail), WIDTH - 6, '')) lines.push(`      ${l}`)
  if (f.suppressed) for (const l of wrap(`suppressed by ${t(f.suppressed.rule)}: ${t(f.suppressed.reason)}`, WIDTH - 6, '')) lines.push(chalk.gray(`      ${l}`))
  for (const e of f.evidence.slice(0, 3)) {
    const where = e.frame !== undefined ? `frame ${e.frame}${e.capture ? ` of capture ${e.capture + 1}` : ''}: ` : ''
    for (const l of wrap(`· ${where}${t(e.description)}`, WIDTH - 6, '  ')) lines.push(chalk.gray(`      ${l}`))
  }
  if (f.evidence.length > 3) lines.push(chalk.gray(`      · ${f.evidence.length - 3} more in the JSON report`))
  return lines
}

/** Captures listed one per line; more are summed up in one line. */
const MAX_CAPTURE_LINES = 4

/** The terminal report of `callaudit analyze`: verdict, findings by severity, countries,
 * endpoints, apps, provenance. Fits 100 columns; colour only when chalk is enabled. */
export function renderAnalyzeTable(report: Report, options: {endpoints?: number} = {}): string {
  const s = report.summary
  const out: string[] = []
  const banner = s.verdict === 'fail' ? chalk.bgRed.white.bold(' FAIL ') : chalk.bgGreen.black.bold(' PASS ')
  const verdictText = `${findingCountsText(s.findings, s.suppressed)} · fail-on ${report.policy.failOn} → exit ${s.exitCode}`
  // The notes beside the verdict go on as long as the line has room (the banner is 6 wide), then
  // on lines of their own under the counts.
  let line = `${banner} ${verdictText}`
  let length = 7 + displayWidth(verdictText)
  for (const note of [unreadText(s.exitCode), unjudgedText(report.policy)]) {
    if (note === undefined) continue
    if (length + 3 + displayWidth(note) <= WIDTH) {
      line += ` · ${chalk.yellow(note)}`
      length += 3 + displayWidth(note)
    } else {
      out.push(line)
      line = `       ${chalk.yellow(note)}`
      length = 7 + displayWidth(note)
    }
  }
  out.push(line)
  out.push('')

  const head = (label: string, text: string) => {
    wrap(text, WIDTH - 10, '').forEach((l, i) => out.push(`${i === 0 ? chalk.bold(label.padEnd(10)) : ' '.repeat(10)}${l}`))
  }
  if (report.captures.length <= MAX_CAPTURE_LINES) {
    for (const c of report.captures) {
      head('Capture', `${t(capturePathText(c.path))} (${c.format}${c.gzip ? ', gzip' : ''}, ${formatCount(c.packets)} packets, ${formatBytes(c.bytes)}, from ${c.firstTime ?? '-'}, ${c.durationSeconds.toFixed(0)} s)`)
    }
  } else {
    // A ring buffer's hundred files are one line here; the other formats list each.
    const cs = report.captures
    const packets = cs.reduce((n, c) => n + c.packets, 0)
    const bytes = cs.reduce((n, c) => n + c.bytes, 0)
    const times = cs.map((c) => c.firstTime).filter((x): x is string => typeof x === 'string').sort()
    const names = `${t(capturePathText(cs[0]!.path))}, ${t(capturePathText(cs[1]!.path))}, … ${t(capturePathText(cs[cs.length - 1]!.path))}`
    head('Captures', `${formatCount(cs.length)} files, ${formatCount(packets)} packets, ${formatBytes(bytes)}, from ${times[0] ?? '-'}: ${names} (each listed with --json, --format markdown or html)`)
  }
  const v = report.vantage
  const vantagePlace = givenVantagePlace(v) ?? (v.geo ? [v.geo.city, v.geo.country].filter(Boolean).join(', ') + (v.geo.asOrg ? ` (AS${v.geo.asn} ${v.geo.asOrg})` : '') : '')
  head('Vantage', `${vantageAddressesText(v, t, 'unknown')}${vantagePlace ? ` — ${t(vantagePlace)}` : ''}`)
  const home = report.policy.homeState === 'unjudged' ? `none (${noHomeText(report.policy)})` : report.policy.home.join(', ')
  head('Home', `${t(home)}${report.policy.homeState === 'inferred' ? ' (inferred from the vantage)' : ''}${report.policy.deny.length ? ` · denied ${report.policy.deny.join(', ')}` : ''}`)
  // A process name is the strongest evidence a capture gives (macOS captures): say it here.
  const processesOf = (a: Report['apps'][number]): string => {
    const names = [...new Set(a.evidence.filter((e) => e.kind === 'process').map((e) => e.value))]
    return names.length ? `, process ${names.slice(0, 2).join(', ')}${names.length > 2 ? ` +${names.length - 2}` : ''}` : ''
  }
  const apps = report.apps.map((a) => `${a.displayName} (${a.confidence}${processesOf(a)})`).join(', ') || 'none identified'
  head('Apps', `${t(apps)}${report.tenants.length ? ` · organisations named: ${t(cappedList(report.tenants.map((x) => x.org)))}` : ''}`)
  // VPN tunnels up front: what went inside them is hidden from this capture, and where they end
  // is where all of it surfaced.
  const tunnels = tunnelEndsText(report)
  if (tunnels) head('Tunnels', `${t(tunnels)}: ${TUNNEL_NOTE}`)
  for (const note of report.policy.notes) for (const l of wrap(t(note), WIDTH - 10, '')) out.push(chalk.gray(`          ${l}`))
  out.push('')

  out.push(chalk.bold(`FINDINGS (${report.findings.length})`))
  if (report.findings.length === 0) out.push('  none')
  // Most severe first (the report's order), as many as the Markdown and HTML reports show: a
  // scan judged against a policy has a finding per address, which no one reads on a terminal.
  const shown = Math.min(report.findings.length, MAX_FINDINGS_SHOWN)
  for (let i = 0; i < shown; i++) for (const line of renderFinding(report.findings[i]!)) out.push(line)
  const rest = report.findings.slice(shown)
  if (rest.length) {
    const text = `${rest.length} more finding${rest.length === 1 ? '' : 's'} (${countsByRule(rest)}) not shown: this report shows the first ${MAX_FINDINGS_SHOWN}, most severe first; the JSON report (--json) has them all.`
    for (const l of wrap(t(text), WIDTH - 2, '')) out.push(chalk.gray(`  ${l}`))
  }
  out.push('')

  if (s.countries.length) {
    out.push(chalk.bold('COUNTRIES'))
    // Country codes come from the GeoIP database (a user's own file may hold anything); the
    // table module also throws on a control character, so every text cell is made safe.
    const rows = s.countries.map((c) => [t(c.country), sharePercent(c.share), formatBytes(c.bytes), String(c.endpoints), t(c.roles.join(', ')), t(c.verdict)])
    out.push(plainTable([['country', 'share', 'bytes', 'hosts', 'roles', 'verdict'].map((h) => chalk.gray(h)), ...rows]))
    out.push('')
  }

  const limit = options.endpoints ?? 15
  const endpoints = report.endpoints.filter((e) => e.judgement.verdict !== 'local').slice(0, limit)
  if (endpoints.length) {
    out.push(chalk.bold(`ENDPOINTS (${endpoints.length} of ${report.endpoints.filter((e) => e.judgement.verdict !== 'local').length}, by bytes)`))
    const headers = ['address', 'name', 'roles', 'where', 'operator', 'bytes', 'verdict']
    const rows = endpoints.map((e) => [
      t(e.ip),
      '', // the name, fitted below into the room the other columns leave
      t(e.roles.join(',')),
      t([e.geo?.country, e.geo?.registeredCountry && e.geo.registeredCountry !== e.geo.country ? `reg ${e.geo.registeredCountry}` : ''].filter(Boolean).join(' ')),
      clip(t(e.geo?.asOrg ?? ''), 14),
      formatBytes(e.bytes),
      t(e.judgement.verdict),
    ])
    // A line is its cells plus a space each side of every cell and one more before the first,
    // in terminal columns (a CJK name takes two a character).
    // A loop over the rows, not Math.max(...rows): `--endpoints 200000` would overflow the stack.
    const others = headers.reduce((sum, h, i) => (i === 1 ? sum : sum + rows.reduce((w, r) => Math.max(w, displayWidth(r[i]!)), h.length)), 0)
    const nameWidth = Math.min(MAX_NAME_WIDTH, Math.max(MIN_NAME_WIDTH, WIDTH - others - 2 * headers.length - 1))
    endpoints.forEach((e, i) => {
      const more = e.names.length > 1 ? ` +${e.names.length - 1}` : ''
      rows[i]![1] = clip(t(e.names[0] ?? ''), nameWidth - more.length) + more
    })
    out.push(plainTable([headers.map((h) => chalk.gray(h)), ...rows]))
    out.push('')
  }

  for (const l of wrap(`Databases: ${report.databases.map((d) => `${d.id} (${d.buildDate})`).join(', ') || 'none'}`, WIDTH, '  ')) out.push(chalk.gray(l))
  for (const w of s.warnings) for (const [i, l] of wrap(t(w), WIDTH - 9, '  ').entries()) out.push(chalk.yellow(`${i === 0 ? 'warning: ' : '         '}${l}`))
  return `${out.join('\n')}\n`
}
