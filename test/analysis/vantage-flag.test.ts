import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {analyzeCaptures} from '../../src/analysis/analyze.js'
import type {Report} from '../../src/report/report-model.js'
import {renderAnalyzeTable} from '../../src/report/analyze-table.js'
import {renderMarkdown} from '../../src/report/markdown.js'
import {renderHtml} from '../../src/report/html/render-html.js'
import {corpusFiles, corpusPath, FIXTURES, HAVE_CORPUS} from '../helpers/paths.js'
import {tempDir} from '../helpers/temp-dir.js'

/**
 * `--vantage` is the vantage as the user gave it: `lat,lon` is a point shown as given, from
 * which no country is derived (no country borders are bundled) and to which none is borrowed
 * from the geolocated public address; `CC` is that country. Where the capture disagrees, a
 * warning says so. The demo call was made in Jakarta: its public address 36.84.217.46 geolocates
 * to ID.
 */
const DEMO = join(FIXTURES, 'demo-jakarta-call.pcapng')
const EMBEDDED_ONLY = {dbPaths: [], dirs: [], env: {}, systemDirs: false as const, useEmbedded: true}
const NO_COUNTRY = 'gives a point, not a country (no country borders are bundled to find one offline, and the public address\'s country is not what the flag said)'

async function analyze(path: string, vantage: string, policy: Record<string, string> = {}): Promise<Report> {
  return (await analyzeCaptures({paths: [path], geo: EMBEDDED_ONLY, policy, cwd: tempDir('callaudit-cwd-'), toolVersion: 'test', vantage})).report
}

describe('--vantage lat,lon', () => {
  it('is the location as given; no country is made up for it, so home stays unset and the report says why', async () => {
    const r = await analyze(DEMO, '48.85,2.35') // Paris
    expect(r.vantage).toMatchObject({country: null, location: {lat: 48.85, lon: 2.35}, source: '--vantage 48.85,2.35'})
    expect(r.policy.homeState).toBe('unjudged')
    expect(r.policy.home).toEqual([])
    expect(r.policy.notes[0]).toBe(`no home jurisdiction: --vantage 48.85,2.35 ${NO_COUNTRY}; countries are reported without judging; set one with --home CC (a country code or a group such as EU) or home: in callaudit.yml`)
    expect(r.policy.notes.join('\n')).not.toMatch(/home inferred/)
    // Every renderer shows the point given, not where the public address geolocates.
    const table = renderAnalyzeTable(r)
    expect(table).toMatch(/Vantage +192\.168\.0\.105 behind 36\.84\.217\.46 — 48\.85, 2\.35 \(given with --vantage\)/)
    expect(table).not.toMatch(/Vantage[^\n]*Jakarta/)
    expect(renderMarkdown(r)).toContain('- Vantage (the capturing host): `192.168.0.105` behind `36.84.217.46` at 48.85, 2.35 (given with --vantage).')
    expect(renderHtml(r)).toContain('48.85, 2.35 (given with --vantage); the public address geolocates to East Jakarta, ID')
    // The capture says otherwise: a warning, and round trips judged from the point given say so.
    const warning = r.summary.warnings.find((w) => w.startsWith('--vantage 48.85,2.35 disagrees with the capture'))
    expect(warning).toMatch(/^--vantage 48\.85,2\.35 disagrees with the capture: it is \d+ km from East Jakarta, ID, where the public address 36\.84\.217\.46 geolocates/)
    const implausible = r.findings.filter((x) => x.ruleId === 'CA-GEO-005')
    expect(implausible.map((f) => f.endpoint)).toEqual(['20.198.162.76']) // placed in Singapore, answering in 18.6 ms
    expect(implausible[0]!.detail).toContain('km from the vantage (--vantage 48.85,2.35). The server is closer than the database says (anycast or a mislabelled range), or the given vantage is not where the capture was made')
  })

  it('agreeing with the capture: no warning, and still no country', async () => {
    const r = await analyze(DEMO, '-6.2,106.8') // Jakarta
    expect(r.vantage.country).toBeNull()
    expect(r.policy.homeState).toBe('unjudged')
    expect(r.summary.warnings.join('\n')).not.toContain('disagrees')
  })

  it('with --home, the home is the one set', async () => {
    const r = await analyze(DEMO, '48.85,2.35', {home: 'FR'})
    expect(r.policy).toMatchObject({homeState: 'set', home: ['FR']})
    expect(r.vantage.country).toBeNull()
  })
})

describe('--vantage CC', () => {
  it('is that country, shown as given, with a warning when the public address geolocates elsewhere', async () => {
    const r = await analyze(DEMO, 'FR')
    expect(r.vantage).toMatchObject({country: 'FR', location: null, source: '--vantage FR'})
    expect(r.policy).toMatchObject({homeState: 'inferred', home: ['FR']})
    expect(r.policy.notes[0]).toBe('home inferred from --vantage FR (FR, France)')
    expect(renderAnalyzeTable(r)).toMatch(/Vantage +192\.168\.0\.105 behind 36\.84\.217\.46 — FR \(given with --vantage\)/)
    expect(r.summary.warnings).toContain('--vantage FR disagrees with the capture: the public address 36.84.217.46 geolocates to East Jakarta, ID (a VPN or proxy, or a wrong flag); the flag is used')
    expect((await analyze(DEMO, 'ID')).summary.warnings.join('\n')).not.toContain('disagrees')
  })
})

describe.skipIf(!HAVE_CORPUS || !corpusFiles().includes('teams.pcap'))('--vantage on the corpus', () => {
  it('teams.pcap --vantage=-33.9,151.2: Sydney as given, no Italian home borrowed from the STUN address', async () => {
    const r = await analyze(corpusPath('teams.pcap'), '-33.9,151.2')
    expect(r.vantage).toMatchObject({country: null, location: {lat: -33.9, lon: 151.2}, source: '--vantage -33.9,151.2'})
    expect(r.policy.homeState).toBe('unjudged')
    expect(r.policy.notes[0]).toContain(`--vantage -33.9,151.2 ${NO_COUNTRY}`)
    expect(renderAnalyzeTable(r)).toContain('— -33.9, 151.2 (given with --vantage)')
    expect(r.summary.warnings.some((w) => /^--vantage -33\.9,151\.2 disagrees with the capture: it is \d+ km from Pistoia, IT/.test(w))).toBe(true)
  })
})
