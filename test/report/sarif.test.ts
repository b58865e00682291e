import {createHash} from 'node:crypto'
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import Ajv, {type ValidateFunction} from 'ajv'
import addFormats from 'ajv-formats'
import type {Log, Result} from 'sarif'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {analyzeCaptures} from '../../src/analysis/analyze.js'
import {RULES} from '../../src/findings/rules.js'
import type {PolicyFlagValues} from '../../src/policy/load-policy.js'
import type {Report} from '../../src/report/report-model.js'
import {pathUri, renderSarif, sarifLog, sarifPieces} from '../../src/report/sarif.js'
import {FIXTURES, ROOT} from '../helpers/paths.js'
import {writeHostileCall} from '../support/hostile-call.js'

/**
 * The SARIF renderer against the official SARIF 2.1.0 schema (the copy @microsoft/jest-sarif
 * ships) and against what the report says: one rule per catalogue entry, one result per finding,
 * levels by severity, suppressions with their reasons, the captures as artifacts.
 */

const EMBEDDED_ONLY = {dbPaths: [], dirs: [], env: {}, systemDirs: false as const, useEmbedded: true}
/** The mapping docs/report-json.md promises. */
const LEVEL = {critical: 'error', high: 'error', medium: 'warning', low: 'note', info: 'note'} as const

let work: string
let validateSarif: ValidateFunction

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'callaudit-sarif-'))
  const schema = JSON.parse(readFileSync(join(ROOT, 'node_modules/@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json'), 'utf8')) as Record<string, unknown>
  // The file is a draft-04 schema (`id`, draft-04 `$schema`) using no keyword that changed
  // meaning since; ajv 8 reads it as draft-07 once the draft-04 identifiers are renamed.
  delete schema.$schema
  schema.$id = schema.id
  delete schema.id
  // unicodeRegExp off: the schema's `language` pattern has a stray `]` that only a non-unicode
  // RegExp accepts (as JavaScript engines without the u flag, and the schema's authors, read it).
  const ajv = new Ajv({strict: false, allErrors: true, unicodeRegExp: false})
  addFormats(ajv)
  validateSarif = ajv.compile(schema)
})
afterAll(() => rmSync(work, {recursive: true, force: true}))

async function analyze(paths: string[], policy: PolicyFlagValues = {}): Promise<Report> {
  const cwd = mkdtempSync(join(work, 'cwd-'))
  const {report} = await analyzeCaptures({paths, geo: EMBEDDED_ONLY, policy, cwd, toolVersion: '0.1.0'})
  return report
}

