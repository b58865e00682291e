import {mkdtempSync, renameSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import chalk from 'chalk'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {analyzeCaptures, type AnalyzeOptions} from '../../src/analysis/analyze.js'
import {diffReports, type DiffInput} from '../../src/diff/compute-diff.js'
import {renderDiffMarkdown} from '../../src/diff/diff-markdown.js'
import {renderDiffTable} from '../../src/diff/diff-table.js'
import {parseEventFilter} from '../../src/replay/event-filter.js'
import {replayCaptures} from '../../src/replay/replay.js'
import {renderHtml} from '../../src/report/html/render-html.js'
import {renderProgress} from '../../src/report/progress.js'
import {renderSarif} from '../../src/report/sarif.js'
import {renderAnalyzeTable} from '../../src/report/analyze-table.js'
import {jsonText} from '../../src/report/json-text.js'
import {renderMarkdown} from '../../src/report/markdown.js'
import {renderNdjson} from '../../src/report/ndjson.js'
import {renderEndpointsCsv, renderFlowsCsv} from '../../src/report/report-csv.js'
import type {Report} from '../../src/report/report-model.js'
import {ANDROID_APP, assertNeutralised, HOSTILE, type HostileCall, markdownTables, NRB_NAMES, parseCsv, SDES_NAME, H323_DISPLAY, H323_PRODUCT, WS_CANDIDATE_ADDRESS, XMPP_NICK, SIP_DISPLAY_NAME, SIP_USER_AGENT, TLS_SERVER, writeHostileCall, ZRTP_CLIENT_ID} from '../support/hostile-call.js'

/**
 * A capture file name is untrusted too (a report read by diff names files of another machine;
 * a shared directory holds what others put there): escape sequences, HTML and a table breaker.
 */
const HOSTILE_FILE = `call\u001b]8;;x\u0007${HOSTILE.img}|a|\u202e.pcapng`

/**
 * A call whose names, SNI, HTTP headers, SDES items and STUN SOFTWARE carry terminal escapes,
 * HTML, Markdown and spreadsheet formulas (test/support/hostile-call.ts), through the real
 * analysis and every renderer. A renderer added later (HTML, SARIF) gets one more `it` calling
 * `assertNeutralised` with its format.
 */

let dir: string
let call: HostileCall
let report: Report
/** A benign report (one ICMP exchange, no names) for the other side of a diff. */
let plain: Report
/** Every payload, the file name's too. */
let payloads: string[]

const options = (path: string): AnalyzeOptions => ({
  paths: [path],
  geo: {dbPaths: [], dirs: [], env: {}, systemDirs: false, useEmbedded: true},
  policy: {},
  cwd: dir,
  toolVersion: 'test',
})

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'callaudit-hostile-'))
  call = writeHostileCall(dir)
  const hostilePath = join(dir, HOSTILE_FILE)
  renameSync(call.path, hostilePath)
  call = {...call, path: hostilePath}
  payloads = [...call.hostile, HOSTILE_FILE]
  report = (await analyzeCaptures(options(call.path))).report
  plain = (await analyzeCaptures(options(join(import.meta.dirname, '../../fixtures/icmp.pcap')))).report
})

afterAll(() => {
  rmSync(dir, {recursive: true, force: true})
})

