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

/** Each report's tenants indexed for tenantOf, built once: a report of 100 000 organisations
 * named has as many CA-META-002 findings, and a search of the tenants per finding was 10^10 steps. */
interface TenantIndex {
  /** Sorted distinct flow ids joined with commas → the first tenant (report order) with them. */
  byFlows: Map<string, number>
  /** `"org"` as JSON → the first tenant naming it. */
  byQuotedOrg: Map<string, number>
}

const tenantIndexes = new WeakMap<Report, TenantIndex>()

function tenantIndex(report: Report): TenantIndex {
  let index = tenantIndexes.get(report)
  if (!index) {
    index = {byFlows: new Map(), byQuotedOrg: new Map()}
    report.tenants.forEach((t, i) => {
      const flows = [...new Set(t.flowIds)].sort((a, b) => a - b).join(',')
      if (!index!.byFlows.has(flows)) index!.byFlows.set(flows, i)
      const quoted = JSON.stringify(t.org)
      if (!index!.byQuotedOrg.has(quoted)) index!.byQuotedOrg.set(quoted, i)
    })
    tenantIndexes.set(report, index)
  }
  return index
}

/** `organisation "…"` in a finding's text, the quoted part as JSON writes a string. */
const QUOTED_ORGANISATION = /organisation ("(?:[^"\\]|\\.)*")/g

/** The organisation the finding names: the tenant with the same flows, else the first tenant
 * (in report order) quoted in the detail as `organisation "org"`. */
function tenantOf(f: Finding, report: Report): Report['tenants'][number] | undefined {
  const index = tenantIndex(report)
  const byFlows = index.byFlows.get(f.flowIds.join(','))
  if (byFlows !== undefined) return report.tenants[byFlows]
  let first: number | undefined
  for (const m of f.detail.matchAll(QUOTED_ORGANISATION)) {
    const i = index.byQuotedOrg.get(m[1]!)
    if (i !== undefined && (first === undefined || i < first)) first = i
  }
  return first === undefined ? undefined : report.tenants[first]
}
