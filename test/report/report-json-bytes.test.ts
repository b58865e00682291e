import {Buffer} from 'node:buffer'
import {readdirSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {analyzeCaptures} from '../../src/analysis/analyze.js'
import {jsonText} from '../../src/report/json-text.js'
import {isBuiltFlowList, markBuiltFlowList} from '../../src/report/report-flow-json.js'
import {reportForJson, reportJsonBytes, type ReportJsonOptions} from '../../src/report/report-json.js'
import type {Report, ReportFlow} from '../../src/report/report-model.js'
import {FIXTURES} from '../helpers/paths.js'
import {tempDir} from '../helpers/temp-dir.js'
import {assertNeutralised, HOSTILE, writeHostileCall} from '../support/hostile-call.js'

const GEO = {dbPaths: [], dirs: [], env: {}, systemDirs: false as const, useEmbedded: true}
const dir = tempDir('callaudit-jsonbytes-')

async function reportOf(path: string): Promise<Report> {
  return (await analyzeCaptures({paths: [path], geo: GEO, policy: {}, cwd: dir, toolVersion: 'test'})).report
}

/** reportJsonBytes decoded chunk by chunk: a chunk that split a character would not decode back. */
function bytesText(report: Report, options: ReportJsonOptions): {text: string; chunks: number} {
  const chunks = [...reportJsonBytes(report, options)]
  return {text: chunks.map((c) => Buffer.from(c).toString('utf8')).join(''), chunks: chunks.length}
}

/** The generic string writer: jsonText (safeJsonStringify per element) of the report as its JSON shows it. */
function stringWriterText(report: Report, options: ReportJsonOptions): string {
  return jsonText(reportForJson(report, options))
}

const MODES: ReportJsonOptions[] = [{}, {detail: true}]

// Untrusted text as it could reach a flow's fields: terminal escapes (CSI, OSC 8, C1), DEL, line
// and paragraph separators, bidi overrides and isolates, zero-width and BOM, quotes and
// backslashes, and plain non-ASCII names (accents, CJK, an astral character).
const HOSTILE_TEXTS = [
  `${HOSTILE.ansiCsi} ${HOSTILE.oscLink} ${HOSTILE.c1} del\x7f`,
  'line\u2028sep\u2029para \u202eevil.exe\u202c \u2066iso\u2069 zero\u200bwidth \ufeffbom',
  'café Zürich 北京 𝄞 "quoted" back\\slash tab\t nl\n',
]

describe('analyze --json as bytes (reportJsonBytes) against the string writer', () => {
  const captures = readdirSync(FIXTURES).filter((name) => /\.(pcap|pcapng)(\.gz)?$/.test(name)).sort()

  it('is the same text on every fixture capture, with and without --detail', async () => {
    expect(captures.length).toBeGreaterThan(30)
    let flows = 0
    for (const name of captures) {
      const report = await reportOf(join(FIXTURES, name))
      // The hand-written flows are what is tested: the analysis marks its flow list.
      expect(isBuiltFlowList(report.flows), name).toBe(true)
      flows += report.flows.length
      for (const options of MODES) expect(bytesText(report, options).text, `${name} ${JSON.stringify(options)}`).toBe(stringWriterText(report, options))
    }
    expect(flows).toBeGreaterThan(100)
  })

  it('is the same text on a call full of hostile names, neutralised', async () => {
    const call = writeHostileCall(dir)
    const report = await reportOf(call.path)
    for (const options of MODES) {
      const {text} = bytesText(report, options)
      expect(text).toBe(stringWriterText(report, options))
      assertNeutralised('json', text, call.hostile)
    }
  })

  it('writes hostile text in flows\' fields as safeJsonStringify does: escaped, and read back unchanged', async () => {
    const report = await reportOf(join(FIXTURES, 'link-pktap.pcap'))
    expect(report.flows.length).toBeGreaterThan(2)
    // Every capture-derived string field of a flow; the texts repeat across flows (the writer
    // memoises role reasons and app labels). Fields are replaced where the flow has them, so its
    // keys keep the order the analysis gives them.
    report.flows.forEach((flow, i) => {
      const text = HOSTILE_TEXTS[i % HOSTILE_TEXTS.length]!
      flow.roleReason = text
      flow.app = i % 4 === 3 ? null : HOSTILE_TEXTS[(i + 1) % HOSTILE_TEXTS.length]!
      if (flow.process) flow.process = {pid: 100 + i, name: text, effectivePid: 7, effectiveName: HOSTILE_TEXTS[(i + 2) % HOSTILE_TEXTS.length]!}
      if (flow.protocols) flow.protocols = {...flow.protocols, hostile: {name: text, names: HOSTILE_TEXTS}}
    })
    expect(report.flows.filter((f) => f.process).length).toBeGreaterThan(2)
    expect(report.flows.filter((f) => f.protocols).length).toBeGreaterThan(2)
    expect(isBuiltFlowList(report.flows)).toBe(true)
    for (const options of MODES) {
      const {text} = bytesText(report, options)
      expect(text).toBe(stringWriterText(report, options))
      assertNeutralised('json', text, [...HOSTILE_TEXTS, HOSTILE.ansiCsi, HOSTILE.c1])
      for (const raw of ['\u2028', '\u2029', '\u202e', '\u2066', '\u200b', '\ufeff', '\x7f', '\u009b']) expect(text, JSON.stringify(raw)).not.toContain(raw)
      expect(text).toContain('café Zürich 北京 𝄞')
      const back = JSON.parse(text) as Report
      back.flows.forEach((flow, i) => {
        expect(flow.roleReason).toBe(report.flows[i]!.roleReason)
        expect(flow.app).toBe(report.flows[i]!.app)
        expect(flow.process).toEqual(report.flows[i]!.process)
        expect(flow.protocols).toEqual(options.detail ? report.flows[i]!.protocols : undefined)
      })
    }
  })

  it('hands out chunks of whole UTF-8 text on a report of many mebibytes', async () => {
    const report = await reportOf(join(FIXTURES, 'demo-jakarta-call.pcapng'))
    report.flows.forEach((flow, i) => {
      flow.roleReason = `${HOSTILE_TEXTS[i % HOSTILE_TEXTS.length]!} ${'é𝄞'.repeat(i % 50)}`
    })
    // The same flow objects many times over: still the layout the analysis builds.
    const flows: ReportFlow[] = Array.from({length: Math.ceil(20_000 / report.flows.length)}, () => report.flows).flat()
    markBuiltFlowList(flows)
    const big: Report = {...report, flows}
    for (const options of MODES) {
      const {text, chunks} = bytesText(big, options)
      expect(chunks).toBeGreaterThan(2)
      expect(text).toBe(stringWriterText(big, options))
    }
  }, 300_000)

  it('writes a flow list it did not build (a report read back from a file) through the generic writer', async () => {
    const report = await reportOf(join(FIXTURES, 'demo-call.pcapng'))
    // Same flows, keys in another order: the text must follow the objects, not the layout.
    const copy: Report = {...report, flows: report.flows.map((f) => Object.fromEntries(Object.entries(f).reverse()) as unknown as ReportFlow)}
    expect(isBuiltFlowList(copy.flows)).toBe(false)
    for (const options of MODES) {
      const {text} = bytesText(copy, options)
      expect(text).toBe(stringWriterText(copy, options))
      expect(text).not.toBe(bytesText(report, options).text)
    }
  })
})
