import chalk from 'chalk'
import {getBorderCharacters, table} from 'table'
import {type FlowRecord, processLabel} from '../flows/flow-records.js'
import type {FlowsReport} from '../flows/flows-report.js'
import type {ProtocolAnalyzer} from '../protocols/analyzer.js'
import {formatBytes, formatCount} from './human-units.js'
import {safeTerminal} from './sanitize.js'
import {wrap} from './text-wrap.js'
import {displayWidth} from './display-width.js'
import {flowEndText} from '../util/ip-text.js'

// Re-exported: the formatters live apart so that the progress bar (loaded on every analyze run)
// does not load this table renderer and the table package with them.
export {formatBytes, formatCount} from './human-units.js'


const STATE_SHORT: Record<string, string> = {established: 'est', closed: 'fin', reset: 'rst', 'syn-sent': 'syn', 'syn-received': 'syn-ack', midstream: 'mid'}

/** Short notes: TCP state and handshake RTT, the tunnel a flow came through, fragments. */
function note(flow: FlowRecord): string {
  const parts: string[] = []
  if (flow.tcp) {
    parts.push(STATE_SHORT[flow.tcp.state] ?? flow.tcp.state)
    if (flow.tcp.handshakeRttMs !== null) parts.push(`${flow.tcp.handshakeRttMs.toFixed(1)}ms`)
  }
  if (flow.tunnel) parts.push(`${flow.tunnel.type}#${flow.tunnel.parentId}`)
  if (flow.fragments) parts.push('frag')
  return parts.join(' ')
}

function widest(rows: string[][], column: number): number {
  // A loop, not Math.max(...): spreading 500 k rows as arguments overflows the stack.
  let width = 6
  for (const row of rows) width = Math.max(width, row[column]!.length)
  return width
}

/** Finds the analyzer that made a flow's facts (src/protocols/index.ts analyzerByName). */
export type AnalyzerLookup = (name: string) => ProtocolAnalyzer<any, any> | undefined

/** Human lines for a flow: the process the capture names for it, then its protocol facts, from
 * each analyzer's own `describe`. */
export function detailLines(flow: FlowRecord, analyzerByName: AnalyzerLookup): string[] {
  const lines: string[] = []
  if (flow.process) lines.push(`process: ${processLabel(flow.process)}`)
  for (const [name, facts] of Object.entries(flow.protocols ?? {})) {
    const analyzer = analyzerByName(name)
    const described = analyzer ? analyzer.describe(facts) : []
    for (const line of described) lines.push(`${name}: ${line}`)
  }
  return lines
}

/** The terminal table of `callaudit flows`: one line per flow, fits 100 columns. With
 * `detail`, each flow is followed by indented lines saying what its protocols revealed. */
export function renderFlowsTable(report: FlowsReport, options: {detail?: AnalyzerLookup} = {}): string {
  if (options.detail) return renderDetail(report, options.detail)
  const s = report.summary
  const lines: string[] = []
  const head = ['#', 'proto', 'client', 'server', 'pkts →/←', 'bytes →/←', 'frame', 'secs', 'note'].map((h) => chalk.bold(h))
  const rows = report.flows.map((f) => [
    String(f.id),
    f.proto,
    flowEndText(f.client.ip, f.client.port, f.proto),
    flowEndText(f.server.ip, f.server.port, f.proto),
    `${formatCount(f.packets.toServer)}/${formatCount(f.packets.toClient)}`,
    `${formatBytes(f.bytes.toServer)}/${formatBytes(f.bytes.toClient)}`,
    String(f.firstFrame),
    f.durationSeconds.toFixed(1),
    safeTerminal(note(f)),
  ])
  if (rows.length > 0) {
    lines.push(table([head, ...rows], {
      border: getBorderCharacters('void'),
      columnDefault: {paddingLeft: 0, paddingRight: 1},
      columns: {2: {width: Math.min(24, widest(rows, 2)), wrapWord: false}, 3: {width: Math.min(24, widest(rows, 3)), wrapWord: false}},
      drawHorizontalLine: (index) => index === 1,
    }).trimEnd())
  } else {
    lines.push('No flows.')
  }
  const shown = s.flowsListed < s.flows ? ` (${formatCount(s.flowsListed)} shown)` : ''
  const files = report.captures.length === 1 ? '1 capture' : `${report.captures.length} captures`
  lines.push('')
  // As capinfos says "Strict time order: False": frame numbers then do not follow time.
  const unordered = report.captures.some((c) => !c.strictTimeOrder) ? ' · not in time order' : ''
  lines.push(`${files} · ${formatCount(s.packets)} packets · ${formatBytes(s.bytes)} · ${s.durationSeconds.toFixed(3)} s${unordered} · ${s.linkTypes.join(', ') || 'no link type'} · ${formatCount(s.flows)} flows${shown}${s.warnings.length ? ` · ${chalk.yellow(`${s.warnings.length} warning${s.warnings.length > 1 ? 's' : ''}`)}` : ''}`)
  return `${lines.join('\n')}\n`
}

/** A flow's header in 100 columns: on one line when it fits, else the counters on a line of
 * their own, and the server too when two long IPv6 ends do not fit one line. */
function headLines(from: string, to: string, counts: string): string[] {
  const one = `${from} ${to}  ${counts}`
  if (displayWidth(one) <= DETAIL_WIDTH) return [one]
  const rest = displayWidth(counts) <= DETAIL_WIDTH - 4 ? [`    ${counts}`] : wrap(counts, DETAIL_WIDTH - 4, '  ').map((piece) => `    ${piece}`)
  const ends = `${from} ${to}`
  if (displayWidth(ends) <= DETAIL_WIDTH) return [ends, ...rest]
  return [from, `    ${to}`, ...rest]
}

const DETAIL_WIDTH = 100

/** `--detail`: a header line per flow, then what it revealed, wrapped to 100 columns. */
function renderDetail(report: FlowsReport, analyzerByName: AnalyzerLookup): string {
  const out: string[] = []
  for (const f of report.flows) {
    const from = `#${f.id} ${f.proto} ${flowEndText(f.client.ip, f.client.port, f.proto)}`
    const to = `→ ${flowEndText(f.server.ip, f.server.port, f.proto)}`
    const counts = `${formatCount(f.packets.toServer + f.packets.toClient)} pkts ${formatBytes(f.bytes.toServer + f.bytes.toClient)}  frame ${f.firstFrame}` + (note(f) ? `  ${note(f)}` : '')
    for (const line of headLines(safeTerminal(from), safeTerminal(to), safeTerminal(counts))) out.push(chalk.bold(line))
    for (const line of detailLines(f, analyzerByName)) for (const piece of wrap(safeTerminal(line), 96, '  ')) out.push(`    ${piece}`)
  }
  const s = report.summary
  out.push('')
  out.push(`${formatCount(s.packets)} packets · ${formatBytes(s.bytes)} · ${formatCount(s.flows)} flows${s.flowsListed < s.flows ? ` (${formatCount(s.flowsListed)} shown)` : ''}`)
  return `${out.join('\n')}\n`
}
