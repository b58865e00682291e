import {ROLES} from '../../policy/policy.js'
import {formatBytes} from '../flows-table.js'
import type {Report, ReportFlow} from '../report-model.js'
import {roleClass} from './css-classes.js'
import {maxOf, minOf} from './extent.js'
import {esc, round1} from './html-text.js'
import {appendAll} from '../../util/append-all.js'
import {flowEndText} from '../../util/ip-text.js'

/** The most flows drawn; beyond it the largest (by bytes) are kept and the rest counted. */
export const MAX_TIMELINE_FLOWS = 500
/** Sub-rows per role lane before bars are allowed to overlap. */
const MAX_ROWS_PER_LANE = 6

const WIDTH = 960
const GUTTER = 100
const RIGHT = 16
const AXIS = 26
const ROW = 10
const BAR = 8
const LANE_PAD = 8
const TICK_STEPS = [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400]

/** Seconds since the epoch of an ISO-8601 UTC time with any number of fraction digits (Date keeps only milliseconds). */
export function isoSeconds(iso: string): number | undefined {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d+))?Z$/.exec(iso)
  if (!m) return undefined
  const whole = Date.parse(`${m[1]}Z`)
  if (Number.isNaN(whole)) return undefined
  return whole / 1000 + (m[2] ? Number(`0.${m[2]}`) : 0)
}

/** `0 s`, `45 s`, `1:30`, `1:02:00`; sub-second steps as `0.25 s`. */
export function formatOffset(seconds: number): string {
  if (seconds < 60) return `${Number(seconds.toFixed(3))} s`
  const s = Math.round(seconds)
  const hh = Math.floor(s / 3600)
  const mm = Math.floor((s % 3600) / 60)
  const ss = String(s % 60).padStart(2, '0')
  return hh > 0 ? `${hh}:${String(mm).padStart(2, '0')}:${ss}` : `${mm}:${ss}`
}

interface Placed {
  flow: ReportFlow
  start: number
  end: number
  row: number
}

/** Bytes both ways: what orders flows in the timeline and the flows table. */
export function flowBytes(f: ReportFlow): number {
  return f.bytes.toServer + f.bytes.toClient
}

/** Lanes in the policy's role order, then any role it does not know, alphabetically. */
function laneOrder(roles: Iterable<string>): string[] {
  const known = ROLES as readonly string[]
  const present = new Set(roles)
  return [...known.filter((r) => present.has(r)), ...[...present].filter((r) => !known.includes(r)).sort()]
}

/** Greedy interval packing: each flow goes to the first sub-row free at its start. */
function pack(items: Array<Omit<Placed, 'row'>>): Placed[] {
  const rowEnds: number[] = []
  return items.map((item) => {
    let row = rowEnds.findIndex((end) => end < item.start)
    if (row === -1) row = rowEnds.length < MAX_ROWS_PER_LANE ? rowEnds.length : MAX_ROWS_PER_LANE - 1
    rowEnds[row] = Math.max(rowEnds[row] ?? -Infinity, item.end)
    return {...item, row}
  })
}

/** Seconds since the epoch of the call's first packet: the earliest capture or flow start. */
export function callStart(report: Pick<Report, 'captures' | 'flows'>): number | undefined {
  const times = [...report.captures.map((c) => c.firstTime), ...report.flows.map((f) => f.firstTime)]
    .map((t) => (t === null ? undefined : isoSeconds(t)))
    .filter((t): t is number => t !== undefined)
  return times.length ? minOf(times, 0) : undefined
}

export interface TimelineView {
  svg: string
  drawn: number
  omitted: number
}

/**
 * The flows over the call: x is time since the first packet, one lane per role, one bar per
 * flow from its first to its last packet. Only the largest MAX_TIMELINE_FLOWS flows are drawn.
 */
