/**
 * Two Reports → one Diff: sides, countries, endpoints, apps and findings, and the exit code.
 * Pure and deterministic; the command only loads the sides and renders.
 */
import {type FailOn, SEVERITIES, type Severity} from '../policy/policy.js'
import type {CountryShare, Report} from '../report/report-model.js'
import {compareText, sortedUnique} from '../report/compare-text.js'
import type {AppChange, ChangeCounts, CountryChange, CountryState, Diff, DiffSide} from './diff-model.js'
import {diffEndpoints} from './endpoint-diff.js'
import {diffFindings} from './finding-diff.js'
import {sideWarnings} from './side-warnings.js'

export interface DiffInput {
  /** As given on the command line. */
  input: string
  kind: 'report' | 'capture'
  report: Report
}

export interface DiffOptions {
  failOn: FailOn
  toolVersion: string
  /** Warnings found while loading the sides (e.g. a report judged under another policy). */
  warnings?: string[]
}

export function diffReports(before: DiffInput, after: DiffInput, options: DiffOptions): Diff {
  const endpoints = diffEndpoints(before.report, after.report)
  const findings = diffFindings(before.report, after.report, (ip) => endpoints.canonical.get(ip) ?? ip, options.failOn)
  const countries = diffCountries(before.report.summary.countries, after.report.summary.countries)
  const apps = diffApps(before.report, after.report)
  const countryCounts = counts(countries.map((c) => c.status), countries.filter((c) => c.status === 'same').length)
  const appCounts = counts(apps.changes.map((c) => c.status), apps.unchanged)
  const exitCode = findings.newFailing > 0 ? 1 : 0
  const sections: ChangeCounts[] = [findings.findingCounts, findings.suppressedCounts, countryCounts, endpoints.counts, appCounts]
  const empty = sections.every((c) => c.new + c.gone + c.changed === 0) && endpoints.counts.moved === 0
  return {
    schemaVersion: 1,
    tool: {name: 'callaudit', version: options.toolVersion},
    kind: 'diff',
    failOn: options.failOn,
    before: side(before),
    after: side(after),
    warnings: [...(options.warnings ?? []), ...sideWarnings(before.report, after.report)],
    summary: {
      empty,
      exitCode,
      newFailing: findings.newFailing,
      findings: findings.findingCounts,
      suppressed: findings.suppressedCounts,
      countries: countryCounts,
      endpoints: endpoints.counts,
      apps: appCounts,
    },
    countries,
    endpoints: endpoints.changes,
    apps: apps.changes,
    findings: findings.findings,
    suppressed: findings.suppressed,
  }
}

function side(s: DiffInput): DiffSide {
  const r = s.report
  const counted = r.findings.filter((f) => !f.suppressed)
  return {
    input: s.input,
    kind: s.kind,
    captures: r.captures.map((c) => c.path),
    toolVersion: r.tool.version,
    policy: {home: [...r.policy.home], homeState: r.policy.homeState, allow: [...r.policy.allow], deny: [...r.policy.deny]},
    databases: r.databases.map((d) => `${d.id} (${d.buildDate})`),
    vantage: {country: r.vantage.country, publicAddresses: r.vantage.publicAddresses.map((p) => p.ip)},
    verdict: r.summary.verdict === 'fail' ? 'fail' : 'pass',
    // Recounted from the findings rather than trusted from the summary: a report is input.
    findings: Object.fromEntries(SEVERITIES.map((sev) => [sev, counted.filter((f) => f.severity === sev).length])) as Record<Severity, number>,
    suppressed: r.findings.length - counted.length,
  }
}

function countryState(c: CountryShare): CountryState {
  return {bytes: c.bytes, share: c.share, endpoints: c.endpoints, roles: [...c.roles], verdict: c.verdict}
}

/** Every country of either side, by ISO code: new, gone, changed (verdict) or the same. */
function diffCountries(before: readonly CountryShare[], after: readonly CountryShare[]): CountryChange[] {
  const b = new Map(before.map((c) => [c.country, c]))
  const a = new Map(after.map((c) => [c.country, c]))
  const out: CountryChange[] = sortedUnique([...b.keys(), ...a.keys()]).map((country) => {
    const was = b.get(country)
    const now = a.get(country)
    const status = !was ? 'new' : !now ? 'gone' : was.verdict !== now.verdict ? 'changed' : 'same'
    return {country, status, before: was ? countryState(was) : null, after: now ? countryState(now) : null}
  })
  const order = {new: 0, changed: 1, gone: 2, same: 3}
  const bytes = (c: CountryChange) => (c.after ?? c.before)!.bytes
  return out.sort((x, y) => order[x.status] - order[y.status] || bytes(y) - bytes(x) || compareText(x.country, y.country))
}

function diffApps(before: Report, after: Report): {changes: AppChange[]; unchanged: number} {
  const b = new Map(before.apps.map((x) => [x.app, x]))
  const a = new Map(after.apps.map((x) => [x.app, x]))
  const changes: AppChange[] = []
  let unchanged = 0
  for (const app of sortedUnique([...b.keys(), ...a.keys()])) {
    const was = b.get(app)
    const now = a.get(app)
    const status = !was ? 'new' : !now ? 'gone' : was.confidence !== now.confidence ? 'changed' : undefined
    if (!status) {
      unchanged++
      continue
    }
    changes.push({app, displayName: (now ?? was)!.displayName, status, before: was ? {confidence: was.confidence} : null, after: now ? {confidence: now.confidence} : null})
  }
  const order = {new: 0, changed: 1, gone: 2}
  return {changes: changes.sort((x, y) => order[x.status] - order[y.status] || compareText(x.app, y.app)), unchanged}
}

function counts(statuses: readonly string[], unchanged: number): ChangeCounts {
  const n = (s: string) => statuses.filter((x) => x === s).length
  return {new: n('new'), gone: n('gone'), changed: n('changed'), unchanged}
}
