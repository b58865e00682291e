import type {AppIdentification} from '../apps/index.js'
import type {FlowFacts} from '../analysis/flow-facts.js'
import type {Policy} from '../policy/policy.js'
import type {Finding, FindingEvidence, ReportEndpoint, ReportFlow, ReportVantage} from '../report/report-model.js'
import {ruleById} from './rules.js'
import type {Severity} from '../policy/policy.js'
import {flatText} from '../util/flat-text.js'

/** What the report knows when the checks run. */
export interface CheckInput {
  flows: readonly ReportFlow[]
  endpoints: readonly ReportEndpoint[]
  vantage: ReportVantage
  /** The policy in effect. Its home may be empty (none set or inferred): then only the countries
   * its lists name are judged (see judgeCountry). */
  policy: Policy
  identification: AppIdentification
  /** The capture filters the inputs were recorded with (pcapng if_filter), distinct: what they
   * left out was never recorded. Absent when none is known. */
  captureFilters?: readonly string[]
}

/**
 * Everything a check may look at. Checks are pure functions of it. Besides the input it holds
 * the flows grouped once for all checks (see `checkContext`): on a large capture most flows
 * carry no facts a given check reads, and every check walking all of them again was most of
 * the checks' cost.
 */
export interface CheckContext extends CheckInput {
  flowById: ReadonlyMap<number, ReportFlow>
  endpointByIp: ReadonlyMap<string, ReportEndpoint>
  /** Each endpoint's flows, by its address, in the order of its `flowIds`. */
  flowsByEndpoint: ReadonlyMap<string, readonly ReportFlow[]>
  /** The flows that carry protocol facts of any kind, in flow order. */
  flowsWithFacts: readonly ReportFlow[]
  /** The flows that carry facts of a protocol (a key of FlowFacts), in flow order. */
  flowsByProtocol: ReadonlyMap<string, readonly ReportFlow[]>
  /** The flows for which `isCallFlow` holds, in flow order. */
  callFlows: readonly ReportFlow[]
}

export type Check = (ctx: CheckContext) => Finding[]

/** The context of the checks: the input, and its flows grouped by id, endpoint, protocol and call role. */
export function checkContext(input: CheckInput): CheckContext {
  const flowById = new Map<number, ReportFlow>()
  const flowsWithFacts: ReportFlow[] = []
  const flowsByProtocol = new Map<string, ReportFlow[]>()
  const callFlows: ReportFlow[] = []
  // Indexed loops: this runs once per report over every flow, mostly unoptimised (where a
  // for-of allocates per element).
  const all = input.flows
  for (let i = 0; i < all.length; i++) {
    const flow = all[i]!
    flowById.set(flow.id, flow)
    if (isCallFlow(flow)) callFlows.push(flow)
    if (!flow.protocols) continue
    let any = false
    for (const protocol in flow.protocols) {
      any = true
      const list = flowsByProtocol.get(protocol)
      if (list) list.push(flow)
      else flowsByProtocol.set(protocol, [flow])
    }
    if (any) flowsWithFacts.push(flow)
  }
  const flowsByEndpoint = new Map<string, ReportFlow[]>()
  for (let i = 0; i < input.endpoints.length; i++) {
    const e = input.endpoints[i]!
    const flows: ReportFlow[] = []
    const ids = e.flowIds
    for (let j = 0; j < ids.length; j++) {
      const flow = flowById.get(ids[j]!)
      if (flow) flows.push(flow)
    }
    flowsByEndpoint.set(e.ip, flows)
  }
  return {...input, flowById, endpointByIp: new Map(input.endpoints.map((e) => [e.ip, e])), flowsByEndpoint, flowsWithFacts, flowsByProtocol, callFlows}
}

/** The flows of an endpoint of the context, in the order of its `flowIds`. */
export function flowsOf(ctx: CheckContext, e: ReportEndpoint): readonly ReportFlow[] {
  return ctx.flowsByEndpoint.get(e.ip) ?? []
}

/** The flows that carry `protocol`'s facts, in flow order. */
export function flowsWith(ctx: CheckContext, protocol: keyof FlowFacts): readonly ReportFlow[] {
  return ctx.flowsByProtocol.get(protocol) ?? []
}

/** Roles that carry the call itself: media, relays and the control channel (keys, meeting control). */
export const CALL_ROLES = new Set(['media', 'relay', 'control'])