export function renderTimeline(flows: readonly ReportFlow[], start?: number): TimelineView {
  const timed = flows
    .map((flow) => ({flow, start: isoSeconds(flow.firstTime), end: isoSeconds(flow.lastTime)}))
    .filter((t): t is {flow: ReportFlow; start: number; end: number} => t.start !== undefined && t.end !== undefined)
  if (timed.length === 0) return {svg: `<p class="empty">${flows.length ? 'No flow has a usable time.' : 'No flows.'}</p>`, drawn: 0, omitted: flows.length}
  const kept = [...timed].sort((a, b) => flowBytes(b.flow) - flowBytes(a.flow) || a.flow.id - b.flow.id).slice(0, MAX_TIMELINE_FLOWS)
  const t0 = Math.min(start ?? Infinity, minOf(timed.map((t) => t.start), 0))
  const t1 = maxOf(timed.map((t) => Math.max(t.start, t.end)), 0)
  const span = Math.max(t1 - t0, 0.001)
  const plot = WIDTH - GUTTER - RIGHT
  const x = (t: number) => GUTTER + ((t - t0) / span) * plot

  const lanes = laneOrder(kept.map((k) => k.flow.role))
  const out: string[] = []
  let y = AXIS
  const laneBlocks: string[] = []
  for (const role of lanes) {
    const inLane = kept.filter((k) => k.flow.role === role).sort((a, b) => a.start - b.start || a.flow.id - b.flow.id)
    const placed = pack(inLane.map((k) => ({flow: k.flow, start: k.start, end: Math.max(k.start, k.end)})))
    const rows = Math.max(1, maxOf(placed.map((p) => p.row + 1), 1))
    const laneHeight = rows * ROW + LANE_PAD
    laneBlocks.push(`<g class="lane ${roleClass(role)}" data-role="${esc(role)}">`)
    laneBlocks.push(`<rect class="lane-bg" x="0" y="${y}" width="${WIDTH}" height="${laneHeight}"/>`)
    laneBlocks.push(`<text class="lane-label" x="${GUTTER - 8}" y="${round1(y + laneHeight / 2 + 4)}">${esc(role)} (${inLane.length})</text>`)
    for (const p of placed) {
      const left = x(p.start)
      const width = Math.max(2, x(p.end) - left)
      const f = p.flow
      const title = `flow #${f.id} ${f.proto} ${flowEndText(f.client.ip, f.client.port, f.proto)} → ${flowEndText(f.server.ip, f.server.port, f.proto)} · ${f.role}${f.app ? ` (${f.app})` : ''} · ${formatBytes(flowBytes(f))} · ${formatOffset(p.start - t0)} – ${formatOffset(p.end - t0)}`
      laneBlocks.push(`<rect class="flow-bar ${roleClass(f.role)}" data-flow="${f.id}" x="${round1(left)}" y="${round1(y + LANE_PAD / 2 + p.row * ROW + (ROW - BAR) / 2)}" width="${round1(width)}" height="${BAR}"><title>${esc(title)}</title></rect>`)
    }
    laneBlocks.push('</g>')
    y += laneHeight
  }
  const height = y + 4

  out.push(`<svg class="timeline" id="timeline-chart" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}" role="img" aria-labelledby="timeline-title">`)
  out.push(`<title id="timeline-title">Flows by role over the call (${kept.length} of ${flows.length} flows)</title>`)
  const step = TICK_STEPS.find((s) => span / s <= 10) ?? 86400
  out.push('<g class="axis">')
  for (let i = 0; i * step <= span + 1e-9; i++) {
    const t = i * step
    const tx = round1(x(t0 + t))
    out.push(`<line x1="${tx}" y1="${AXIS - 6}" x2="${tx}" y2="${height - 4}"/><text x="${tx}" y="${AXIS - 10}">${esc(formatOffset(t))}</text>`)
  }
  out.push('</g>')
  appendAll(out, laneBlocks)
  out.push('</svg>')
  return {svg: out.join('\n'), drawn: kept.length, omitted: flows.length - kept.length}
}
