/** Small phrases every diff renderer shares (plain text: each renderer escapes for its format). */
import {findingCountsText, sharePercent} from '../report/severity-text.js'
import type {CountryState, Diff, DiffSide} from './diff-model.js'

/** The mark of a change in tables: new, gone, changed, moved, same. */
export const MARK: Record<string, string> = {new: '+', gone: '-', changed: '~', moved: '>', same: ' '}

/** `2 critical, 1 medium, 1 suppressed`, most severe first, or `no findings`. */
export function sideCountsText(side: DiffSide): string {
  return findingCountsText(side.findings, side.suppressed)
}

export function shareText(state: CountryState | null): string {
  return state ? sharePercent(state.share) : '-'
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
