import {type CountryLists, namesCountries, SEVERITIES, type Severity} from '../policy/policy.js'
import type {ReportPolicy} from './report-model.js'
import {compareText} from './compare-text.js'

/** Most severe first: the order findings are listed and counted in by every renderer. */
export const SEVERITIES_DESC: readonly Severity[] = [...SEVERITIES].reverse()

/**
 * `2 critical, 1 medium`, most severe first, or `no findings`; with `suppressed`, `, 1 suppressed`
 * after it. Plain text: each renderer escapes it for its format (it holds no capture text).
 */
export function findingCountsText(findings: Readonly<Partial<Record<Severity, number>>>, suppressed = 0): string {
  const counts = SEVERITIES_DESC.filter((k) => (findings[k] ?? 0) > 0).map((k) => `${findings[k]} ${k}`).join(', ') || 'no findings'
  return suppressed ? `${counts}, ${suppressed} suppressed` : counts
}

/** A share in [0, 1] as a percentage with one decimal, `12.5%` (the HTML page spaces its own). */
export function sharePercent(share: number): string {
  return `${(share * 100).toFixed(1)}%`
}

/**
 * Findings a document for people (terminal, HTML, Markdown) shows in full, most severe first. A capture
 * with thousands of endpoints abroad gives thousands of findings of one rule, which no reader
 * pages through; beyond this the document counts them per rule and points to the JSON report.
 */
export const MAX_FINDINGS_SHOWN = 1000

/** `CA-GEO-001 ×20, CA-GEO-004 ×3`: findings counted per rule, rules in order. */
export function countsByRule(findings: ReadonlyArray<{ruleId: string}>): string {
  const byRule = new Map<string, number>()
  for (const f of findings) byRule.set(f.ruleId, (byRule.get(f.ruleId) ?? 0) + 1)
  return [...byRule].sort(([a], [b]) => compareText(a, b)).map(([rule, n]) => `${rule} ×${n}`).join(', ')
}

/**
 * After the verdict, when no home jurisdiction was given or could be inferred: a PASS then says
 * nothing about where the traffic went, except to the countries deny and allow name (they are
 * still judged), which a CI log or a briefing quoting the banner must show. Plain text, no
 * capture text.
 */
export function unjudgedText(policy: Pick<ReportPolicy, 'homeState'> & CountryLists): string | undefined {
  if (policy.homeState !== 'unjudged') return undefined
  return `${namesCountries(policy) ? 'only countries in deny/allow judged' : 'countries not judged'} (no home given or inferred: --home CC)`
}

/** What "no home" meant for the judgement: `countries are reported, not judged`, or that only
 * the countries deny and allow name were judged. */
export function noHomeText(policy: CountryLists): string {
  return namesCountries(policy) ? 'only the countries deny and allow name are judged' : 'countries are reported, not judged'
}

/** What the verdict banner says beside the counts when the report covers less than was asked. */
export function unreadText(exitCode: number): string | undefined {
  return exitCode === 2 ? 'not every input could be read (see the warnings)' : undefined
}