describe('the hostile capture', () => {
  it('names its TLS flow\'s Android app (PCAPdroid UID map), raw in the flow and in a finding\'s evidence', () => {
    const flow = report.flows.find((f) => f.server.ip === TLS_SERVER)!
    expect(flow.process).toEqual({name: ANDROID_APP.name, uid: ANDROID_APP.uid, package: ANDROID_APP.package})
    const evidence = report.findings.flatMap((f) => f.evidence.map((e) => e.description ?? ''))
    expect(evidence.some((d) => d.includes(`process ${ANDROID_APP.name} (${ANDROID_APP.package}, uid ${ANDROID_APP.uid})`))).toBe(true)
  })

  it('delivers every payload raw into the Report (otherwise the checks below prove nothing)', () => {
    // Raw: the report keeps what the capture said; neutralising is each renderer's job.
    const strings: string[] = []
    const walk = (v: unknown): void => {
      if (typeof v === 'string') strings.push(v)
      else if (Array.isArray(v)) v.forEach(walk)
      else if (v && typeof v === 'object') Object.values(v).forEach(walk)
    }
    walk(report)
    const all = strings.join('\n')
    for (const payload of payloads) expect(all, JSON.stringify(payload)).toContain(payload)
  })

  it('puts them where the renderers read them: endpoint names, finding details and evidence', () => {
    const names = report.endpoints.flatMap((e) => e.names).join('\n')
    expect(names).toContain(HOSTILE.ansiCsi.toLowerCase())
    expect(names).toContain(HOSTILE.c1.toLowerCase())
    expect(names).toContain(HOSTILE.script)
    expect(names).toContain(HOSTILE.mdTable)
    // Each formula is the first name of its own endpoint, so it starts a CSV cell.
    for (const n of NRB_NAMES.slice(0, 6)) expect(report.endpoints.find((e) => e.ip === n.ip)?.names[0]).toBe(n.name.toLowerCase())
    const findingText = report.findings.flatMap((f) => [f.detail, ...f.evidence.map((e) => e.description)]).join('\n')
    expect(findingText).toContain(HOSTILE.c1)
    expect(findingText).toContain(HOSTILE.img)
    expect(report.findings.map((f) => f.ruleId)).toEqual(expect.arrayContaining(['CA-META-003', 'CA-META-007', 'CA-META-008', 'CA-META-011']))
    // SIP: the display name whole (a '>' and '|' inside its quotes cut nothing), and the User-Agent.
    const sip = report.findings.find((f) => f.ruleId === 'CA-META-011')!
    expect(sip.detail).toContain(JSON.stringify(`${SIP_DISPLAY_NAME} <sip:jane@sip.example.net>`))
    expect(sip.detail).toContain(JSON.stringify(SIP_USER_AGENT))
    // ZRTP: the client id of the Hello, whole, in the evidence.
    expect(report.findings.find((f) => f.ruleId === 'CA-META-012')?.evidence[0]?.description).toContain(JSON.stringify(ZRTP_CLIENT_ID))
    // H.323: the Display name and the product, whole, in the finding.
    const h323 = report.findings.find((f) => f.ruleId === 'CA-META-016')!
    expect(h323.detail).toContain(JSON.stringify(`display name ${H323_DISPLAY}`))
    expect(h323.detail).toContain(JSON.stringify(H323_PRODUCT).slice(1, -1))
    // WebRTC signalling over ws://: the candidate's address, whole.
    expect(report.findings.find((f) => f.ruleId === 'CA-META-017')?.detail).toContain(JSON.stringify(WS_CANDIDATE_ADDRESS))
    // XMPP over a compressed WebSocket: the room address, inflated, unescaped and whole.
    expect(report.findings.find((f) => f.ruleId === 'CA-META-018')?.detail).toContain(JSON.stringify(`crisis@conference.ministry.example/${XMPP_NICK}`))
  })
})

describe('assertNeutralised', () => {
  // The checker itself must catch what it is for, or every test below passes vacuously.
  it('rejects raw escapes, HTML in Markdown, broken rows and formula cells', () => {
    expect(() => assertNeutralised('terminal', `name ${HOSTILE.ansiCsi}`, call.hostile)).toThrow(/raw control/)
    expect(() => assertNeutralised('json', JSON.stringify({n: HOSTILE.c1}), call.hostile)).toThrow(/raw control/)
    expect(() => assertNeutralised('markdown', `| a |\n| --- |\n| ${HOSTILE.script} |\n`, call.hostile)).toThrow(/HTML/)
    expect(() => assertNeutralised('markdown', `| a | b |\n| --- | --- |\n| x | ${HOSTILE.mdTable} |\n`, call.hostile)).toThrow()
    expect(() => assertNeutralised('markdown', `text ${HOSTILE.mdLink}\n`, call.hostile)).toThrow(/link/)
    expect(() => assertNeutralised('csv', `a,b\r\nx,${HOSTILE.formulaPlus}\r\n`, call.hostile)).toThrow(/formula/)
    expect(() => assertNeutralised('csv', `a,b\r\nx,"${HOSTILE.formulaEquals.replace(/"/g, '""')}"\r\n`, call.hostile)).toThrow(/formula/)
    expect(() => assertNeutralised('csv', 'a,b\r\nx,-6.2\r\n', call.hostile)).not.toThrow()
  })
})

