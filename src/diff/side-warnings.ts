/**
 * Warnings that tell the reader the comparison is not like for like: the two sides judged under
 * different policies or geolocated with different databases (a difference may then come from
 * the policy or the data, not the traffic), made by different callaudit versions, or a report
 * judged under another policy than the one given to the diff now.
 */
import type {Policy} from '../policy/policy.js'
import type {Report} from '../report/report-model.js'
import {compareText, sameSet, sortedUnique} from '../report/compare-text.js'
import {ANALYZERS_STOPPED_WARNING_START, EVICTION_WARNING_START} from '../flows/flows-report.js'

/** Country lists for a sentence: `none`, or up to 8 codes and how many more. */
export function codeList(codes: readonly string[]): string {
  const sorted = sortedUnique(codes)
  if (!sorted.length) return 'none'
  return sorted.length > 8 ? `${sorted.slice(0, 8).join(', ')} +${sorted.length - 8} more` : sorted.join(', ')
}

/** `DE, FR`, `ID (inferred)` or `none (not judged)`: the home a side was judged with. */
export function homeText(policy: Pick<Report['policy'], 'home' | 'homeState'>): string {
  if (policy.homeState === 'unjudged') return 'none (not judged)'
  return `${codeList(policy.home)}${policy.homeState === 'inferred' ? ' (inferred)' : ''}`
}

function suppressionTexts(policy: Report['policy']): string[] {
  return policy.suppressions.map((s) => `${s.match}: ${s.reason}`).sort(compareText)
}

function overrideTexts(policy: Report['policy']): string[] {
  return Object.entries(policy.severityOverrides).map(([rule, severity]) => `${rule}=${severity}`).sort(compareText)
}

/** Warnings about the two reports themselves. */
export function sideWarnings(before: Report, after: Report): string[] {
  const out: string[] = []
  const p = before.policy
  const q = after.policy
  const parts: string[] = []
  if (!sameSet(p.home, q.home) || (p.homeState === 'unjudged') !== (q.homeState === 'unjudged')) parts.push(`home ${homeText(p)} vs ${homeText(q)}`)
  if (!sameSet(p.allow, q.allow)) parts.push(`allow ${codeList(p.allow)} vs ${codeList(q.allow)}`)
  if (!sameSet(p.deny, q.deny)) parts.push(`deny ${codeList(p.deny)} vs ${codeList(q.deny)}`)
  if (!sameSet(suppressionTexts(p), suppressionTexts(q))) parts.push(`suppressions ${p.suppressions.length} vs ${q.suppressions.length}`)
  if (!sameSet(overrideTexts(p), overrideTexts(q))) parts.push(`severity overrides ${overrideTexts(p).join(', ') || 'none'} vs ${overrideTexts(q).join(', ') || 'none'}`)
  if (parts.length) out.push(`before and after were judged under different policies (${parts.join('; ')}): differences in verdicts and findings may come from the policy, not the traffic`)

  const dbs = (r: Report) => r.databases.map((d) => `${d.id} (${d.buildDate})`)
  if (dbs(before).join('\n') !== dbs(after).join('\n')) {
    out.push(`before and after were geolocated with different databases (before: ${dbs(before).join(', ') || 'none'}; after: ${dbs(after).join(', ') || 'none'}): a country change may come from the databases, not the traffic`)
  }
  if (before.tool.version !== after.tool.version) out.push(`before was made by callaudit ${before.tool.version} and after by ${after.tool.version}: rules and their wording may differ`)
  // A side that does not hold all of its capture (flows evicted, protocol facts stopped for
  // memory): what it lacks would show as gone or new.
  for (const [side, report] of [['before', before], ['after', after]] as const) {
    for (const w of report.summary.warnings) if (INCOMPLETE_SIDE.some((start) => w.startsWith(start))) out.push(`${side}: ${w}`)
  }
  return out
}

/** The beginnings of a report's warnings that say it does not hold all of its capture. */
const INCOMPLETE_SIDE = [EVICTION_WARNING_START, ANALYZERS_STOPPED_WARNING_START]

/**
 * A report side keeps the judgement it was made with. When the policy given to the diff (flags
 * or policy file) sets home, allow or deny differently, say so: the diff does not re-judge.
 */
export function reportPolicyWarning(input: string, report: Report, policy: Policy): string | undefined {
  const parts: string[] = []
  if (policy.source.home.from !== 'default' && !sameSet(policy.home, report.policy.home)) parts.push(`home ${homeText(report.policy)} where the policy given says ${codeList(policy.home)}`)
  if (policy.source.allow.from !== 'default' && !sameSet(policy.allow, report.policy.allow)) parts.push(`allow ${codeList(report.policy.allow)} where the policy given says ${codeList(policy.allow)}`)
  if (policy.source.deny.from !== 'default' && !sameSet(policy.deny, report.policy.deny)) parts.push(`deny ${codeList(report.policy.deny)} where the policy given says ${codeList(policy.deny)}`)
  if (!parts.length) return undefined
  return `${input} is a report judged with ${parts.join('; ')}: its judgement is used as it stands (analyse its capture again to judge it under this policy)`
}
