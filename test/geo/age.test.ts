import {describe, expect, it} from 'vitest'
import {ageWarnings, analysisNow, daysBetween} from '../../src/geo/age.js'

const db = {id: 'City', buildEpoch: new Date('2026-01-01T00:00:00Z')}

describe('database age', () => {
  it('warns only past 90 days at analysis time', () => {
    expect(ageWarnings([db], new Date('2026-04-01T00:00:00Z'))).toEqual([]) // 90 days
    const warnings = ageWarnings([db], new Date('2026-04-02T00:00:00Z'))
    expect(warnings).toEqual([{database: 'City', kind: 'older-than-analysis', days: 91, message: 'City: built 2026-01-01, 91 days old (more than 90); locations may have moved'}])
  })

  it('warns when the database predates the capture by more than 90 days', () => {
    const now = new Date('2026-01-10T00:00:00Z')
    expect(ageWarnings([db], now, new Date('2026-03-01T00:00:00Z'))).toEqual([])
    const w = ageWarnings([db], now, new Date('2026-06-01T00:00:00Z'))
    expect(w.map((x) => [x.kind, x.days])).toEqual([['older-than-capture', 151]])
  })

  it('warns when the database was built more than 90 days after the capture (an old call, today\'s database)', () => {
    const now = new Date('2026-01-10T00:00:00Z')
    expect(ageWarnings([db], now, new Date('2025-10-03T00:00:00Z'))).toEqual([]) // 90 days before the build
    const w = ageWarnings([db], now, new Date('2025-10-02T00:00:00Z'))
    expect(w.map((x) => [x.kind, x.days])).toEqual([['newer-than-capture', 91]])
  })

  it('takes the analysis time from CALLAUDIT_NOW, else the injected clock', () => {
    expect(analysisNow({CALLAUDIT_NOW: '2026-07-01'}).toISOString()).toBe('2026-07-01T00:00:00.000Z')
    expect(analysisNow({}, () => new Date(5)).getTime()).toBe(5)
    expect(() => analysisNow({CALLAUDIT_NOW: 'yesterday'})).toThrow(/CALLAUDIT_NOW: "yesterday" is not an ISO 8601 date/)
    expect(daysBetween(new Date('2026-01-02'), new Date('2026-01-01'))).toBe(-1)
  })
})
