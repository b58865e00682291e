import {SEVERITIES, type Severity} from '../policy/policy.js'

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
