import {afterAll, describe, expect, it} from 'vitest'
import {analyzeCaptures} from '../../src/analysis/analyze.js'
import {diffReports, type DiffInput} from '../../src/diff/compute-diff.js'
import type {Diff} from '../../src/diff/diff-model.js'
import {parseReport} from '../../src/diff/report-shape.js'
import {InputError} from '../../src/errors.js'
import {jsonText} from '../../src/report/json-text.js'
import {callCapture, type CallPart, tempDir} from './call-builder.js'

/**
 * The diff's semantics on generated calls analysed for real (embedded GeoIP only): when a new
 * address is the same server moved, how findings keep their identity, what fails.
 */

const files = tempDir()
afterAll(() => files.remove())
const EMBEDDED_ONLY = {dbPaths: [], dirs: [], env: {}, systemDirs: false as const, useEmbedded: true}
let count = 0

async function side(parts: CallPart[], policy: Record<string, string>): Promise<DiffInput> {
  const path = files.write(`call-${++count}.pcap`, callCapture(parts))
  const {report} = await analyzeCaptures({paths: [path], geo: EMBEDDED_ONLY, policy, cwd: files.dir, toolVersion: 'test'})
  return {input: path, kind: 'capture', report}
}

function diff(before: DiffInput, after: DiffInput, failOn: 'high' | 'medium' = 'high'): Diff {
  return diffReports(before, after, {failOn, toolVersion: 'test'})
}

const named = (name: string, ip: string): CallPart[] => [{kind: 'dns', name, ip}, {kind: 'media', ip}]
const ID = {home: 'ID'}

describe('endpoints: moved or new', () => {
  it('a new address with a name seen before but in another country is new, not moved', async () => {
    const before = await side(named('zoomlax37mmr.zoom.us', '144.195.37.118'), ID)
    const after = await side(named('zoomlax37mmr.zoom.us', '1.202.0.1'), ID) // CN per the embedded database
    const d = diff(before, after)
    expect(d.endpoints.map((e) => [e.status, e.ip])).toEqual([['new', '1.202.0.1'], ['gone', '144.195.37.118']])
    expect(d.findings.find((f) => f.ruleId === 'CA-GEO-001' && f.status === 'new')?.after?.endpoints).toEqual(['1.202.0.1'])
  })

  it('two new addresses behind one known name both moved; their finding keeps its identity', async () => {
    const before = await side(named('zoomlax37mmr.zoom.us', '144.195.37.118'), ID)
    const after = await side([...named('zoomlax37mmr.zoom.us', '144.195.37.119'), ...named('zoomlax37mmr.zoom.us', '144.195.37.120')], ID)
    const d = diff(before, after)
    expect(d.endpoints.map((e) => [e.status, e.ip, e.from])).toEqual([
      ['moved', '144.195.37.119', '144.195.37.118'],
      ['moved', '144.195.37.120', '144.195.37.118'],
    ])
    // Media to the US is outside home ID: one finding per side about the same server.
    expect(before.report.findings.filter((f) => f.ruleId === 'CA-GEO-001').map((f) => f.endpoint)).toEqual(['144.195.37.118'])
    expect(after.report.findings.filter((f) => f.ruleId === 'CA-GEO-001')).toHaveLength(2)
    expect(d.findings.filter((f) => f.ruleId === 'CA-GEO-001')).toEqual([])
    expect(d.summary.exitCode).toBe(0)
  })

  it('unnamed servers move only with the same operator, country, role and app', async () => {
    const before = await side([{kind: 'media', ip: '206.247.118.34'}], ID)
    const sameOperator = await side([{kind: 'media', ip: '206.247.118.35'}], ID)
    const moved = diff(before, sameOperator).endpoints
    expect(moved).toMatchObject([{status: 'moved', ip: '206.247.118.35', from: '206.247.118.34', match: 'operator'}])
    expect(moved[0]!.sharedNames).toBeUndefined()
    const otherOperator = await side([{kind: 'media', ip: '52.202.62.196'}], ID) // US too, AS14618 not AS30103
    expect(before.report.endpoints[0]!.geo?.country).toBe(otherOperator.report.endpoints[0]!.geo?.country)
    expect(diff(before, otherOperator).endpoints.map((e) => e.status)).toEqual(['new', 'gone'])
  })
})

