import {createHash} from 'node:crypto'
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {stripVTControlCharacters} from 'node:util'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {analyzeCaptures} from '../../src/analysis/analyze.js'
import {renderAnalyzeTable} from '../../src/report/analyze-table.js'
import {markdownText, renderMarkdown} from '../../src/report/markdown.js'
import {MAX_FINDINGS_SHOWN} from '../../src/report/severity-text.js'
import type {Report} from '../../src/report/report-model.js'
import {FIXTURES} from '../helpers/paths.js'
import {markdownCells, markdownTables} from '../support/hostile-call.js'

const DEMO = join(FIXTURES, 'demo-jakarta-call.pcapng')
const EMBEDDED_ONLY = {dbPaths: [], dirs: [], env: {}, systemDirs: false as const, useEmbedded: true}

// A policy file exercising every part of the policy section: home set, a denied country,
// role and app rules, suppressions with their reasons (one limited to a rule), a severity override.
const POLICY = `version: 1
home: [ID]
deny: [SG]
roles:
  telemetry: {allow: [FIVE_EYES], severity: low}
apps:
  teams: {deny: [CN]}
suppressions:
  - match: {asn: AS15169}
    reason: Google public DNS, used on purpose by the test laptop
  - match: {host: "*.zoom.us"}
    reason: Zoom names are not secret here
    rules: [CA-META-002]
severity-overrides:
  CA-META-003: low
`

const dirs: string[] = []
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'callaudit-md-'))
  dirs.push(d)
  return d
}

async function analyze(policyFile?: string): Promise<Report> {
  const cwd = tempDir()
  if (policyFile) writeFileSync(join(cwd, 'callaudit.yml'), policyFile)
  const {report} = await analyzeCaptures({paths: [DEMO], geo: EMBEDDED_ONLY, policy: {}, cwd, toolVersion: 'test'})
  return report
}

let inferred: Report
let withPolicy: Report
let md: string
let mdPolicy: string

beforeAll(async () => {
  inferred = await analyze()
  withPolicy = await analyze(POLICY)
  md = renderMarkdown(inferred)
  mdPolicy = renderMarkdown(withPolicy)
})

afterAll(() => {
  for (const d of dirs) rmSync(d, {recursive: true, force: true})
})

