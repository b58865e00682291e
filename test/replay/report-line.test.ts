import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {jsonLine, renderReportJson, reportJsonLinePieces} from '../../src/replay/render-events.js'
import {reportForJson} from '../../src/report/report-json.js'
import type {Report} from '../../src/report/report-model.js'
import {writeHostileCall} from '../support/hostile-call.js'
import {FIXTURES} from '../helpers/paths.js'
import {join} from 'node:path'
import {analyzeFile, tempDirs} from './helpers.js'

const dirs = tempDirs()
afterAll(() => dirs.cleanup())

/** The report line as it was made before it was streamed: one JSON.stringify of the whole. */
function wholeLine(report: Report, detail: boolean): string {
  return jsonLine({kind: 'report', report: reportForJson(report, {detail})})
}

describe('the report line of replay --json', () => {
  let demo: Report
  let hostile: Report
  beforeAll(async () => {
    demo = await analyzeFile(join(FIXTURES, 'demo-jakarta-call.pcapng'), dirs.make())
    const dir = dirs.make()
    hostile = await analyzeFile(writeHostileCall(dir).path, dir)
  })

  it('is the JSON of {kind, report} on one line, with and without the protocol facts', () => {
    for (const report of [demo, hostile]) {
      for (const detail of [false, true]) {
        const line = renderReportJson(report, {detail})
        expect(line).toBe(wholeLine(report, detail))
        expect(line.indexOf('\n')).toBe(line.length - 1)
      }
    }
    // A report read back from JSON (its flows not built by the analysis) is written the same way.
    const readBack = JSON.parse(JSON.stringify(demo)) as Report
    for (const detail of [false, true]) expect(renderReportJson(readBack, {detail})).toBe(wholeLine(readBack, detail))
  })

  it('comes in pieces of about a mebibyte when the report is large', () => {
    const big = structuredClone(demo)
    for (let i = 0; i < 4000; i++) big.flows.push({...structuredClone(demo.flows[i % demo.flows.length]!), id: 100_000 + i})
    const pieces = [...reportJsonLinePieces(big)]
    expect(pieces.length).toBeGreaterThan(2)
    expect(pieces.join('')).toBe(wholeLine(big, false))
  })
})
