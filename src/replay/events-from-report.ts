import {compareText} from '../report/compare-text.js'
import type {Finding, Report} from '../report/report-model.js'
import {compareInstants, type Instant, offsetBetween, parseInstant} from './event-time.js'
import {flowEvents} from './flow-events.js'
import {type DraftEvent, EVENT_KINDS, type ReplayEvent} from './replay-event.js'
import {appendAll} from '../util/append-all.js'

/** While a read goes on, a stream with no packet for this long (capture time) counts as stopped. */
export const STOP_AFTER_IDLE_SECONDS = 5

export interface EventOptions {
  /**
   * The report is of a finished read (default). False for a report of a read still going on
   * (replay --follow): a media stream is then reported stopped only once the capture has gone
   * on STOP_AFTER_IDLE_SECONDS past its last packet, and CA-CALL-001 (no call in the capture) is
   * left out: the call may still come.
   */
  final?: boolean
}

const KIND_ORDER = new Map(EVENT_KINDS.map((k, i) => [k, i]))

/** Findings about what the capture lacks: while a read goes on, what is missing may still come
 * (a call whose DNS lookups came first), so they are events of the finished read only. */
const SETTLED_AT_END = new Set(['CA-CALL-001'])

/**
 * The call's events, in the order they happened: sorted by time, then capture and frame, then
 * kind (EVENT_KINDS order) and id. A pure function of the report: the same report gives the same
 * events, and a report of a longer read gives the events of a shorter one plus new ones (ids
 * stay; see docs/replay.md for what may still change).
 */
export function eventsFromReport(report: Report, options: EventOptions = {}): ReplayEvent[] {
  const final = options.final ?? true
  const captureEnds = report.captures.map((c) => (c.lastTime ? parseInstant(c.lastTime) : undefined))
  const stoppedBy = (last: {time: string; capture: number}) => {
    const end = captureEnds[last.capture]
    const at = parseInstant(last.time)
    return !!end && !!at && end.sec - at.sec + (end.nsec - at.nsec) / 1e9 >= STOP_AFTER_IDLE_SECONDS
  }
  const endpointByIp = new Map(report.endpoints.map((e) => [e.ip, e]))
  const drafts: DraftEvent[] = []
  for (const flow of report.flows) appendAll(drafts, flowEvents(flow, endpointByIp.get(flow.remote.ip), {final, stoppedBy}))
  // Appended one by one: a spread of every finding's event (a scan judged against a policy has
  // one per address, hundreds of thousands) as arguments overflows the stack.
  for (const draft of findingEvents(report)) if (final || !SETTLED_AT_END.has(draft.detail['ruleId'] as string)) drafts.push(draft)
  return placeInTime(report, drafts)
}

/** Relative times (from the first packet of the earliest capture) and the order. */
function placeInTime(report: Report, drafts: DraftEvent[]): ReplayEvent[] {
  const starts = report.captures.map((c) => (c.firstTime ? parseInstant(c.firstTime) : undefined)).filter((i): i is Instant => i !== undefined)
  const origin = starts.reduce<Instant | undefined>((min, i) => (!min || compareInstants(i, min) < 0 ? i : min), undefined)
  const placed = drafts.map((d) => {
    const at = parseInstant(d.time)
    const offset = origin && at ? offsetBetween(origin, at, at.digits) : {text: '?', seconds: 0}
    return {at, event: {...d, relativeSeconds: offset.seconds, relative: offset.text} as ReplayEvent}
  })
  placed.sort(
    (a, b) =>
      (a.at && b.at ? compareInstants(a.at, b.at) : Number(!a.at) - Number(!b.at)) ||
      a.event.capture - b.event.capture ||
      (a.event.frame ?? Infinity) - (b.event.frame ?? Infinity) ||
      KIND_ORDER.get(a.event.kind)! - KIND_ORDER.get(b.event.kind)! ||
      compareText(a.event.id, b.event.id),
  )
  // Reorder keys so every event serialises with the same key order.
  return placed.map(({event: e}) => ({
    kind: e.kind,
    id: e.id,
    time: e.time,
    relativeSeconds: e.relativeSeconds,
    relative: e.relative,
    capture: e.capture,
    frame: e.frame,
    flowId: e.flowId,
    severity: e.severity,
    text: e.text,
    detail: e.detail,
  }))
}