/** The lines of the section under `heading` up to the next heading of the same or a higher level. */
function section(text: string, heading: string): string {
  const lines = text.split('\n')
  const start = lines.indexOf(heading)
  if (start < 0) throw new Error(`no section ${heading}`)
  const level = heading.indexOf(' ')
  const end = lines.findIndex((l, i) => i > start && /^#+ /.test(l) && l.indexOf(' ') <= level)
  return lines.slice(start, end < 0 ? undefined : end).join('\n')
}

function tableAfter(text: string, header0: string): string[][] {
  const table = markdownTables(text).find((t) => t[0]![0] === header0)
  if (!table) throw new Error(`no table headed ${header0}`)
  return table.slice(2) // header and delimiter rows
}

describe('renderMarkdown: structure', () => {
  it('has the briefing sections in order', () => {
    const headings = md.split('\n').filter((l) => /^#{1,2} /.test(l))
    expect(headings[0]).toBe('# Call audit: demo-jakarta-call.pcapng')
    expect(headings.slice(1)).toEqual([
      '## Summary',
      '## Method',
      '## Findings',
      '## Countries',
      '## Endpoints',
      '## Apps',
      '## Limitations of geolocation',
      '## Warnings',
    ])
    for (const sub of ['### Captures', '### Geolocation databases', '### Policy']) expect(section(md, '## Method')).toContain(`\n${sub}\n`)
  })

  it('gives every table row exactly its header\'s number of cells, and a delimiter row', () => {
    const tables = markdownTables(md)
    expect(tables.length).toBeGreaterThan(5)
    for (const table of tables) {
      const width = table[0]!.length
      expect(table[1]).toEqual(Array(width).fill('---'))
      for (const row of table) expect(row).toHaveLength(width)
    }
  })

  it('keeps a hostile name inside its cell', () => {
    const hostile = structuredClone(inferred)
    hostile.endpoints[0]!.names = ['a|b||c', 'x\\|y', '`|`', 'line\nbreak | z']
    hostile.endpoints[0]!.geo!.asOrg = '| evil | org |'
    const rows = tableAfter(renderMarkdown(hostile), 'address')
    expect(rows).toHaveLength(hostile.endpoints.length)
    for (const row of rows) expect(row).toHaveLength(11)
    // The pipes are in the names cell, escaped.
    expect(rows[0]![1]).toBe('a\\|b\\|\\|c, x\\\\\\|y, \\`\\|\\`, line\\\\x0abreak \\| z')
  })

  it('is deterministic: the same report, or a copy of it, gives the same bytes', () => {
    expect(renderMarkdown(inferred)).toBe(md)
    expect(renderMarkdown(JSON.parse(JSON.stringify(inferred)) as Report)).toBe(md)
  })
})

describe('renderMarkdown: content matches the report', () => {
  it('states the verdict, the counts by severity and fail-on', () => {
    const s = inferred.summary
    expect(section(md, '## Summary')).toContain(`**Verdict: ${s.verdict.toUpperCase()}** (exit code ${s.exitCode})`)
    expect(s.verdict).toBe('fail') // the demo call fails (test/analysis/analyze-demo.test.ts)
    const counts = Object.fromEntries(tableAfter(md, 'severity').map((r) => [r[0], Number(r[1])]))
    expect(counts).toEqual({...s.findings, suppressed: s.suppressed})
    expect(section(md, '## Summary')).toContain('severity high or above')
  })

  it('has a heading per finding, grouped by severity, with its evidence frames', () => {
    const findings = section(md, '## Findings')
    for (const f of inferred.findings) expect(findings).toContain(`#### ${markdownText(f.ruleId)}: ${markdownText(f.title)}`)
    const count = (id: string) => findings.split('\n').filter((l) => l.startsWith(`#### ${markdownText(id)}:`)).length
    for (const id of new Set(inferred.findings.map((f) => f.ruleId))) expect(count(id)).toBe(inferred.findings.filter((f) => f.ruleId === id).length)
    // Severity groups in order, each with its count.
    const groups = findings.split('\n').filter((l) => l.startsWith('### '))
    expect(groups).toEqual(['critical', 'high', 'medium', 'low', 'info'].filter((k) => inferred.findings.some((f) => f.severity === k)).map((k) => `### ${k[0]!.toUpperCase()}${k.slice(1)} (${inferred.findings.filter((f) => f.severity === k).length})`))
    // Every piece of evidence with a frame number is a table row naming that frame.
    const evidenceRows = markdownTables(findings).filter((t) => t[0]![0] === 'frame').flatMap((t) => t.slice(2))
    expect(evidenceRows).toHaveLength(inferred.findings.reduce((n, f) => n + f.evidence.length, 0))
    const frames = inferred.findings.flatMap((f) => f.evidence.map((e) => (e.frame === undefined ? '' : String(e.frame))))
    expect(evidenceRows.map((r) => r[0])).toEqual(frames)
    // The demo's SDES leak is cited at frame 94 (test/analysis/analyze-demo.test.ts).
    expect(findings).toMatch(/\| 94 \| 1 \| 2026-11-20T03:15:11\.012577Z \| 14 \| SDES NAME "Budi Santoso"/)
  })

  it('lists every endpoint with its address, location, operator and verdict', () => {
    const rows = tableAfter(md, 'address')
    expect(rows.map((r) => r[0])).toEqual(inferred.endpoints.map((e) => `\`${e.ip}\``))
    for (const [i, e] of inferred.endpoints.entries()) {
      const row = rows[i]!
      expect(row[1]).toBe(e.names.map(markdownText).join(', '))
      if (e.geo?.country) expect(row[2]).toContain(e.geo.country)
      if (e.geo?.asn) expect(row[4]).toContain(`AS${e.geo.asn}`)
      expect(row[7]).toBe(e.flowIds.join(', '))
      expect(row[9]).toBe(String(e.bytes))
      expect(row[10].startsWith(e.judgement.verdict)).toBe(true)
    }
    // Singapore media server, registered in the US (the demo's defining fact).
    expect(rows.find((r) => r[0] === '`149.137.41.57`')?.slice(2, 4)).toEqual(['SG', 'US'])
  })

  it('gives the countries table from the summary: share of bytes, roles, verdict', () => {
    const rows = tableAfter(md, 'country')
    expect(rows).toEqual(
      inferred.summary.countries.map((c) => [c.country, `${(c.share * 100).toFixed(1)}%`, String(c.bytes), String(c.endpoints), c.roles.join(', '), c.verdict]),
    )
    const total = rows.reduce((n, r) => n + Number(r[2]), 0)
    expect(total).toBe(inferred.endpoints.filter((e) => e.judgement.verdict !== 'local').reduce((n, e) => n + e.bytes, 0))
  })

  it('names the app with its evidence and the organisation it reveals', () => {
    const apps = section(md, '## Apps')
    expect(apps).toContain('### Zoom (high confidence)')
    expect(apps).toContain('| kemlu-go-id.zoom.us | zoom.us | high |')
    expect(tableAfter(md, 'app')[0]!.slice(0, 2)).toEqual(['zoom', 'kemlu-go-id'])
  })

  it('documents the method: tool, capture, databases with build date and age, inferred home', () => {
    const method = section(md, '## Method')
    expect(method).toContain('Analysed with callaudit test')
    const capture = tableAfter(method, '#')[0]!
    const c = inferred.captures[0]!
    expect(capture).toEqual(['1', markdownText(c.path), 'pcapng', '931', String(c.bytes), '2026-11-20T03:15:00.000000Z', '2026-11-20T03:17:29.376000Z', String(c.durationSeconds), `\`${createHash('sha256').update(readFileSync(c.path)).digest('hex')}\``])
    const databases = tableAfter(method, 'id')
    expect(databases.map((r) => r[0])).toEqual(inferred.databases.map((d) => markdownText(d.id)))
    for (const [i, d] of inferred.databases.entries()) {
      expect(databases[i]![2]).toBe(markdownText(d.buildDate))
      expect(databases[i]![3]).toBe(String(d.ageDaysAtCapture))
    }
    expect(section(method, '### Policy')).toContain('- Home: ID, inferred from the vantage')
  })

  it('shows the capture SHA-256 the report carries, and never invents one (standard input has none)', () => {
    const withHash = structuredClone(inferred)
    const hash = 'ab'.repeat(32)
    withHash.captures[0]!.sha256 = hash
    expect(tableAfter(renderMarkdown(withHash), '#')[0]![8]).toBe(`\`${hash}\``)
    const piped = structuredClone(inferred)
    piped.captures[0]!.sha256 = null
    const text = renderMarkdown(piped)
    expect(tableAfter(text, '#')[0]![8]).toBe('not recorded (standard input)')
    expect(text).not.toMatch(/[0-9a-f]{64}/)
    // A capture read from a pipe keeps `-` as its path: the title names it in words.
    piped.captures[0]!.path = '-'
    const pipedText = renderMarkdown(piped)
    expect(pipedText.split('\n')[0]).toBe('# Call audit: standard input')
    expect(tableAfter(pipedText, '#')[0]![1]).toBe('standard input')
    expect(stripVTControlCharacters(renderAnalyzeTable(piped))).toMatch(/^Capture +standard input \(pcapng, /m)
  })

  it('shows a policy from a file: home set, denied country, suppression with its reason, override', () => {
    const policy = section(mdPolicy, '### Policy')
    expect(policy).toContain('- Home: ID, set by the policy (flag or file).')
    expect(policy).toContain('- Denied: SG.')
    expect(policy).toContain('- Severity overrides: CA-META-003 → low.')
    // Each suppression with its scope (a rule-limited one is not shown as a blanket one) and line.
    expect(tableAfter(policy, 'suppression')).toEqual([
      ['asn AS15169', 'every rule', 'Google public DNS, used on purpose by the test laptop', '9'],
      [markdownText('host *.zoom.us'), 'CA-META-002 only', 'Zoom names are not secret here', '11'],
    ])
    // Role and app rules, lists as written (the group, not its five codes).
    expect(policy).toContain(['- Role and app rules:', `  - ${markdownText('roles.telemetry: allow FIVE_EYES; severity low')}`, `  - ${markdownText('apps.teams: deny CN')}`].join('\n'))
    // The suppressed finding is kept, marked, with its reason.
    const suppressed = withPolicy.findings.filter((f) => f.suppressed)
    expect(suppressed.length).toBeGreaterThan(0)
    for (const f of suppressed) expect(mdPolicy).toContain(`#### ${markdownText(f.ruleId)}: ${markdownText(f.title)} (suppressed)`)
    expect(section(mdPolicy, '## Findings')).toContain('Google public DNS, used on purpose by the test laptop')
    // SG is denied: its media server is critical.
    expect(section(mdPolicy, '## Findings')).toMatch(/### Critical \(\d+\)/)
  })

  it('states the limits of geolocation with the database ages', () => {
    const limits = section(md, '## Limitations of geolocation')
    for (const topic of ['Database accuracy', 'Anycast', 'Registered versus located country', 'Age of the databases at the capture']) expect(limits).toContain(`**${topic}.**`)
    for (const d of inferred.databases) expect(limits).toContain(`${markdownText(d.id)}: built ${markdownText(d.buildDate)}, ${d.ageDaysAtCapture} days old at the capture.`)
    // Endpoints located in one country and registered in another are named.
    const elsewhere = inferred.endpoints.filter((e) => e.geo?.registeredCountry && e.geo.country && e.geo.registeredCountry !== e.geo.country)
    expect(elsewhere.length).toBeGreaterThan(0)
    for (const e of elsewhere) expect(limits).toContain(`\`${e.ip}\` (${e.geo!.country}, registered ${e.geo!.registeredCountry})`)
  })

  it('gives the analysis time only when it was fixed (CALLAUDIT_NOW)', () => {
    expect(section(md, '## Method')).toContain('Analysis time: not recorded')
    const fixed = structuredClone(inferred)
    fixed.analysisTime = '2026-12-01T00:00:00.000Z'
    expect(section(renderMarkdown(fixed), '## Method')).toContain('Analysis time: 2026-12-01T00:00:00.000Z.')
  })
})

describe('renderMarkdown: a capture with thousands of findings', () => {
  it('writes out the first 1000, most severe first, and counts the rest per rule', () => {
    const high = inferred.findings.find((f) => f.severity === 'high')!
    const low = inferred.findings.find((f) => f.severity === 'low')!
    const md = renderMarkdown({...inferred, findings: [...Array.from({length: 990}, () => high), ...Array.from({length: 30}, () => low)]})
    const findings = section(md, '## Findings')
    expect(findings.split('\n').filter((l) => l.startsWith('#### '))).toHaveLength(1000)
    expect(findings).toContain('### Low (30)')
    expect(findings).toContain(`Not written out here: 20 more low findings (${markdownText(`${low.ruleId} ×20`)}).`)
  })

  it('lists the 1000 largest endpoints and says how many there are', () => {
    const one = inferred.endpoints[0]!
    const endpoints = Array.from({length: 1200}, (_, i) => ({...one, ip: `198.51.${i >> 8}.${i & 255}`, bytes: 1200 - i}))
    const md = renderMarkdown({...inferred, endpoints})
    const rows = tableAfter(md, 'address')
    expect(rows.map((r) => r[0])).toEqual(endpoints.slice(0, 1000).map((e) => `\`${e.ip}\``))
    expect(section(md, '## Endpoints')).toContain('1000 of 1200 endpoints listed, largest first')
  })
})

describe('markdownText', () => {
  it.each([
    ['a|b', 'a\\|b'],
    ['<script>alert(1)</script>', '&lt;script&gt;alert(1)&lt;/script&gt;'],
    ['<img src=x onerror=alert(1)>', '&lt;img src=x onerror=alert(1)&gt;'],
    ['[x](javascript:alert(1))', '\\[x\\](javascript\\:alert(1))'],
    ['![i](http://x/y.png)', '!\\[i\\](http\\://x/y.png)'],
    ['# heading', '\\# heading'],
    ['- item', '\\- item'],
    ['+ item', '\\+ item'],
    ['=====', '\\====='],
    ['1. item', '1\\. item'],
    ['12) item', '12\\) item'],
    ['149.137.41.57', '149.137.41.57'],
    ['    code', '&#32;&#32;&#32;&#32;code'],
    ['`code`', '\\`code\\`'],
    ['*em* _em_ ~~del~~', '\\*em\\* \\_em\\_ \\~\\~del\\~\\~'],
    ['www.example.com', 'www\\.example.com'],
    ['http://example.com', 'http\\://example.com'],
    ['user@example.com', 'user\\@example.com'],
    ['$x^2$', '\\$x^2\\$'],
    ['a\\b', 'a\\\\b'],
    ['AT&T', 'AT&amp;T'],
    ['\x1b[31mred', '\\\\x1b\\[31mred'],
    ['\u009b31m', '\\\\x9b31m'],
    ['line\nbreak', 'line\\\\x0abreak'],
    ['\u202egnp.exe', '\\\\u{202e}gnp.exe'],
  ])('%j → %j', (input, expected) => {
    expect(markdownText(input)).toBe(expected)
  })

  it('keeps a table cell whole whatever the input', () => {
    for (const input of ['|', '\\|', '\\\\|', 'a | b', '`|`', '|||']) {
      expect(markdownCells(`| x | ${markdownText(input)} | y |`)).toEqual(['x', markdownText(input), 'y'])
    }
  })
})

describe('the terminal report with more findings than it shows', () => {
  it('shows the first MAX_FINDINGS_SHOWN, most severe first, and counts the rest per rule', () => {
    const many = structuredClone(inferred)
    const base = many.findings.length
    const low = {...structuredClone(many.findings.at(-1)!), severity: 'low' as const, ruleId: 'CA-META-001'}
    for (let i = base; i < MAX_FINDINGS_SHOWN + 150; i++) many.findings.push(low)
    const text = stripVTControlCharacters(renderAnalyzeTable(many))
    const headers = text.split('\n').filter((l) => /^ (CRITICAL|HIGH|MEDIUM|LOW|INFO) {2}CA-/.test(l))
    expect(headers).toHaveLength(MAX_FINDINGS_SHOWN)
    // The most severe come first: every finding the analysis made is among those shown.
    expect(headers.slice(0, base).map((l) => l.trim().split(/\s+/)[1])).toEqual(inferred.findings.map((f) => f.ruleId))
    expect(text.replace(/\n\s+/g, ' ')).toContain(`150 more findings (CA-META-001 ×150) not shown: this report shows the first ${MAX_FINDINGS_SHOWN}`)
    expect(stripVTControlCharacters(renderAnalyzeTable(inferred))).not.toContain('not shown')
  })
})