function sarifProblems(log: unknown): string[] {
  return validateSarif(log) ? [] : (validateSarif.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`)
}

function suppressingPolicy(): string {
  const path = join(mkdtempSync(join(work, 'policy-')), 'callaudit.yml')
  writeFileSync(path, ['suppressions:', '  - match: {address: 8.8.8.8}', '    reason: the lab resolver, accepted in review 12', ''].join('\n'))
  return path
}

describe('SARIF of the Jakarta demo call', () => {
  let report: Report
  let text: string
  let log: Log
  beforeAll(async () => {
    report = await analyze([join(FIXTURES, 'demo-jakarta-call.pcapng')])
    text = renderSarif(report)
    log = JSON.parse(text) as Log
  })

  it('validates against the SARIF 2.1.0 schema', () => {
    expect(sarifProblems(log)).toEqual([])
    expect(log.version).toBe('2.1.0')
    expect(log.runs).toHaveLength(1)
  })

  it('describes every rule of the catalogue, in its order, with its help', () => {
    const rules = log.runs[0]!.tool.driver.rules!
    expect(rules.map((r) => r.id)).toEqual(RULES.map((r) => r.id))
    const docs = readFileSync(join(ROOT, 'docs/rules.md'), 'utf8')
    for (const [i, rule] of rules.entries()) {
      const source = RULES[i]!
      expect(rule.shortDescription?.text).toBe(source.title)
      expect(rule.fullDescription?.text).toBe(source.rationale)
      expect(rule.help?.text).toContain(source.remediation)
      expect(rule.name).toMatch(/^[A-Z][A-Za-z0-9]+$/)
      expect(rule.defaultConfiguration?.level).toBe(LEVEL[source.severity])
      // The documentation anchor names a heading that exists in docs/rules.md.
      const anchor = String(rule.properties?.documentation)
      expect(anchor).toBe(`docs/rules.md#${source.id.toLowerCase()}`)
      expect(docs).toContain(`\n## ${source.id}\n`)
    }
    expect(new Set(rules.map((r) => r.name)).size).toBe(rules.length)
  })

  it('has one result per finding, with its rule, level, endpoint and frames', () => {
    const results = log.runs[0]!.results!
    expect(results).toHaveLength(report.findings.length)
    const rules = log.runs[0]!.tool.driver.rules!
    results.forEach((r, i) => {
      const f = report.findings[i]!
      expect(r.ruleId).toBe(f.ruleId)
      expect(rules[r.ruleIndex!]!.id).toBe(f.ruleId)
      expect(r.level).toBe(LEVEL[f.severity])
      expect(r.properties?.severity).toBe(f.severity)
      expect(r.properties?.flowIds).toEqual(f.flowIds)
      expect(r.suppressions).toEqual([])
      if (f.endpoint) expect(r.locations?.[0]?.logicalLocations?.[0]?.name).toBe(f.endpoint)
      // Each evidence item is a related location on the capture, naming its frame.
      expect(r.relatedLocations?.length ?? 0).toBe(f.evidence.length)
      f.evidence.forEach((e, j) => {
        const loc = r.relatedLocations![j]!
        expect(loc.physicalLocation?.artifactLocation?.index).toBe(e.capture ?? 0)
        if (e.frame !== undefined) {
          expect(loc.properties?.frame).toBe(e.frame)
          expect(loc.message?.text).toMatch(new RegExp(`^frame ${e.frame}: `))
        }
      })
    })
    // The demo's findings span the levels (it has high, medium, low and info findings).
    expect(new Set(results.map((r) => r.level))).toEqual(new Set(['error', 'warning', 'note']))
    const counts = {error: 0, warning: 0, note: 0}
    for (const r of results) counts[r.level as keyof typeof counts]++
    const s = report.summary.findings
    expect(counts).toEqual({error: s.critical + s.high, warning: s.medium, note: s.low + s.info})
  })

  it('names the capture as the analysis target, relative as given', () => {
    const artifacts = log.runs[0]!.artifacts!
    expect(artifacts.map((a) => a.location?.uri)).toEqual([pathUri(report.captures[0]!.path)])
    expect(artifacts[0]!.roles).toEqual(['analysisTarget'])
    // The digest of the file as stored, checked against a hash of the bytes made here.
    expect(artifacts[0]!.hashes).toEqual({'sha-256': createHash('sha256').update(readFileSync(report.captures[0]!.path)).digest('hex')})
    for (const r of log.runs[0]!.results!) {
      expect(r.locations).toHaveLength(1)
      expect(r.locations![0]!.physicalLocation?.artifactLocation).toEqual({uri: artifacts[0]!.location!.uri, index: 0})
    }
  })

  it('carries the exit code the CLI gives (1: findings at or above fail-on) and the warnings', () => {
    const invocation = log.runs[0]!.invocations![0]!
    expect(invocation.exitCode).toBe(1)
    expect(invocation.executionSuccessful).toBe(true)
    expect(invocation.toolExecutionNotifications?.length).toBe(report.summary.warnings.length)
    const unreadable = JSON.parse(renderSarif(report, {exitCode: 2})) as Log
    expect(unreadable.runs[0]!.invocations![0]).toMatchObject({exitCode: 2, executionSuccessful: false})
  })

  it('says first, among the notifications, when the countries were not judged (no home given or inferred)', () => {
    const unjudged: Report = {...report, policy: {...report.policy, homeState: 'unjudged', notes: ['no home jurisdiction: set one with --home CC']}}
    const notes = (sarifLog(unjudged).runs[0]!.invocations![0]!.toolExecutionNotifications ?? []).map((n) => n.message.text)
    expect(notes[0]).toBe('countries not judged (no home given or inferred: --home CC): no home jurisdiction: set one with --home CC')
    expect(notes.length).toBe(report.summary.warnings.length + 1)
    expect((sarifLog(report).runs[0]!.invocations![0]!.toolExecutionNotifications ?? []).some((n) => n.message.text?.includes('not judged'))).toBe(false)
  })

  it('escapes brackets and braces in messages, so names never become SARIF links or placeholders', () => {
    // A finding whose detail quotes a name in brackets, as CA-GEO-001's does.
    const quoted = report.findings.find((f) => f.detail.includes('['))!
    const r = log.runs[0]!.results![report.findings.indexOf(quoted)]!
    expect(r.message.text).not.toMatch(/(^|[^\\])\[/)
    expect(r.message.text!.replace(/\\([[\]])/g, '$1')).toBe(quoted.detail)
  })

  it('gives the same bytes for the same report, and for a second analysis of the same capture', async () => {
    expect(renderSarif(report)).toBe(text)
    expect(renderSarif(await analyze([join(FIXTURES, 'demo-jakarta-call.pcapng')]))).toBe(text)
  })
})