/**
 * Each finding at the moment its evidence was complete: the time of its latest piece of evidence.
 * Evidence that names a frame without a time is dated from the facts and flows that name the same
 * frame. A finding with no dated evidence is placed at its flows' latest first packet, or at the
 * end of the capture.
 */
export function findingEvents(report: Report): DraftEvent[] {
  let frameTimes: Map<string, string> | undefined
  const timeOfFrame = (capture: number, frame: number) => (frameTimes ??= indexFrameTimes(report)).get(`${capture}:${frame}`)
  const flowById = new Map(report.flows.map((f) => [f.id, f]))
  const occurrences = new Map<string, number>()
  const out: DraftEvent[] = []
  for (const f of report.findings) {
    // Findings have no id: rule and endpoint name one, and the report's (stable) order tells
    // apart those that share both (one CA-META-001 per app, one CA-META-002 per organisation).
    const base = `finding:${f.ruleId}:${f.endpoint ?? ''}`
    const n = occurrences.get(base) ?? 0
    occurrences.set(base, n + 1)
    const when = latestEvidence(f, timeOfFrame) ?? latestFlowStart(f, flowById) ?? captureEnd(report)
    if (!when) continue
    out.push({
      kind: 'finding',
      id: n ? `${base}:${n}` : base,
      time: when.time,
      capture: when.capture,
      frame: when.frame,
      flowId: f.flowIds.length === 1 ? f.flowIds[0]! : null,
      severity: f.severity,
      text: `${f.ruleId} ${f.title}${f.endpoint ? `: ${f.endpoint}` : ''}${f.suppressed ? ' (suppressed)' : ''}`,
      detail: {
        ruleId: f.ruleId,
        title: f.title,
        detail: f.detail,
        endpoint: f.endpoint ?? null,
        flowIds: f.flowIds,
        evidence: f.evidence.length,
        suppressed: f.suppressed ?? null,
      },
    })
  }
  return out
}

interface Moment {
  time: string
  capture: number
  frame: number | null
}

function latestEvidence(f: Finding, timeOfFrame: (capture: number, frame: number) => string | undefined): Moment | undefined {
  let best: {moment: Moment; at: Instant} | undefined
  for (const e of f.evidence) {
    if (e.frame === undefined) continue
    const capture = e.capture ?? 0
    const time = e.time ?? timeOfFrame(capture, e.frame)
    const at = time ? parseInstant(time) : undefined
    if (!time || !at) continue
    const later = !best || compareInstants(at, best.at) > 0 || (compareInstants(at, best.at) === 0 && (capture > best.moment.capture || (capture === best.moment.capture && e.frame > best.moment.frame!)))
    if (later) best = {moment: {time, capture, frame: e.frame}, at}
  }
  return best?.moment
}

function latestFlowStart(f: Finding, flowById: Map<number, Report['flows'][number]>): Moment | undefined {
  let best: {moment: Moment; at: Instant} | undefined
  for (const id of f.flowIds) {
    const flow = flowById.get(id)
    const at = flow ? parseInstant(flow.firstTime) : undefined
    if (!flow || !at) continue
    if (!best || compareInstants(at, best.at) > 0) best = {moment: {time: flow.firstTime, capture: flow.capture, frame: flow.firstFrame}, at}
  }
  return best?.moment
}

function captureEnd(report: Report): Moment | undefined {
  const index = report.captures.length - 1
  const last = report.captures[index]?.lastTime
  return last ? {time: last, capture: index, frame: null} : undefined
}

/** Frame → time for every frame the flows and their facts name with a time (`{frame, capture, time}`). */
function indexFrameTimes(report: Report): Map<string, string> {
  const out = new Map<string, string>()
  const visit = (value: unknown, depth: number): void => {
    if (depth > 12 || value === null || typeof value !== 'object') return
    if (Array.isArray(value)) {
      for (const v of value) visit(v, depth + 1)
      return
    }
    const o = value as Record<string, unknown>
    if (typeof o['frame'] === 'number' && typeof o['time'] === 'string' && typeof o['capture'] === 'number') out.set(`${o['capture']}:${o['frame']}`, o['time'])
    for (const v of Object.values(o)) visit(v, depth + 1)
  }
  for (const flow of report.flows) {
    out.set(`${flow.capture}:${flow.firstFrame}`, flow.firstTime)
    visit(flow.protocols, 0)
  }
  return out
}
