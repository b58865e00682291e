/**
 * Database age: a database is stale when its build epoch is more than 90 days before the
 * analysis time, or more than 90 days before the capture it is used for; and it places the
 * servers of another time when it was built more than 90 days after the capture (an old call
 * audited with today's database: addresses change hands). "Now" is always a parameter so
 * outputs stay deterministic; commands take it from CALLAUDIT_NOW or the clock.
 */
import {InputError} from '../errors.js'

export const MAX_AGE_DAYS = 90
const DAY_MS = 86_400_000

export interface AgeWarning {
  database: string
  kind: 'older-than-analysis' | 'older-than-capture' | 'newer-than-capture'
  days: number
  message: string
}

/** Whole days from `from` to `to` (negative when `to` is earlier). */
export function daysBetween(from: Date, to: Date): number {
  return Math.floor((to.getTime() - from.getTime()) / DAY_MS)
}

export function ageWarnings(
  databases: ReadonlyArray<{id: string; buildEpoch: Date}>,
  now: Date,
  captureTime?: Date,
): AgeWarning[] {
  const warnings: AgeWarning[] = []
  for (const db of databases) {
    const built = db.buildEpoch.toISOString().slice(0, 10)
    const age = daysBetween(db.buildEpoch, now)
    if (age > MAX_AGE_DAYS) {
      warnings.push({database: db.id, kind: 'older-than-analysis', days: age, message: `${db.id}: built ${built}, ${age} days old (more than ${MAX_AGE_DAYS}); locations may have moved`})
    }
    if (captureTime) {
      const gap = daysBetween(db.buildEpoch, captureTime)
      if (gap > MAX_AGE_DAYS) {
        warnings.push({database: db.id, kind: 'older-than-capture', days: gap, message: `${db.id}: built ${built}, ${gap} days before the capture (more than ${MAX_AGE_DAYS})`})
      } else if (-gap > MAX_AGE_DAYS) {
        warnings.push({database: db.id, kind: 'newer-than-capture', days: -gap, message: `${db.id}: built ${built}, ${-gap} days after the capture (more than ${MAX_AGE_DAYS})`})
      }
    }
  }
  return warnings
}

/** The analysis time: CALLAUDIT_NOW (ISO 8601) when set, else the clock. */
export function analysisNow(env: Record<string, string | undefined>, clock: () => Date = () => new Date()): Date {
  const override = env['CALLAUDIT_NOW']
  if (override === undefined || override === '') return clock()
  const parsed = new Date(override)
  if (!/^\d{4}-\d{2}-\d{2}/.test(override) || Number.isNaN(parsed.getTime())) {
    throw new InputError(`CALLAUDIT_NOW: "${override}" is not an ISO 8601 date (e.g. 2026-06-30 or 2026-06-30T12:00:00Z)`)
  }
  return parsed
}
