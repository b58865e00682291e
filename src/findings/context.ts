import type {AppIdentification} from '../apps/index.js'
import type {Policy} from '../policy/policy.js'
import type {Finding, FindingEvidence, ReportEndpoint, ReportFlow, ReportVantage} from '../report/report-model.js'
import {ruleById} from './rules.js'
import type {Severity} from '../policy/policy.js'
import {flatText} from '../util/flat-text.js'

/** Everything a check may look at. Checks are pure functions of it. */
export interface CheckContext {
  flows: readonly ReportFlow[]
  flowById: ReadonlyMap<number, ReportFlow>
  endpoints: readonly ReportEndpoint[]
  endpointByIp: ReadonlyMap<string, ReportEndpoint>
  vantage: ReportVantage
  /** The policy with home set or inferred; undefined when countries are not judged. */
  policy: Policy | undefined
  identification: AppIdentification
  /** Evidence for a packet: capture index and frame → ISO time is already in the facts. */
}

export type Check = (ctx: CheckContext) => Finding[]

/** Roles that carry the call itself: media, relays and the control channel (keys, meeting control). */
export const CALL_ROLES = new Set(['media', 'relay', 'control'])

export function isCallFlow(flow: ReportFlow): boolean {
  return CALL_ROLES.has(flow.role) || flow.app !== null
}

/** A finding of `ruleId` with the catalogue's title and remediation. */
export function finding(ruleId: string, severity: Severity | undefined, detail: string, evidence: FindingEvidence[], flowIds: number[], endpoint?: string): Finding {
  const rule = ruleById(ruleId)
  if (!rule) throw new Error(`internal: unknown rule ${ruleId}`)
  const ids = [...new Set(flowIds)].sort((a, b) => a - b)
  const kept = evidence.slice(0, 50)
  // Built by concatenation and kept to the end of the run: flattened (see flatText).
  for (const e of kept) e.description = flatText(e.description)
  return {
    ruleId,
    severity: severity ?? rule.severity,
    title: rule.title,
    detail: flatText(detail),
    evidence: kept,
    flowIds: ids,
    ...(endpoint === undefined ? {} : {endpoint}),
    recommendation: rule.remediation,
  }
}

/** Evidence naming a flow's first frame, for findings about whole flows. */
export function flowEvidence(flow: ReportFlow, description: string): FindingEvidence {
  return {description, frame: flow.firstFrame, capture: flow.capture, time: flow.firstTime, flowId: flow.id}
}

export function quote(text: string): string {
  return JSON.stringify(text.length > 120 ? `${text.slice(0, 117)}...` : text)
}
