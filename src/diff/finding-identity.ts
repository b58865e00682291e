/**
 * The stable identity of a finding across two runs. Frame numbers, flow ids and byte counts
 * change every time a call is recorded, so they never take part. What stays is the rule and
 * what the finding is about:
 *   - a finding about one endpoint: the rule and that endpoint's address, where an address that
 *     moved (endpoint-diff.ts) is taken as the address it moved from;
 *   - CA-META-001 (one per app): the rule and the app;
 *   - CA-META-002 (one per organisation named): the rule, the app and the organisation;
 *   - every other rule is about the call as a whole (one finding per report): the rule alone.
 * Several findings of one side with the same identity are taken together (worst severity).
 */
import type {Finding, Report} from '../report/report-model.js'

export interface FindingIdentity {
  key: string
  /** For the reader: `149.137.41.57 (zoomsg41mmr.sg.zoom.us)`, `app Zoom`, `organisation "x" (zoom)`. */
  subject: string
}

/** The subject of findings about the call as a whole. */
export const CALL_SUBJECT = 'the call'

/** Rules whose findings without an endpoint are one per app or per organisation. */
const PER_APP = new Set(['CA-META-001'])
const PER_ORGANISATION = new Set(['CA-META-002'])

/** Each report's first endpoint name by address, built once (a report may have thousands of both). */
const firstNames = new WeakMap<Report, Map<string, string | undefined>>()

function firstNameOf(report: Report, ip: string): string | undefined {
  let names = firstNames.get(report)
  if (!names) {
    names = new Map()
    // The first endpoint with an address wins, as a search from the start would find it.
    for (const e of report.endpoints) if (!names.has(e.ip)) names.set(e.ip, e.names[0])
    firstNames.set(report, names)
  }
  return names.get(ip)
}

export function findingIdentity(f: Finding, report: Report, canonicalIp: (ip: string) => string): FindingIdentity {
  if (f.endpoint !== undefined) {
    const name = firstNameOf(report, f.endpoint)
    return {key: `${f.ruleId} @ ${canonicalIp(f.endpoint)}`, subject: name ? `${f.endpoint} (${name})` : f.endpoint}
  }
  if (PER_APP.has(f.ruleId)) {
    const app = appOf(f, report)
    if (app) return {key: `${f.ruleId} app ${app.app}`, subject: `app ${app.displayName}`}
  }
  if (PER_ORGANISATION.has(f.ruleId)) {
    const tenant = tenantOf(f, report)
    if (tenant) return {key: `${f.ruleId} organisation ${tenant.app}/${tenant.org}`, subject: `organisation ${JSON.stringify(tenant.org)} (${tenant.app})`}
  }
  return {key: f.ruleId, subject: CALL_SUBJECT}
}

/** The app whose DNS-query name evidence covers the finding's flows (how CA-META-001 is built). */
function appOf(f: Finding, report: Report): Report['apps'][number] | undefined {
  return report.apps.find((app) => {
    const flows = new Set(app.evidence.filter((e) => e.kind === 'name' && e.via?.includes('dns-query')).flatMap((e) => e.flowIds ?? []))
    return f.flowIds.length > 0 && f.flowIds.every((id) => flows.has(id))
  })
}

/** The organisation the finding names: the tenant with the same flows, else one quoted in the detail. */
function tenantOf(f: Finding, report: Report): Report['tenants'][number] | undefined {
  const ids = f.flowIds.join(',')
  return (
    report.tenants.find((t) => [...new Set(t.flowIds)].sort((a, b) => a - b).join(',') === ids) ??
    report.tenants.find((t) => f.detail.includes(`organisation ${JSON.stringify(t.org)}`))
  )
}
