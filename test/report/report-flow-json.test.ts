import {Buffer} from 'node:buffer'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import {analyzeCaptures} from '../../src/analysis/analyze.js'
import {jsonText, safeJsonStringify} from '../../src/report/json-text.js'
import {JsonBytes} from '../../src/report/json-bytes.js'
import {isBuiltFlowList, reportFlowBytes} from '../../src/report/report-flow-json.js'
import {reportForJson, reportJsonText} from '../../src/report/report-json.js'
import type {Report, ReportFlow} from '../../src/report/report-model.js'
import {writeHostileCall} from '../support/hostile-call.js'
import {corpusFiles, corpusPath, FIXTURES, HAVE_CORPUS} from '../helpers/paths.js'

const GEO = {dbPaths: [], dirs: [], env: {}, systemDirs: false as const, useEmbedded: true}
const dir = mkdtempSync(join(tmpdir(), 'callaudit-flowjson-'))
afterAll(() => rmSync(dir, {recursive: true, force: true}))

async function reportOf(path: string): Promise<Report> {
  return (await analyzeCaptures({paths: [path], geo: GEO, policy: {}, cwd: dir, toolVersion: 'test'})).report
}

function withoutFacts(flow: ReportFlow): ReportFlow {
  const {protocols: _facts, ...rest} = flow
  return rest
}

/** Each flow's hand-written JSON, one per line (JSON text holds no raw line break). */
function handWritten(flows: readonly ReportFlow[], withProtocols: boolean): string[] {
  const out = new JsonBytes()
  for (const flow of flows) {
    reportFlowBytes(out, flow, withProtocols)
    out.byte(10)
  }
  return Buffer.concat(out.take()).toString('utf8').split('\n').slice(0, -1)
}

/** The hand-written text of every flow against safeJsonStringify of the same object. */
function expectSameFlows(report: Report, label: string): number {
  expect(isBuiltFlowList(report.flows), label).toBe(true)
  const withFacts = handWritten(report.flows, true)
  const without = handWritten(report.flows, false)
  expect(withFacts.length, label).toBe(report.flows.length)
  report.flows.forEach((flow, i) => {
    const expectedWith = safeJsonStringify(flow)!
    const expectedWithout = safeJsonStringify(withoutFacts(flow))!
    // One expect per mismatch only: 100 k passing expects would cost more than the comparison.
    if (withFacts[i] !== expectedWith) expect(withFacts[i], `${label} flow ${flow.id}`).toBe(expectedWith)
    if (without[i] !== expectedWithout) expect(without[i], `${label} flow ${flow.id}`).toBe(expectedWithout)
  })
  return report.flows.length
}

describe('report flows written by hand', () => {
  it('are safeJsonStringify of the flow on the demo calls and a call full of hostile names', async () => {
    const hostile = writeHostileCall(dir)
    for (const path of [join(FIXTURES, 'demo-jakarta-call.pcapng'), join(FIXTURES, 'demo-call.pcapng'), join(FIXTURES, 'tunnels.pcap'), join(FIXTURES, 'ipv4-options-frags.pcap'), hostile.path]) {
      const report = await reportOf(path)
      expect(expectSameFlows(report, path)).toBeGreaterThan(0)
      // The whole report too, with and without the facts, against the generic writer.
      expect(reportJsonText(report)).toBe(jsonText(reportForJson(report)))
      expect(reportJsonText(report, {detail: true})).toBe(jsonText(report))
    }
  })

  it('a flow list not built by the analysis (e.g. read back from a file) goes through the generic writer', async () => {
    const report = await reportOf(join(FIXTURES, 'demo-jakarta-call.pcapng'))
    // Same flows, keys in another order: the text must follow the objects, not the layout.
    const reordered = report.flows.map((f) => Object.fromEntries(Object.entries(f).reverse()) as unknown as ReportFlow)
    const copy: Report = {...report, flows: reordered}
    expect(isBuiltFlowList(copy.flows)).toBe(false)
    expect(reportJsonText(copy)).toBe(jsonText(reportForJson(copy)))
    expect(reportJsonText(copy)).not.toBe(reportJsonText(report))
  })

  // Every third capture of the corpus: IPv6, tunnels, fragments, every TCP state, names from
  // real traffic in role reasons.
  it.skipIf(!HAVE_CORPUS)('are safeJsonStringify of the flow on real captures', async () => {
    let flows = 0
    for (const [i, name] of corpusFiles().entries()) {
      if (i % 3 !== 0) continue
      flows += expectSameFlows(await reportOf(corpusPath(name)), name)
    }
    expect(flows).toBeGreaterThan(1_000)
  }, 600_000)
})