describe('findings: identity, severity changes, what fails', () => {
  it('the per-app DNS finding keeps its identity when the names it quotes change', async () => {
    const before = await side([{kind: 'dns', name: 'us05web.zoom.us', ip: '170.114.10.73'}, {kind: 'tls', ip: '170.114.10.73', sni: 'us05web.zoom.us'}], ID)
    const after = await side([{kind: 'dns', name: 'us06web.zoom.us', ip: '170.114.10.73'}, {kind: 'tls', ip: '170.114.10.73', sni: 'us06web.zoom.us'}], ID)
    const details = (s: DiffInput) => s.report.findings.find((f) => f.ruleId === 'CA-META-001')?.detail
    expect(details(before)).not.toBe(details(after))
    const d = diff(before, after)
    expect(d.findings).toEqual([])
    expect(d.summary.findings.unchanged).toBe(before.report.findings.length)
  })

  it('a severity raised into the failing band fails; one raised within it is shown but does not', async () => {
    const parts: CallPart[] = [
      {kind: 'tls', ip: '52.202.62.196', sni: 'log.zoom.us'}, // zoom telemetry: medium outside home
      {kind: 'tls', ip: '170.114.10.73', sni: 'us05web.zoom.us'}, // zoom control: high outside home
    ]
    const before = await side(parts, ID)
    const after = await side(parts, {home: 'ID', deny: 'US'}) // denied: critical
    const d = diff(before, after)
    const change = (ip: string) => d.findings.find((f) => f.key === `CA-GEO-001 @ ${ip}`)
    expect(change('52.202.62.196')).toMatchObject({status: 'changed', failing: true, before: {severity: 'medium'}, after: {severity: 'critical'}})
    expect(change('170.114.10.73')).toMatchObject({status: 'changed', failing: false, before: {severity: 'high'}, after: {severity: 'critical'}})
    expect(d.summary.newFailing).toBe(1)
    expect(d.summary.exitCode).toBe(1)
    expect(d.warnings.join(' ')).toMatch(/different policies \(deny none vs US\)/)
  })

  it('suppressed findings are shown apart and never fail', async () => {
    const policyFile = files.write('suppress.yml', 'suppressions:\n  - match: {address: 1.202.0.1}\n    reason: test relay accepted for this lab\n')
    const relay: CallPart[] = [{kind: 'media', ip: '1.202.0.1', port: 3478}]
    const before = await side([{kind: 'media', ip: '144.195.37.118'}], {home: 'US', deny: 'CN'})
    const after = await side([{kind: 'media', ip: '144.195.37.118'}, ...relay], {home: 'US', deny: 'CN', policy: policyFile})
    const d = diff(before, after)
    expect(d.suppressed).toMatchObject([{status: 'new', key: 'CA-GEO-001 @ 1.202.0.1', failing: false, after: {severity: 'critical', suppressed: {reason: 'test relay accepted for this lab'}}}])
    expect(d.findings.some((f) => f.key === 'CA-GEO-001 @ 1.202.0.1')).toBe(false)
    expect(d.summary.exitCode).toBe(0)

    // Counted before, suppressed after: gone from the counted list, with a note saying why.
    const counted = await side([{kind: 'media', ip: '144.195.37.118'}, ...relay], {home: 'US', deny: 'CN'})
    const later = diff(counted, after)
    expect(later.findings.find((f) => f.key === 'CA-GEO-001 @ 1.202.0.1')).toMatchObject({status: 'gone', note: 'suppressed now'})
    expect(later.suppressed.find((f) => f.key === 'CA-GEO-001 @ 1.202.0.1')).toMatchObject({status: 'new', note: 'counted before'})
  })
})

describe('warnings when the sides are not like for like', () => {
  it('says when the databases or the callaudit versions differ, and only then', async () => {
    const s = await side([{kind: 'media', ip: '144.195.37.118'}], ID)
    expect(diff(s, s).warnings).toEqual([])
    // The same report as if made months later by a newer callaudit with a newer database.
    const later = structuredClone(s.report)
    later.databases[0]!.buildDate = '2027-01-05'
    later.tool.version = '9.9.9'
    const d = diff(s, {...s, kind: 'report', report: later})
    expect(d.summary.empty).toBe(true)
    expect(d.warnings).toHaveLength(2)
    expect(d.warnings[0]).toMatch(/different databases .*\(2027-01-05\).*a country change may come from the databases/)
    expect(d.warnings[1]).toMatch(/callaudit test and after by 9\.9\.9/)
  })
})

describe('reading a report side', () => {
  it('accepts a real report and refuses a diff given in its place', async () => {
    const s = await side([{kind: 'media', ip: '144.195.37.118'}], ID)
    const text = jsonText(s.report)
    expect(parseReport(text, 'r.json').endpoints).toEqual(s.report.endpoints)
    const asDiff = jsonText(diff(s, s))
    expect(() => parseReport(asDiff, 'd.json')).toThrow(InputError)
    expect(() => parseReport(asDiff, 'd.json')).toThrow(/diff, not a report/)
  })
})

