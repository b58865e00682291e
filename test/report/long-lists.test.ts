import {join} from 'node:path'
import {beforeAll, describe, expect, it} from 'vitest'
import {analyzeCaptures} from '../../src/analysis/analyze.js'
import {diffReports} from '../../src/diff/compute-diff.js'
import {renderDiffMarkdown} from '../../src/diff/diff-markdown.js'
import {renderDiffTable} from '../../src/diff/diff-table.js'
import {FORMAT_NAMES, FORMATS} from '../../src/report/formats.js'
import {ChunkPool} from '../../src/report/json-bytes.js'
import type {Report} from '../../src/report/report-model.js'
import {FIXTURES} from '../helpers/paths.js'
import {tempDir} from '../helpers/temp-dir.js'

/**
 * Lists as long as a large capture makes them: 100 000 TLS flows each naming its organisation
 * in the SNI (`org1.zoom.us`, `org2.zoom.us`...) give 100 000 tenants, and as many endpoints.
 * `out.push(...rows)` with rows that long overflows the stack ("Maximum call stack size
 * exceeded"): `analyze --format markdown` died with exit 3 on such a capture.
 */
const COUNT = 150_000

let small: Report
let large: Report

beforeAll(async () => {
  const geo = {dbPaths: [], dirs: [], env: {}, systemDirs: false as const, useEmbedded: true}
  small = (await analyzeCaptures({paths: [join(FIXTURES, 'demo-jakarta-call.pcapng')], geo, policy: {}, cwd: tempDir(), toolVersion: 'test'})).report
  large = structuredClone(small)
  const tenant = small.tenants[0]!
  large.tenants = Array.from({length: COUNT}, (_, i) => ({...tenant, org: `org${i}`, names: [`org${i}.zoom.us`]}))
  const endpoint = small.endpoints.find((e) => e.judgement.verdict !== 'local')!
  large.endpoints = Array.from({length: COUNT}, (_, i) => ({...endpoint, ip: `10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`}))
})

function text(rendered: string | Iterable<string | Uint8Array>): string {
  if (typeof rendered === 'string') return rendered
  return [...rendered].map((p) => (typeof p === 'string' ? p : Buffer.from(p).toString('utf8'))).join('')
}

describe('a report with 150 000 tenants and endpoints', () => {
  it.each(FORMAT_NAMES)('renders as %s', async (format) => {
    const rendered = await FORMATS[format].render(large, {color: false, endpoints: COUNT, csvTable: 'endpoints', exitCode: 1, detail: false, pool: new ChunkPool()})
    const out = text(rendered)
    // Every format names the last endpoint or the last organisation (the terminal and HTML
    // reports cap their tables; the data formats list all).
    expect(out.length).toBeGreaterThan(0)
    if (format === 'markdown') {
      expect(out).toContain('org149999')
      expect(out).toContain(`10.2.73.239`)
    }
    if (format === 'json' || format === 'csv') expect(out).toContain('10.2.73.239')
    // The summary names eight organisations and counts the rest, in one line.
    if (format === 'table' || format === 'html') {
      expect(out).toMatch(new RegExp(`org7\\s+and\\s+${COUNT - 8}\\s+more\\s+\\(all\\s+in\\s+the\\s+JSON\\s+report\\)`))
      expect(out).not.toContain('org8,')
    }
  })

  it('diff: as Markdown and as a table, each organisation\'s finding matched to its own (not by a search of all)', () => {
    // One CA-META-002 finding per organisation, as analyze makes them.
    const template = small.findings.find((f) => f.ruleId === 'CA-META-002')!
    const findings = [...small.findings.filter((f) => f.ruleId !== 'CA-META-002'), ...large.tenants.map((t, i) => ({...template, flowIds: [100 + i], detail: `${template.detail} (organisation ${JSON.stringify(t.org)})`}))]
    const diff = diffReports({input: 'before.json', kind: 'report', report: small}, {input: 'after.json', kind: 'report', report: {...large, findings}}, {failOn: 'high', toolVersion: 'test'})
    const named = diff.findings.filter((c) => c.ruleId === 'CA-META-002')
    // Every organisation of the after side is new; the before side's one (kemlu-go-id) is gone.
    expect(named.filter((c) => c.status === 'new')).toHaveLength(COUNT)
    expect(named.filter((c) => c.status === 'gone').map((c) => c.subject)).toEqual(['organisation "kemlu-go-id" (zoom)'])
    expect(named.find((c) => c.subject === 'organisation "org149999" (zoom)')?.status).toBe('new')
    expect(renderDiffMarkdown(diff)).toContain('10.2.73.239')
    expect(renderDiffTable(diff, {endpoints: COUNT}).length).toBeGreaterThan(COUNT)
  })
})