/** Roles whose flows hold no call even when they name a conferencing app: a DNS lookup of a
 * meeting service's name, or a LAN discovery broadcast, happens without any call being made. */
export const LOOKUP_ROLES: ReadonlySet<string> = new Set(['dns', 'lan'])

/**
 * A flow of the call: its role is media, relay or control, or a conferencing app was identified
 * on it and it is more than a DNS lookup or LAN discovery (the app's web, telemetry or other
 * traffic). A capture of lookups alone names the app but holds no call.
 */
export function isCallFlow(flow: ReportFlow): boolean {
  return CALL_ROLES.has(flow.role) || (flow.app !== null && !LOOKUP_ROLES.has(flow.role))
}

/** Evidence items a finding keeps; checks that find more need not describe the rest. */
export const MAX_FINDING_EVIDENCE = 50

/** A finding of `ruleId` with the catalogue's title and remediation. It takes `evidence` and
 * its items as they are (descriptions are flattened in place). */
export function finding(ruleId: string, severity: Severity | undefined, detail: string, evidence: FindingEvidence[], flowIds: readonly number[], endpoint?: string): Finding {
  const rule = ruleById(ruleId)
  if (!rule) throw new Error(`internal: unknown rule ${ruleId}`)
  const kept = evidence.length > MAX_FINDING_EVIDENCE ? evidence.slice(0, MAX_FINDING_EVIDENCE) : evidence
  // Built by concatenation and kept to the end of the run: flattened (see flatText).
  for (const e of kept) e.description = flatText(e.description)
  // Keys in this order (the report shows them so); `endpoint` only when given, without a
  // spread of a new object per finding (tens of thousands on a large capture).
  const out = {
    ruleId,
    severity: severity ?? rule.severity,
    title: rule.title,
    detail: flatText(detail),
    evidence: kept,
    flowIds: ascendingUnique(flowIds),
  } as Finding
  if (endpoint !== undefined) out.endpoint = endpoint
  out.recommendation = rule.remediation
  return out
}

/** A new array of the ids, ascending and without repeats. Checks mostly list flows in flow
 * order, which is ascending already: that is seen in one pass, without a set and a sort. */
export function ascendingUnique(ids: readonly number[]): number[] {
  for (let i = 1; i < ids.length; i++) {
    if (!(ids[i - 1]! < ids[i]!)) return [...new Set(ids)].sort((a, b) => a - b)
  }
  return ids.slice()
}

/**
 * The names a finding without an endpoint is about (tenant names, names asked in clear, server
 * names sent in clear), kept beside the finding rather than in it (the report shows them in its
 * detail): a host suppression matching all of them suppresses it (runChecks).
 */
const findingNames = new WeakMap<Finding, readonly string[]>()

/** Record the names `f` is about; returns `f`. */
export function aboutNames(f: Finding, names: readonly string[]): Finding {
  findingNames.set(f, [...names])
  return f
}

/** The names recorded for `f` by aboutNames, or undefined. */
export function namesOf(f: Finding): readonly string[] | undefined {
  return findingNames.get(f)
}

/** Evidence naming a flow's first frame, for findings about whole flows. */
export function flowEvidence(flow: ReportFlow, description: string): FindingEvidence {
  return {description, frame: flow.firstFrame, capture: flow.capture, time: flow.firstTime, flowId: flow.id}
}

const graphemes = new Intl.Segmenter('en', {granularity: 'grapheme'})

/** Text in double quotes, JSON-escaped, cut to 117 UTF-16 units and `...` past 120. */
export function quote(text: string): string {
  if (text.length <= 120) return JSON.stringify(text)
  // Cut between grapheme clusters: half a surrogate pair (an emoji's) would be written \ud83d,
  // and a letter cut from its combining accent would change. (A first cluster longer than 117
  // units is cut at 117, between code points.)
  let end = 0
  for (const {segment, index} of graphemes.segment(text.slice(0, 118))) {
    if (index + segment.length > 117) break
    end = index + segment.length
  }
  if (end === 0) end = /[\ud800-\udbff]/.test(text[116]!) ? 116 : 117
  return JSON.stringify(`${text.slice(0, end)}...`)
}

/** Distinct values, each quoted, the first `max` of them and "and N more". */
export function quotedList(values: Iterable<string>, max: number): string {
  const all = [...new Set(values)]
  const shown = all.slice(0, max).map(quote).join(', ')
  return all.length > max ? `${shown} and ${all.length - max} more` : shown
}