/** The one line the command prints for what parseReport throws. */
function refusal(text: string, file: string): string {
  try {
    parseReport(text, file)
  } catch (error) {
    if (error instanceof InputError) return error.oneLine()
    throw error
  }
  throw new Error('accepted')
}

describe('a report side that is hostile or odd', () => {
  it('a severity override that is not a string (here an array nested 200 000 deep) is one InputError, not a stack overflow', async () => {
    const s = await side([{kind: 'media', ip: '144.195.37.118'}], ID)
    const deep = `${'['.repeat(200_000)}"high"${']'.repeat(200_000)}`
    const text = jsonText({...s.report, policy: {...s.report.policy, severityOverrides: {'CA-GEO-001': '@DEEP@'}}}).replace('"@DEEP@"', deep)
    expect(refusal(text, 'deep.json')).toBe('deep.json: not a usable callaudit analyze report: policy.severityOverrides is missing or of the wrong type')
  })

  it('a home state the model does not have is refused, naming the field', async () => {
    const s = await side([{kind: 'media', ip: '144.195.37.118'}], ID)
    const text = jsonText({...s.report, policy: {...s.report.policy, homeState: 'maybe'}})
    expect(refusal(text, 'odd.json')).toBe('odd.json: not a usable callaudit analyze report: policy.homeState is missing or of the wrong type')
  })
})

describe('scale', () => {
  it('matches 20 000 moved endpoints a side in seconds, not minutes (indexes, not a scan per address)', async () => {
    // A real report's remote endpoint, repeated: before i and after i share one name only, at
    // different addresses in one country, so every after address has moved from its before one.
    const s = await side(named('zoomlax37mmr.zoom.us', '144.195.37.118'), ID)
    const template = s.report.endpoints.find((e) => e.ip === '144.195.37.118')!
    const N = 20_000
    const ip = (i: number) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`
    const sideOf = (offset: number, alias: string): DiffInput => ({
      input: alias,
      kind: 'report',
      report: {
        ...s.report,
        endpoints: Array.from({length: N}, (_, i) => ({...template, ip: ip(i + offset), names: [`media${i}.example.net`, `${alias}${i}.example.org`], bytes: 1000 + i})),
        findings: Array.from({length: N}, (_, i) => ({...s.report.findings[0]!, ruleId: 'CA-GEO-001', endpoint: ip(i + offset)})),
      },
    })
    const started = performance.now()
    const d = diff(sideOf(0, 'b'), sideOf(N, 'a'))
    expect(performance.now() - started).toBeLessThan(4000)
    expect(d.summary.endpoints).toMatchObject({new: 0, gone: 0, moved: N})
    expect(d.endpoints.every((e) => e.from === ip(Number(e.sharedNames![0]!.slice(5, -12))))).toBe(true)
    // Their findings kept their identity through the move.
    expect(d.findings).toEqual([])
  }, 60_000)

  it('gathers 20 000 new addresses behind one known name into one finding in seconds', async () => {
    // A CDN name that had one address before and resolves to 20 000 now: all moved from it, and
    // their 20 000 findings are one identity (the rule at the address they moved from).
    const s = await side(named('zoomlax37mmr.zoom.us', '144.195.37.118'), ID)
    const template = s.report.endpoints.find((e) => e.ip === '144.195.37.118')!
    const N = 20_000
    const ip = (i: number) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`
    const finding = {...s.report.findings[0]!, ruleId: 'CA-GEO-001'}
    const before: DiffInput = {input: 'b', kind: 'report', report: {...s.report, endpoints: [template], findings: []}}
    const after: DiffInput = {
      input: 'a',
      kind: 'report',
      report: {
        ...s.report,
        endpoints: Array.from({length: N}, (_, i) => ({...template, ip: ip(i)})),
        findings: Array.from({length: N}, (_, i) => ({...finding, endpoint: ip(i)})),
      },
    }
    const started = performance.now()
    const d = diff(before, after)
    expect(performance.now() - started).toBeLessThan(4000)
    expect(d.summary.endpoints).toMatchObject({new: 0, gone: 0, moved: N})
    expect(d.findings).toHaveLength(1)
    expect(d.findings[0]).toMatchObject({status: 'new', key: 'CA-GEO-001 @ 144.195.37.118'})
    const addresses = d.findings[0]!.after!.endpoints
    expect(addresses).toHaveLength(N)
    expect(addresses).toEqual(Array.from({length: N}, (_, i) => ip(i)).sort())
  }, 120_000)
})
