/**
 * Findings before and after, matched by identity (finding-identity.ts). Counted and suppressed
 * findings are compared as two separate lists: a suppressed finding is shown but never makes
 * the exit code. What fails: a counted finding at or above --fail-on that is new, or that was
 * below --fail-on (or suppressed) before and is at or above it now.
 */
import {failsPolicy, type FailOn, severityRank} from '../policy/policy.js'
import type {Finding, Report} from '../report/report-model.js'
import {compareText, sortedUnique} from '../report/compare-text.js'
import type {ChangeCounts, FindingChange, FindingState} from './diff-model.js'
import {findingIdentity} from './finding-identity.js'

const EVIDENCE_SHOWN = 3

interface Group {
  key: string
  ruleId: string
  title: string
  subject: string
  state: FindingState
}

function stateOf(f: Finding): FindingState {
  return {
    severity: f.severity,
    endpoints: f.endpoint === undefined ? [] : [f.endpoint],
    detail: f.detail,
    evidence: f.evidence.slice(0, EVIDENCE_SHOWN).map((e) => ({description: e.description, ...(e.frame !== undefined ? {frame: e.frame} : {}), ...(e.capture !== undefined ? {capture: e.capture} : {})})),
    ...(f.suppressed ? {suppressed: {reason: f.suppressed.reason, rule: f.suppressed.rule}} : {}),
  }
}

/** One group per identity; the most severe finding of a group gives its detail and evidence. */
function groupFindings(findings: readonly Finding[], report: Report, canonicalIp: (ip: string) => string): Map<string, Group> {
  const groups = new Map<string, Group>()
  // Addresses gathered per group, sorted once at the end: a name behind thousands of CDN
  // addresses makes one group of thousands.
  const addresses = new Map<string, Set<string>>()
  const ordered = [...findings].sort((a, b) => severityRank(b.severity) - severityRank(a.severity))
  for (const f of ordered) {
    const id = findingIdentity(f, report, canonicalIp)
    if (!groups.has(id.key)) {
      groups.set(id.key, {key: id.key, ruleId: f.ruleId, title: f.title, subject: id.subject, state: stateOf(f)})
      addresses.set(id.key, new Set())
    }
    if (f.endpoint !== undefined) addresses.get(id.key)!.add(f.endpoint)
  }
  for (const [key, ips] of addresses) groups.get(key)!.state.endpoints = sortedUnique(ips)
  return groups
}

export interface FindingDiff {
  findings: FindingChange[]
  suppressed: FindingChange[]
  findingCounts: ChangeCounts
  suppressedCounts: ChangeCounts
  newFailing: number
}

export function diffFindings(before: Report, after: Report, canonicalAfterIp: (ip: string) => string, failOn: FailOn): FindingDiff {
  const same = (ip: string) => ip
  const split = (report: Report, canonical: (ip: string) => string) => ({
    counted: groupFindings(report.findings.filter((f) => !f.suppressed), report, canonical),
    suppressed: groupFindings(report.findings.filter((f) => f.suppressed), report, canonical),
  })
  const b = split(before, same)
  const a = split(after, canonicalAfterIp)
  const fails = (g: Group | undefined) => g !== undefined && failsPolicy({failOn}, g.state.severity)

  const counted = compare(b.counted, a.counted, (key, was, now) => {
    if (now && !was) return {failing: fails(now), note: b.suppressed.has(key) ? 'suppressed before' : undefined}
    if (was && !now) return {failing: false, note: a.suppressed.has(key) ? 'suppressed now' : undefined}
    return {failing: fails(now) && !fails(was), note: undefined}
  })
  const suppressed = compare(b.suppressed, a.suppressed, (key, was, now) => ({
    failing: false,
    note: now && !was && b.counted.has(key) ? 'counted before' : was && !now && a.counted.has(key) ? 'counted now' : undefined,
  }))
  return {
    findings: counted.changes,
    suppressed: suppressed.changes,
    findingCounts: counted.counts,
    suppressedCounts: suppressed.counts,
    newFailing: counted.changes.filter((c) => c.failing).length,
  }
}

type Judge = (key: string, before: Group | undefined, after: Group | undefined) => {failing: boolean; note: string | undefined}

function compare(before: Map<string, Group>, after: Map<string, Group>, judge: Judge): {changes: FindingChange[]; counts: ChangeCounts} {
  const changes: FindingChange[] = []
  let unchanged = 0
  for (const key of sortedUnique([...before.keys(), ...after.keys()])) {
    const was = before.get(key)
    const now = after.get(key)
    const status = !was ? 'new' : !now ? 'gone' : was.state.severity !== now.state.severity ? 'changed' : undefined
    if (!status) {
      unchanged++
      continue
    }
    const shown = (now ?? was)!
    const {failing, note} = judge(key, was, now)
    changes.push({
      status,
      key,
      ruleId: shown.ruleId,
      title: shown.title,
      subject: shown.subject,
      before: was?.state ?? null,
      after: now?.state ?? null,
      failing,
      ...(note ? {note} : {}),
    })
  }
  changes.sort(compareFindingChanges)
  const count = (s: FindingChange['status']) => changes.filter((c) => c.status === s).length
  return {changes, counts: {new: count('new'), gone: count('gone'), changed: count('changed'), unchanged}}
}

const STATUS_ORDER: Record<FindingChange['status'], number> = {new: 0, changed: 1, gone: 2}

function compareFindingChanges(x: FindingChange, y: FindingChange): number {
  const severity = (c: FindingChange) => severityRank((c.after ?? c.before)!.severity)
  return STATUS_ORDER[x.status] - STATUS_ORDER[y.status] || Number(y.failing) - Number(x.failing) || severity(y) - severity(x) || compareText(x.ruleId, y.ruleId) || compareText(x.key, y.key)
}
