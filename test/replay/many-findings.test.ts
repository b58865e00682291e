import {join} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import {eventsFromReport} from '../../src/replay/events-from-report.js'
import {FIXTURES} from '../helpers/paths.js'
import {analyzeFile, tempDirs} from './helpers.js'

const dirs = tempDirs()
afterAll(() => dirs.cleanup())

describe('replay events of a report with hundreds of thousands of findings', () => {
  it('makes one event per finding (a scan judged against a policy: one finding per address)', async () => {
    const report = await analyzeFile(join(FIXTURES, 'demo-jakarta-call.pcapng'), dirs.make())
    const base = report.findings.length
    expect(base).toBeGreaterThan(0)
    const finding = report.findings[0]!
    const extra = 200_000
    for (let i = 0; i < extra; i++) report.findings.push(finding)
    const events = eventsFromReport(report)
    const findingEvents = events.filter((e) => e.kind === 'finding')
    expect(findingEvents.length).toBeGreaterThanOrEqual(extra)
  }, 60_000)
})
