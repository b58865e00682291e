import {SEVERITIES, type Severity} from '../../policy/policy.js'
import type {Finding, Report} from '../report-model.js'

export {SEVERITIES_DESC} from '../severity-text.js'

const RANK: ReadonlyMap<string, number> = new Map(SEVERITIES.map((s, i) => [s, i]))

/** The endpoint addresses a finding is about: its `endpoint` and the far end of each of its flows. */
function affectedEndpoints(finding: Finding, endpointByFlow: ReadonlyMap<number, string>): Set<string> {
  const out = new Set<string>()
  if (finding.endpoint) out.add(finding.endpoint)
  for (const id of finding.flowIds) {
    const ip = endpointByFlow.get(id)
    if (ip !== undefined) out.add(ip)
  }
  return out
}

/**
 * The worst severity of the counted (not suppressed) findings affecting each endpoint, by
 * address. An endpoint no finding touches is absent. Suppressed findings are kept in the report
 * for the record but do not colour the map, as they do not count towards the verdict.
 */
export function worstSeverityByEndpoint(report: Report): Map<string, Severity> {
  const endpointByFlow = new Map<number, string>()
  for (const e of report.endpoints) for (const id of e.flowIds) endpointByFlow.set(id, e.ip)
  const worst = new Map<string, Severity>()
  for (const finding of report.findings) {
    if (finding.suppressed) continue
    const rank = RANK.get(finding.severity)
    if (rank === undefined) continue
    for (const ip of affectedEndpoints(finding, endpointByFlow)) {
      const current = worst.get(ip)
      if (current === undefined || rank > RANK.get(current)!) worst.set(ip, finding.severity)
    }
  }
  return worst
}
