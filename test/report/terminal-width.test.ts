import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import chalk from 'chalk'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {analyzeCaptures, type AnalyzeOptions} from '../../src/analysis/analyze.js'
import {diffReports, type DiffInput} from '../../src/diff/compute-diff.js'
import {renderDiffTable} from '../../src/diff/diff-table.js'
import {collectFlows} from '../../src/flows/collect-flows.js'
import {buildFlowsReport} from '../../src/flows/flows-report.js'
import {ALL_ANALYZERS, analyzerByName} from '../../src/protocols/index.js'
import {renderAnalyzeTable} from '../../src/report/analyze-table.js'
import {displayWidth} from '../../src/report/display-width.js'
import {renderFlowsTable} from '../../src/report/flows-table.js'
import type {Report} from '../../src/report/report-model.js'
import {CJK, COMBINING, EMOJI, MEDIA_SERVER, writeWideCall, writeWidePolicy} from '../support/wide-call.js'
import {PcapWriter} from '../support/capture-writer.js'
import {ETHERTYPE, IPPROTO, LINKTYPE, ethernet, ipv6, tcp} from '../support/packet-builder.js'

/**
 * The terminal renderers promise 100 columns. A call whose names are CJK (two columns a
 * character), emoji (two UTF-16 units) and combining sequences (two units, one column) must
 * keep that promise on a terminal, not only in UTF-16 units, and no cut may split a surrogate
 * pair (a terminal shows each half as U+FFFD) or take a combining mark off its letter.
 */

const WIDTH = 100
/** Half a surrogate pair, or the replacement character a terminal shows for one. */
const BROKEN = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]|\ufffd/u

let dir: string
let path: string
let report: Report
let plain: Report

const options = (paths: string[], policy: AnalyzeOptions['policy']): AnalyzeOptions => ({
  paths,
  geo: {dbPaths: [], dirs: [], env: {}, systemDirs: false, useEmbedded: true},
  policy,
  cwd: dir,
  toolVersion: 'test',
})

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'callaudit-wide-'))
  path = writeWideCall(dir)
  report = (await analyzeCaptures(options([path], {policy: writeWidePolicy(dir)}))).report
  plain = (await analyzeCaptures(options([join(import.meta.dirname, '../../fixtures/icmp.pcap')], {home: 'ID'}))).report
})

afterAll(() => {
  rmSync(dir, {recursive: true, force: true})
})

/** Every line within 100 terminal columns, none with a broken character, with colour and without; the text without. */
function expectFits(render: () => string): string {
  const level = chalk.level
  let text = ''
  try {
    // Coloured first; the plain text is what the callers look into.
    for (const colour of [1, 0] as const) {
      chalk.level = colour
      text = render()
      for (const line of text.split('\n')) {
        expect(displayWidth(line), line).toBeLessThanOrEqual(WIDTH)
        expect(line).not.toMatch(BROKEN)
      }
    }
  } finally {
    chalk.level = level
  }
  return text
}

describe('terminal renderers fit 100 columns with wide text from the capture', () => {
  it('the call carries its wide text into the report (else the checks below prove nothing)', () => {
    const names = report.endpoints.flatMap((e) => e.names).join('\n')
    expect(names).toContain(`n${CJK}`)
    expect(names).toContain(EMOJI)
    expect(names).toContain(COMBINING)
    const findings = report.findings.map((f) => f.ruleId)
    expect(findings).toEqual(expect.arrayContaining(['CA-META-007', 'CA-META-008', 'CA-GEO-001']))
    expect(report.findings.some((f) => f.suppressed?.reason.includes(CJK))).toBe(true)
  })

  it('analyze table: findings, suppression reasons, endpoints', () => {
    const text = expectFits(() => renderAnalyzeTable(report, {endpoints: 100}))
    // What had to be wrapped is there, wrapped: a title passing 100 columns with its
    // "(suppressed)", the suppression reasons, the wide names.
    expect(text).toMatch(/CA-META-008 Cleartext HTTP carries[^\n]*\n\s+[^\n]*\(suppressed\)/)
    expect(text).toContain('suppressed by host *.zoom.us: 承認済み')
    expect(text).toContain('会議会議会議会議')
    expect(text).toContain('😀😀😀😀')
    expect(text).toContain('e\u0301e\u0301e\u0301')
    // The endpoint table's columns line up on a terminal: the roles column starts at the same
    // display column in every row, CJK, emoji and combining names alike.
    const lines = text.split('\n')
    const header = lines.findIndex((l) => /^\s+address\s+name\s+roles/.test(l))
    const rolesAt = lines[header]!.indexOf('roles')
    const rows = lines.slice(header + 1, lines.indexOf('', header))
    expect(rows.length).toBeGreaterThanOrEqual(5)
    for (const row of rows) {
      const role = /\s(media|control|relay|dns|web|telemetry)\S*\s/.exec(row)!
      expect(displayWidth(row.slice(0, role.index + 1)), row).toBe(rolesAt)
    }
    expect(rows.find((r) => r.includes(MEDIA_SERVER))).toContain('n会議会議')
  })

  it('analyze table: text from a GeoIP database (a user\'s own, in CJK) fitted by its width too', () => {
    // The other columns are measured before the name column gets the room left: in columns.
    const odd = structuredClone(report)
    for (const e of odd.endpoints) if (e.geo) Object.assign(e.geo, {country: '会議会議', asOrg: `${CJK} 株式会社`})
    const text = expectFits(() => renderAnalyzeTable(odd, {endpoints: 100}))
    expect(text).toContain('会議会議')
  })

  it('flows --detail', async () => {
    const collection = await collectFlows([path], {analyzers: ALL_ANALYZERS})
    const text = expectFits(() => renderFlowsTable(buildFlowsReport(collection), {detail: analyzerByName}))
    expect(text).toContain('会議会議会議会議')
    expect(text).toContain('😀😀😀😀')
  })

  it('flows --detail with two long IPv6 ends: the header split, each line within 100 columns', async () => {
    const a = '2a01:cb01:2049:8b07:991d:ec85:28df:f629'
    const b = '2001:470:1f0b:16b0:20c:29ff:fe7c:a4cb'
    const w = new PcapWriter({linkType: LINKTYPE.ETHERNET})
    const syn = ethernet({type: ETHERTYPE.IPV6}, ipv6({src: a, dst: b, next: IPPROTO.TCP}, tcp({sport: 49548, dport: 443, seq: 1, flags: 'S'})))
    w.add({sec: 1_763_600_000, nsec: 0}, syn)
    const file = join(dir, 'v6.pcap')
    writeFileSync(file, w.toBuffer())
    const collection = await collectFlows([file], {analyzers: ALL_ANALYZERS})
    const text = expectFits(() => renderFlowsTable(buildFlowsReport(collection), {detail: analyzerByName}))
    expect(text).toContain(`#1 tcp [${a}]:49548 → [${b}]:443\n    1 pkts`)
  })

  it('diff, the wide call new and gone', () => {
    const wide: DiffInput = {input: path, kind: 'report', report}
    const benign: DiffInput = {input: 'icmp.pcap', kind: 'capture', report: plain}
    for (const [before, after] of [[benign, wide], [wide, benign]] as const) {
      const diff = diffReports(before, after, {failOn: 'high', toolVersion: 'test'})
      const text = expectFits(() => renderDiffTable(diff, {endpoints: 100}))
      expect(text).toContain('会議会議会議会議')
    }
  })
})