describe('SARIF with suppressions, several captures, no findings', () => {
  it('gives a suppressed finding an accepted external suppression with the policy reason', async () => {
    const report = await analyze([join(FIXTURES, 'demo-jakarta-call.pcapng')], {policy: suppressingPolicy()})
    const suppressed = report.findings.filter((f) => f.suppressed)
    expect(suppressed.length).toBeGreaterThan(0)
    const log = JSON.parse(renderSarif(report)) as Log
    expect(sarifProblems(log)).toEqual([])
    const results = log.runs[0]!.results!
    expect(results).toHaveLength(report.findings.length)
    report.findings.forEach((f, i) => {
      const r: Result = results[i]!
      if (f.suppressed) {
        expect(r.suppressions).toEqual([{kind: 'external', status: 'accepted', justification: 'the lab resolver, accepted in review 12', properties: {policyRule: f.suppressed.rule}}])
        expect(f.endpoint ?? '8.8.8.8').toBe('8.8.8.8')
      } else {
        expect(r.suppressions).toEqual([])
      }
    })
  })

  it('lists each capture once and points each result at the capture its evidence is in', async () => {
    const report = await analyze([join(FIXTURES, 'demo-call.pcapng'), join(FIXTURES, 'demo-jakarta-call.pcapng')])
    const log = JSON.parse(renderSarif(report)) as Log
    expect(sarifProblems(log)).toEqual([])
    expect(log.runs[0]!.artifacts!.map((a) => a.location!.uri)).toEqual(report.captures.map((c) => pathUri(c.path)))
    const flowCapture = new Map(report.flows.map((f) => [f.id, f.capture]))
    const indices = new Set<number>()
    report.findings.forEach((f, i) => {
      const expected = [...new Set([...f.evidence.map((e) => e.capture), ...f.flowIds.map((id) => flowCapture.get(id))].filter((c): c is number => c !== undefined))].sort()
      const got = log.runs[0]!.results![i]!.locations!.map((l) => l.physicalLocation!.artifactLocation!.index!)
      if (expected.length) expect(got).toEqual(expected)
      for (const g of got) indices.add(g)
    })
    // Findings from both calls: both artifacts are referred to.
    expect([...indices].sort()).toEqual([0, 1])
  })

  it('is valid with no findings at all', async () => {
    // Pings hold no call: the one finding is CA-CALL-001. The same report without it is a run
    // that found nothing.
    const analysed = await analyze([join(FIXTURES, 'icmp.pcap')])
    expect(analysed.findings.map((f) => f.ruleId)).toEqual(['CA-CALL-001'])
    // A finding with no endpoint and only the largest flows as evidence is valid SARIF as well.
    const withIt = JSON.parse(renderSarif(analysed)) as Log
    expect(sarifProblems(withIt)).toEqual([])
    expect(withIt.runs[0]!.results!.map((r) => r.ruleId)).toEqual(['CA-CALL-001'])
    const noFindings = {high: 0, critical: 0, medium: 0, low: 0, info: 0}
    const report = {...analysed, findings: [], summary: {...analysed.summary, verdict: 'pass' as const, exitCode: 0, worstSeverity: null, findings: noFindings}}
    const log = JSON.parse(renderSarif(report)) as Log
    expect(sarifProblems(log)).toEqual([])
    expect(log.runs[0]!.results).toEqual([])
    expect(log.runs[0]!.invocations![0]!.exitCode).toBe(0)
    expect(log.runs[0]!.tool.driver.rules).toHaveLength(RULES.length)
  })

  it('neutralises hostile text from the capture (no control or bidi character in any string)', async () => {
    const call = writeHostileCall(mkdtempSync(join(work, 'hostile-')))
    const report = await analyze([call.path])
    const text = renderSarif(report)
    expect(sarifProblems(JSON.parse(text))).toEqual([])
    // JSON would carry them as \u001b escapes; once parsed, no string may hold one.
    const strings: string[] = []
    const walk = (v: unknown): void => {
      if (typeof v === 'string') strings.push(v)
      else if (Array.isArray(v)) v.forEach(walk)
      else if (v && typeof v === 'object') Object.values(v).forEach(walk)
    }
    walk(JSON.parse(text))
    const unsafe = strings.filter((s) => /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/.test(s.replace(/\n/g, '')))
    expect(unsafe).toEqual([])
    // The hostile escape sequences did reach the report: the test is about something.
    expect(JSON.stringify(report)).toContain('\\u001b[31m')
  })
})

describe('pathUri', () => {
  it('keeps relative paths relative and percent-encodes what a URI cannot hold', () => {
    expect(pathUri('fixtures/demo-call.pcapng')).toBe('fixtures/demo-call.pcapng')
    expect(pathUri('/tmp/my call#1.pcap')).toBe('/tmp/my%20call%231.pcap')
    expect(pathUri('c:call?.pcap')).toBe('c%3Acall%3F.pcap')
    expect(pathUri('-')).toBe('-')
  })
})

describe('sarifPieces: a log too large for one string', () => {
  it('comes in pieces of about a mebibyte that make the same log, every finding a result', async () => {
    const report = await analyze([join(FIXTURES, 'demo-jakarta-call.pcapng')])
    const finding = report.findings[0]!
    for (let i = 0; i < 3000; i++) report.findings.push(finding)
    const pieces = [...sarifPieces(report)]
    expect(pieces.length).toBeGreaterThan(1)
    const log = JSON.parse(pieces.join('')) as Log
    expect(log.runs[0]!.results).toHaveLength(report.findings.length)
    expect(validateSarif(log)).toBe(true)
  })
})