describe('every renderer neutralises the hostile call', () => {
  it('terminal table (analyze)', () => {
    // Colour off, so any ESC in the output could only have come from the capture.
    const level = chalk.level
    chalk.level = 0
    try {
      const text = renderAnalyzeTable(report, {endpoints: 100})
      expect(text).toContain('52.202.62.196')
      assertNeutralised('terminal', text, payloads)
    } finally {
      chalk.level = level
    }
  })

  it('terminal table: text from a GeoIP database (country codes) is untrusted too', () => {
    // A user's own database or site CSV may hold anything in iso_code; the table module would
    // even throw on a control character.
    const level = chalk.level
    chalk.level = 0
    try {
      const odd = structuredClone(report)
      const country = odd.summary.countries[0]!
      country.country = HOSTILE.ansiCsi
      for (const e of odd.endpoints) if (e.geo) e.geo.country = HOSTILE.c1
      const text = renderAnalyzeTable(odd, {endpoints: 100})
      expect(text).toContain('\\x1b[31mRED')
      assertNeutralised('terminal', text, payloads)
    } finally {
      chalk.level = level
    }
  })

  // JSON.stringify alone keeps C1 controls (U+009B is an 8-bit CSI), DEL and bidi overrides
  // raw: jsonText \u-escapes them, so `analyze --json` piped to a terminal cannot act on them.
  it('JSON (analyze --json)', () => {
    const text = jsonText(report)
    assertNeutralised('json', text, payloads)
    // Still the same values once parsed: the escaping changes the text, never the meaning.
    expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(report)))
  })

  it('Markdown', () => {
    const text = renderMarkdown(report)
    assertNeutralised('markdown', text, payloads)
    expect(text).not.toMatch(/<script/i)
    // The endpoint rows are all there, one row each, and none was split by a hostile pipe.
    const endpoints = markdownTables(text).find((t) => t[0]![0] === 'address')!
    expect(endpoints.length - 2).toBe(report.endpoints.length)
  })

  it('CSV: flows and endpoints', () => {
    const flows = renderFlowsCsv(report)
    const endpoints = renderEndpointsCsv(report)
    assertNeutralised('csv', flows, payloads)
    assertNeutralised('csv', endpoints, payloads)
    // The formula names are still there, defused by the apostrophe, not dropped.
    const names = parseCsv(endpoints).map((r) => r[1])
    expect(names).toContain(`'${HOSTILE.formulaEquals.toLowerCase()}`)
    expect(names).toContain(`'${HOSTILE.formulaPlus.toLowerCase()}`)
    expect(names).toContain(`'${HOSTILE.formulaMinus.toLowerCase()}`)
    expect(names).toContain(`'${HOSTILE.formulaAt.toLowerCase()}`)
    expect(names).toContain("'\\x09=1+1")
    expect(names).toContain("'\\x0d=1+1")
  })

  it('NDJSON (ECS)', () => {
    const text = renderNdjson(report)
    assertNeutralised('ndjson', text, payloads)
    // JSON escapes carry the exact names through for correlation in the SIEM.
    const hosts = text.trimEnd().split('\n').flatMap((l) => (JSON.parse(l) as {related?: {hosts?: string[]}}).related?.hosts ?? [])
    expect(hosts.join('\n')).toContain(HOSTILE.ansiCsi)
    expect(hosts.join('\n')).toContain(HOSTILE.c1)
  })

  it('HTML', () => {
    const text = renderHtml(report)
    assertNeutralised('html', text, payloads)
    expect(text).toContain('&lt;img src=x onerror=alert(1)&gt;')
  })

  it('SARIF', () => {
    const text = renderSarif(report)
    assertNeutralised('sarif', text, payloads)
    // Parsed, no message or property may hold a raw control either (SARIF viewers render text).
    assertNeutralised('terminal', JSON.stringify(JSON.parse(text)), payloads)
  })

  it('progress bar (file names on stderr)', () => {
    const line = renderProgress({path: call.path, bytesRead: 10, totalBytes: 100, file: 1, files: 1}, 400)
    expect(line).toContain('\\x1b]8;;x\\x07')
    assertNeutralised('terminal', line, payloads)
  })

  describe('replay', () => {
    const replay = async (json: boolean): Promise<string> => {
      let text = ''
      const output = {write: async (piece: string) => void (text += piece)}
      await replayCaptures(options(call.path), {json, filter: parseEventFilter([]), summary: true, speed: 0}, output)
      return text
    }

    it('terminal events and summary', async () => {
      const level = chalk.level
      chalk.level = 0
      try {
        const text = await replay(false)
        expect(text).toContain(' sdes ')
        expect(text).toContain(' sip ')
        assertNeutralised('terminal', text, payloads)
      } finally {
        chalk.level = level
      }
    })

    it('NDJSON events and the report line', async () => {
      const text = await replay(true)
      assertNeutralised('ndjson', text, payloads)
      // The exact values still there for machines.
      expect(text.trimEnd().split('\n').map((l) => JSON.parse(l) as {detail?: {value?: string}}).some((e) => e.detail?.value === SDES_NAME)).toBe(true)
    })
  })

  describe('diff', () => {
    // The hostile call both as the new side (rows new, evidence shown) and as the old (gone).
    const sides = (): Array<[DiffInput, DiffInput]> => {
      const hostile: DiffInput = {input: call.path, kind: 'report', report}
      const benign: DiffInput = {input: 'icmp.pcap', kind: 'capture', report: plain}
      return [
        [benign, hostile],
        [hostile, benign],
      ]
    }

    it('table', () => {
      const level = chalk.level
      chalk.level = 0
      try {
        for (const [before, after] of sides()) {
          const diff = diffReports(before, after, {failOn: 'high', toolVersion: 'test'})
          expect(diff.endpoints.length).toBeGreaterThan(5)
          assertNeutralised('terminal', renderDiffTable(diff, {endpoints: 100}), payloads)
        }
      } finally {
        chalk.level = level
      }
    })

    it('Markdown', () => {
      for (const [before, after] of sides()) {
        const diff = diffReports(before, after, {failOn: 'high', toolVersion: 'test'})
        const text = renderDiffMarkdown(diff)
        assertNeutralised('markdown', text, payloads)
        // One endpoint row per change: no hostile pipe split or joined a row.
        const endpoints = markdownTables(text).find((t) => t[0]![1] === 'address')!
        expect(endpoints.length - 2).toBe(diff.endpoints.length)
      }
    })

    it('JSON', () => {
      for (const [before, after] of sides()) {
        const diff = diffReports(before, after, {failOn: 'high', toolVersion: 'test'})
        const text = jsonText(diff)
        assertNeutralised('json', text, payloads)
        expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(diff)))
      }
    })
  })
})
