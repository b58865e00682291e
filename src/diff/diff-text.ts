/** Small phrases every diff renderer shares (plain text: each renderer escapes for its format). */
import {SEVERITIES} from '../policy/policy.js'
import type {CountryState, Diff, DiffSide} from './diff-model.js'

/** The mark of a change in tables: new, gone, changed, moved, same. */
export const MARK: Record<string, string> = {new: '+', gone: '-', changed: '~', moved: '>', same: ' '}

/** `2 critical, 1 medium, 1 suppressed`, most severe first, or `no findings`. */
export function findingCountsText(side: DiffSide): string {
  const parts = [...SEVERITIES].reverse().filter((s) => side.findings[s] > 0).map((s) => `${side.findings[s]} ${s}`)
  const text = parts.join(', ') || 'no findings'
  return side.suppressed ? `${text}, ${side.suppressed} suppressed` : text
}

export function shareText(state: CountryState | null): string {
  return state ? `${(state.share * 100).toFixed(1)}%` : '-'
}

/** `findings +2 ~1 -1 · countries +1 · endpoints +3 >1 -2 · apps +1`, or `no change`. */
export function changeSummary(diff: Diff): string {
  const s = diff.summary
  const part = (label: string, c: {new: number; gone: number; changed: number}, moved = 0) => {
    const bits = [c.new ? `+${c.new} new` : '', moved ? `${moved} moved` : '', c.changed ? `${c.changed} changed` : '', c.gone ? `-${c.gone} gone` : ''].filter(Boolean)
    return bits.length ? `${label} ${bits.join(' ')}` : ''
  }
  const parts = [
    part('findings', s.findings),
    part('suppressed', s.suppressed),
    part('countries', s.countries),
    part('endpoints', s.endpoints, s.endpoints.moved),
    part('apps', s.apps),
  ].filter(Boolean)
  return parts.join(' · ') || 'no change'
}
