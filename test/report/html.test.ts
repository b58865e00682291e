import {spawnSync} from 'node:child_process'
import {createHash} from 'node:crypto'
import {existsSync, mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {analyzeCaptures, type AnalyzeOptions} from '../../src/analysis/analyze.js'
import {SEVERITIES} from '../../src/policy/policy.js'
import {MAX_MAP_ENDPOINTS} from '../../src/report/html/map-svg.js'
import {renderHtml} from '../../src/report/html/render-html.js'
import type {Report, ReportFlow} from '../../src/report/report-model.js'
import {FIXTURES, ROOT} from '../helpers/paths.js'
import {assertNeutralised, HOSTILE, SDES_NAME, writeHostileCall} from '../support/hostile-call.js'

/**
 * The HTML report without a browser: its CSP against the inline blocks it really carries, no
 * reference to anything outside the file, the map, charts and findings against the Report they
 * were drawn from, hostile names escaped, byte-identical output. The browser half is
 * html-browser.test.ts.
 */

const DEMO = join(FIXTURES, 'demo-jakarta-call.pcapng')
const EMBEDDED_ONLY = {dbPaths: [], dirs: [], env: {}, systemDirs: false as const, useEmbedded: true}

const dirs: string[] = []
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'callaudit-html-'))
  dirs.push(d)
  return d
}
afterAll(() => {
  for (const d of dirs) rmSync(d, {recursive: true, force: true})
})

async function analyze(paths: string[], extra: Partial<AnalyzeOptions> = {}): Promise<Report> {
  const {report} = await analyzeCaptures({paths, geo: EMBEDDED_ONLY, policy: {}, cwd: tempDir(), toolVersion: 'test', ...extra})
  return report
}

// ---------------------------------------------------------------------------------------------
// A strict reader of the markup the renderer writes: every `<` outside the one style and the
// one script must open a well-formed tag whose attributes are all double-quoted without `<`,
// `>` or `"` inside. Text that escaped badly would leave a `<` this reader rejects.
// ---------------------------------------------------------------------------------------------

interface Tag {
  name: string
  closing: boolean
  attrs: Map<string, string>
  index: number
}

const TAG = /<(\/?)([a-zA-Z][a-zA-Z0-9]*)((?:\s+[a-zA-Z][a-zA-Z0-9:-]*="[^"<>]*")*)\s*\/?>/y
const ATTR = /\s+([a-zA-Z][a-zA-Z0-9:-]*)="([^"<>]*)"/g

function blockContent(html: string, name: 'style' | 'script'): string[] {
  return [...html.matchAll(new RegExp(`<${name}>([\\s\\S]*?)</${name}>`, 'g'))].map((m) => m[1]!)
}

function scanTags(html: string): Tag[] {
  // Blank the inline style and script (their text is not markup), keeping the tags themselves.
  // Blanked to spaces of the same length, so tag indexes are indexes into `html`.
  const blank = (_: string, open: string, body: string, close: string) => open + ' '.repeat(body.length) + close
  const markup = html.replace(/(<style>)([\s\S]*?)(<\/style>)/g, blank).replace(/(<script>)([\s\S]*?)(<\/script>)/g, blank)
  if (!markup.startsWith('<!DOCTYPE html>\n')) throw new Error('no doctype first')
  const tags: Tag[] = []
  let i = markup.indexOf('<', 1)
  while (i !== -1) {
    TAG.lastIndex = i
    const m = TAG.exec(markup)
    if (!m) throw new Error(`not a well-formed tag at ${i}: ${JSON.stringify(markup.slice(i, i + 80))}`)
    const attrs = new Map<string, string>()
    for (const a of m[3]!.matchAll(ATTR)) {
      if (attrs.has(a[1]!)) throw new Error(`attribute ${a[1]} twice at ${i}`)
      attrs.set(a[1]!, a[2]!)
    }
    tags.push({name: m[2]!.toLowerCase(), closing: m[1] === '/', attrs, index: i})
    i = markup.indexOf('<', i + m[0].length)
  }
  return tags
}

const ALLOWED_TAGS = new Set('html head meta title style body header nav main section footer h1 h2 h3 h4 p span strong code br a ul li dl dt dd div article table caption thead tbody tr th td svg g path circle rect line text script'.split(' '))
const ALLOWED_ATTRS = new Set('lang charset http-equiv name content class id href title role scope viewBox width height d cx cy r x y x1 y1 x2 y2 aria-labelledby aria-hidden'.split(' '))

/** Throw unless every tag and attribute is one the report is meant to contain. */
function assertOnlyOwnMarkup(tags: Tag[]): void {
  for (const t of tags) {
    if (!ALLOWED_TAGS.has(t.name)) throw new Error(`unexpected <${t.name}> at ${t.index}`)
    for (const [k, v] of t.attrs) {
      if (!ALLOWED_ATTRS.has(k) && !/^data-[a-z]+$/.test(k)) throw new Error(`unexpected attribute ${k}="${v}" on <${t.name}> at ${t.index}`)
      if (k === 'href' && !v.startsWith('#')) throw new Error(`href to ${v} at ${t.index}`)
    }
  }
}

const classes = (t: Tag) => new Set((t.attrs.get('class') ?? '').split(/\s+/).filter(Boolean))
const withClass = (tags: Tag[], name: string, cls: string) => tags.filter((t) => !t.closing && t.name === name && classes(t).has(cls))
const cspOf = (html: string) => /<head>\n<meta http-equiv="Content-Security-Policy" content="([^"]*)">/.exec(html)?.[1]
const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`

/** The part of the document between the element with this id and the next `<section`. */
function section(html: string, id: string): string {
  const start = html.indexOf(`<section id="${id}">`)
  expect(start, id).toBeGreaterThan(-1)
  const end = html.indexOf('<section', start + 10)
  return html.slice(start, end === -1 ? undefined : end)
}

describe('the HTML report of the Jakarta demo call', () => {
  let report: Report
  let html: string
  let tags: Tag[]
  beforeAll(async () => {
    report = await analyze([DEMO])
    html = renderHtml(report)
    tags = scanTags(html)
  })

  it('titles the page with the file name of the capture, and a piped capture as standard input', () => {
    expect(html).toContain('<title>callaudit report: demo-jakarta-call.pcapng</title>')
    const piped = structuredClone(report)
    piped.captures[0]!.path = '-'
    const pipedHtml = renderHtml(piped)
    expect(pipedHtml).toContain('<title>callaudit report: standard input</title>')
    expect(pipedHtml).toContain('<h1>callaudit report: standard input</h1>')
    expect(pipedHtml).toContain('<h3>Capture 1: <code>standard input</code></h3>')
  })

  it('opens <head> with a strict CSP whose hashes are those of the inline style and script it carries', () => {
    const csp = cspOf(html)
    expect(csp, 'CSP meta must be the first thing in <head>').toBeDefined()
    const directives = new Map(csp!.split(';').map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k!, v]))
    expect(directives.get('default-src')).toEqual(["'none'"])
    expect(directives.get('img-src')).toEqual(['data:'])
    expect(csp).not.toContain('unsafe')
    const styles = blockContent(html, 'style')
    const scripts = blockContent(html, 'script')
    expect(styles).toHaveLength(1)
    expect(scripts).toHaveLength(1)
    expect(html.match(/<style/g)).toHaveLength(1)
    expect(html.match(/<script/g)).toHaveLength(1)
    expect(directives.get('style-src')).toEqual([sha256(styles[0]!)])
    expect(directives.get('script-src')).toEqual([sha256(scripts[0]!)])
  })

  it('refers to nothing outside the file and has no inline handlers or style attributes', () => {
    assertOnlyOwnMarkup(tags)
    for (const t of tags) {
      expect(t.attrs.has('src'), `src on <${t.name}>`).toBe(false)
      expect(t.attrs.has('style'), `style attribute on <${t.name}>`).toBe(false)
      expect([...t.attrs.keys()].filter((k) => /^on/i.test(k)), `handler on <${t.name}>`).toEqual([])
    }
    expect(html).not.toMatch(/\s(src|href)\s*=\s*["']?\s*(https?:|\/\/)/i)
    const style = blockContent(html, 'style')[0]!
    expect(style).not.toMatch(/@import/i)
    for (const m of style.matchAll(/url\(\s*['"]?([^'")]*)/gi)) expect(m[1]).toMatch(/^data:/)
    const script = blockContent(html, 'script')[0]!
    expect(script).not.toMatch(/fetch|XMLHttpRequest|WebSocket|EventSource|sendBeacon|import\(|\.src\b|location/)
    expect(script).toContain('addEventListener')
  })

  it('marks the vantage and each endpoint that has coordinates, with an arc coloured by its worst finding', () => {
    const located = report.endpoints.filter((e) => typeof e.geo?.latitude === 'number' && typeof e.geo?.longitude === 'number')
    // The demo's public endpoints: SG media, US relay/control/telemetry/DNS, SG web.
    expect(located.map((e) => e.ip).sort()).toEqual(['144.195.37.118', '149.137.41.57', '170.114.10.73', '20.198.162.76', '206.247.118.34', '52.202.62.196', '8.8.8.8'])
    // Inside the map (the legend below it repeats the symbols).
    const map = scanTags(`<!DOCTYPE html>\n${/<svg class="map"[\s\S]*?<\/svg>/.exec(html)![0]}`)
    const markers = withClass(map, 'circle', 'marker')
    expect(markers.map((m) => m.attrs.get('data-ip')).sort()).toEqual(located.map((e) => e.ip).sort())
    const vantage = withClass(map, 'path', 'vantage')
    expect(vantage).toHaveLength(1)
    expect(classes(vantage[0]!).has('marker')).toBe(true)

    // Worst finding per endpoint, as the analysis test establishes them: CA-GEO-001 high for
    // the call servers abroad, medium for Zoom's telemetry, CA-GEO-004 medium for the resolver;
    // none for the background web flow (SmartScreen): it is not the call's, CA-GEO-001 does not
    // judge it.
    const expected: Record<string, string> = {
      '149.137.41.57': 'sev-high',
      '206.247.118.34': 'sev-high',
      '170.114.10.73': 'sev-high',
      '144.195.37.118': 'sev-high',
      '52.202.62.196': 'sev-medium',
      '20.198.162.76': 'sev-none',
      '8.8.8.8': 'sev-medium',
    }
    const arcs = withClass(map, 'path', 'arc')
    expect(arcs).toHaveLength(located.length)
    for (const arc of arcs) expect(classes(arc).has(expected[arc.attrs.get('data-ip')!]!), arc.attrs.get('data-ip')).toBe(true)
    for (const m of markers) expect(classes(m).has(expected[m.attrs.get('data-ip')!]!)).toBe(true)

    // Geometry: Singapore is ~900 km from Jakarta, the US endpoints ~15 000 km.
    const at = (t: Tag) => [Number(t.attrs.get('cx')), Number(t.attrs.get('cy'))] as const
    const v = vantage[0]!.attrs.get('d')!.match(/^M([\d.]+),([\d.]+)/)!.slice(1).map(Number) // diamond top vertex
    const dist = (ip: string) => {
      const [x, y] = at(markers.find((m) => m.attrs.get('data-ip') === ip)!)
      return Math.hypot(x - v[0]!, y - v[1]!)
    }
    expect(dist('149.137.41.57')).toBeLessThan(40)
    expect(dist('206.247.118.34')).toBeGreaterThan(250)
  })

  it('draws at most MAX_MAP_ENDPOINTS endpoints, those with the worst findings and the most bytes first, and says how many are left out', () => {
    // The demo's endpoints and as many more without a finding as it takes to pass the bound
    // (a scan): these have coordinates, no finding, and more bytes than the demo resolver 8.8.8.8.
    const many = structuredClone(report)
    const template = many.endpoints.find((e) => e.ip === '206.247.118.34')!
    const extra = MAX_MAP_ENDPOINTS + 50
    for (let i = 0; i < extra; i++) many.endpoints.push({...structuredClone(template), ip: `198.18.${i >> 8}.${i & 255}`, bytes: 1000 + i, flowIds: []})
    const page = renderHtml(many)
    const map = scanTags(`<!DOCTYPE html>\n${/<svg class="map"[\s\S]*?<\/svg>/.exec(page)![0]}`)
    const drawn = withClass(map, 'circle', 'marker').map((m) => m.attrs.get('data-ip')!)
    expect(drawn).toHaveLength(MAX_MAP_ENDPOINTS)
    // Every endpoint with a finding is drawn; of the others, the largest.
    for (const ip of ['149.137.41.57', '206.247.118.34', '170.114.10.73', '144.195.37.118', '52.202.62.196', '20.198.162.76', '8.8.8.8']) expect(drawn).toContain(ip)
    expect(drawn).toContain(`198.18.${(extra - 1) >> 8}.${(extra - 1) & 255}`)
    expect(drawn).not.toContain('198.18.0.0')
    expect(withClass(map, 'path', 'arc')).toHaveLength(MAX_MAP_ENDPOINTS)
    const located = 7 + extra
    expect(page).toContain(`World map: the vantage and ${MAX_MAP_ENDPOINTS} of ${located} geolocated endpoints`)
    expect(page).toContain(`${located - MAX_MAP_ENDPOINTS} of the ${located} geolocated endpoints are not drawn`)
  })

  it('tints countries: home from the policy, the countries reached by their verdict', () => {
    const tinted = new Map(withClass(tags, 'path', 'country').map((t) => [t.attrs.get('data-country'), t]))
    expect(classes(tinted.get('ID')!).has('v-home')).toBe(true)
    expect(classes(tinted.get('US')!).has('v-outside')).toBe(true)
    // Singapore (ISO numeric 702) is too small for the 1:110m atlas: only its markers show it.
    const atlas = JSON.parse(readFileSync(join(ROOT, 'node_modules/world-atlas/countries-110m.json'), 'utf8')) as {objects: {countries: {geometries: Array<{id?: string}>}}}
    expect(atlas.objects.countries.geometries.some((g) => g.id === '702')).toBe(false)
    expect([...tinted.keys()].sort()).toEqual(['ID', 'US'])
  })

  it('keeps the map SVG reasonable: coordinates with at most one decimal', () => {
    const map = /<svg class="map"[\s\S]*?<\/svg>/.exec(html)![0]
    expect(map.length).toBeLessThan(200_000)
    for (const t of scanTags(`<!DOCTYPE html>\n${map}`).filter((x) => x.attrs.has('d'))) expect(t.attrs.get('d')).not.toMatch(/\d\.\d\d/)
  })

  it('draws one bar per country, in summary order, lengths proportional to bytes', () => {
    const bars = withClass(tags, 'rect', 'bar')
    const countries = report.summary.countries
    expect(countries.length).toBeGreaterThan(1)
    expect(bars.map((b) => b.attrs.get('data-country'))).toEqual(countries.map((c) => c.country))
    expect(bars.map((b) => Number(b.attrs.get('data-bytes')))).toEqual(countries.map((c) => c.bytes))
    const widths = bars.map((b) => Number(b.attrs.get('width')))
    const maxBytes = Math.max(...countries.map((c) => c.bytes))
    const maxWidth = Math.max(...widths)
    countries.forEach((c, i) => expect(Math.abs(widths[i]! - (c.bytes / maxBytes) * maxWidth)).toBeLessThanOrEqual(0.15))
  })

  it('draws every flow on the timeline in its role lane, bar length proportional to duration', () => {
    const bars = withClass(tags, 'rect', 'flow-bar')
    expect(bars.map((b) => Number(b.attrs.get('data-flow'))).sort((a, b) => a - b)).toEqual(report.flows.map((f) => f.id).sort((a, b) => a - b))
    const lanes = withClass(tags, 'g', 'lane').map((t) => t.attrs.get('data-role'))
    expect(new Set(lanes)).toEqual(new Set(report.flows.map((f) => f.role)))
    expect(lanes.indexOf('media')).toBeLessThan(lanes.indexOf('dns'))
    // Seconds per pixel is the same for every long flow (short ones get a minimum width).
    const long = report.flows.filter((f) => f.durationSeconds > 5)
    expect(long.length).toBeGreaterThan(3)
    const ratios = long.map((f) => Number(bars.find((b) => b.attrs.get('data-flow') === String(f.id))!.attrs.get('width')) / f.durationSeconds)
    for (const r of ratios) expect(Math.abs(r - ratios[0]!) / ratios[0]!).toBeLessThan(0.01)
    expect(section(html, 'timeline')).not.toContain('not drawn')
  })

  it('shows every finding, most severe first, with its frames and flows', () => {
    const articles = withClass(tags, 'article', 'finding')
    expect(articles).toHaveLength(report.findings.length)
    const ranks = articles.map((a) => SEVERITIES.indexOf(a.attrs.get('data-severity') as never))
    expect(ranks).toEqual([...ranks].sort((a, b) => b - a))
    for (const a of articles) {
      const n = Number(a.attrs.get('id')!.replace('finding-', ''))
      const finding = report.findings[n - 1]!
      const text = html.slice(a.index, html.indexOf('</article>', a.index))
      expect(a.attrs.get('data-rule')).toBe(finding.ruleId)
      for (const e of finding.evidence) if (e.frame !== undefined) expect(text).toContain(`frame ${e.frame}`)
      for (const id of finding.flowIds) expect(text).toContain(`<a href="#flow-${id}">#${id}</a>`)
    }
    // Every in-page link has its target.
    const ids = new Set(tags.filter((t) => t.attrs.has('id')).map((t) => t.attrs.get('id')))
    for (const t of tags.filter((x) => x.attrs.has('href'))) expect(ids.has(t.attrs.get('href')!.slice(1)), t.attrs.get('href')).toBe(true)
  })

  it('has sortable endpoint and country tables whose numeric sort keys are the report numbers', () => {
    const rows = html.slice(html.indexOf('<table class="sortable" id="endpoints-table">'), html.indexOf('</table>', html.indexOf('id="endpoints-table"')))
    const ips = [...rows.matchAll(/<tr id="endpoint-([^"]+)">/g)].map((m) => m[1])
    expect(ips).toEqual(report.endpoints.map((e) => e.ip))
    const heads = [...rows.matchAll(/<th scope="col"( data-type="number")?[^>]*>([^<]*)<\/th>/g)].map((m) => [m[2], Boolean(m[1])])
    expect(heads).toContainEqual(['bytes', true])
    expect(heads).toContainEqual(['address', false])
    for (const e of report.endpoints) expect(rows).toContain(`<td data-sort="${e.bytes}" class="num">`)
    expect(html).toContain('id="countries-table"')
  })

  it('says where the locations come from and what they cannot tell, and carries the provenance', () => {
    const map = section(html, 'map')
    expect(map).toMatch(/geolocation databases/)
    expect(map).toMatch(/anycast/)
    const provenance = section(html, 'provenance')
    for (const d of report.databases) expect(provenance).toContain(d.id)
    expect(provenance).toContain('demo-jakarta-call.pcapng')
    expect(section(html, 'policy')).toContain('inferred from the vantage')
  })

  it('prints on white, repeats table headers and does not cut findings or rows', () => {
    const style = blockContent(html, 'style')[0]!
    const print = style.slice(style.indexOf('@media print'))
    expect(print).toMatch(/html, body \{ background: #ffffff; color: #000000; \}/)
    expect(print).toMatch(/thead \{ display: table-header-group; \}/)
    expect(print).toMatch(/tr, \.finding[^{]*\{ break-inside: avoid/)
    // No dark fill anywhere in the stylesheet: every background or fill is light (or a line colour).
    for (const m of style.matchAll(/background: (#[0-9a-f]{6})/g)) {
      const [r, g, b] = [1, 3, 5].map((i) => parseInt(m[1]!.slice(i, i + 2), 16))
      expect(0.2126 * r! + 0.7152 * g! + 0.0722 * b!, m[1]).toBeGreaterThan(200)
    }
  })

  it('is byte-identical for the same report and for a second analysis of the same capture', async () => {
    expect(renderHtml(report)).toBe(html)
    expect(renderHtml(await analyze([DEMO]))).toBe(html)
  })

  it('renders the same from dist/ (compiled, the atlas resolved from there) as from src/', () => {
    const dist = join(ROOT, 'dist/src/report/html/render-html.js')
    if (!existsSync(dist)) {
      console.warn(`skipped: ${dist} not built`)
      return
    }
    const code = `import {renderHtml} from ${JSON.stringify(dist)}; import {readFileSync} from 'node:fs'; process.stdout.write(renderHtml(JSON.parse(readFileSync(0, 'utf8'))))`
    const out = spawnSync(process.execPath, ['--input-type=module', '-e', code], {input: JSON.stringify(report), encoding: 'utf8', maxBuffer: 64 << 20, cwd: tempDir()})
    expect(out.stderr).toBe('')
    expect(out.stdout).toBe(html)
  })
})

describe('the HTML report under a stricter policy', () => {
  it('tints a denied country and colours the arcs to it critical', async () => {
    const report = await analyze([DEMO], {policy: {home: 'ID', deny: 'US'}})
    const tags = scanTags(renderHtml(report))
    const us = withClass(tags, 'path', 'country').find((t) => t.attrs.get('data-country') === 'US')!
    expect(classes(us).has('v-denied')).toBe(true)
    const arc = (ip: string) => withClass(tags, 'path', 'arc').find((t) => t.attrs.get('data-ip') === ip)!
    expect(classes(arc('206.247.118.34')).has('sev-critical')).toBe(true) // the TURN relay
    expect(classes(arc('149.137.41.57')).has('sev-high')).toBe(true) // Singapore: outside, not denied
  })

  it('shows the policy file: role and app rules, and each suppression with its rule scope and file line', async () => {
    const report = await analyze([DEMO], {policy: {policy: join(ROOT, 'examples/callaudit.yml')}})
    const policy = section(renderHtml(report), 'policy')
    expect(policy).toContain('<dt>role and app rules</dt><dd>roles.control: deny US; severity critical<br>roles.telemetry: allow US; severity low<br>roles.dns: allow US<br>apps.teams: allow US</dd>')
    const rows = [...policy.matchAll(/<tr><td>([^<]*)<\/td><td>([^<]*)<\/td><td>([^<]*)<\/td><td data-sort="(\d+)" class="num">\d+<\/td><\/tr>/g)].map((m) => [m[1], m[2], m[4]])
    expect(rows).toEqual([
      ['cidr 52.112.0.0/14', 'every rule', '36'],
      ['host *.zoom.us', 'CA-META-002 only', '38'],
      ['asn AS15169', 'every rule', '41'],
      ['address 2001:db8::53', 'every rule', '43'],
    ])
  })
})

describe('a call with more flows and endpoints than the report lists', () => {
  it('draws the 500 largest flows, lists 1000 endpoints but maps them all, and says what was left out', async () => {
    const base = await analyze([DEMO])
    const template = base.flows.find((f) => f.role === 'media')!
    const flows: ReportFlow[] = Array.from({length: 600}, (_, i) => ({
      ...template,
      id: i + 1,
      bytes: {toServer: (i + 1) * 10, toClient: 0},
      firstTime: `2026-11-20T03:15:${String(i % 60).padStart(2, '0')}.000000Z`,
      lastTime: '2026-11-20T03:16:30.000000Z',
    }))
    const located = base.endpoints.find((e) => e.geo?.latitude !== undefined)!
    const endpoints = Array.from({length: 1200}, (_, i) => ({...located, ip: `10.0.${i >> 8}.${i & 255}`, bytes: 1200 - i}))
    const html = renderHtml({...base, flows, findings: [], endpoints})
    const tags = scanTags(html)
    const drawn = withClass(tags, 'rect', 'flow-bar').map((t) => Number(t.attrs.get('data-flow')))
    expect(drawn.sort((a, b) => a - b)).toEqual(Array.from({length: 500}, (_, i) => i + 101))
    expect(section(html, 'timeline')).toContain('100 of 600 flows are not drawn')
    expect(section(html, 'flows')).toContain('500 of 600 flows')
    const rows = tags.filter((t) => t.name === 'tr' && t.attrs.get('id')?.startsWith('endpoint-'))
    expect(rows.map((r) => r.attrs.get('id'))).toEqual(endpoints.slice(0, 1000).map((e) => `endpoint-${e.ip}`))
    expect(section(html, 'endpoints')).toContain('1000 of 1200 endpoints')
    expect(withClass(tags, 'circle', 'endpoint').filter((t) => t.attrs.has('data-ip'))).toHaveLength(1200)
  })

  it('draws the first 1000 findings, most severe first, and counts the rest per rule', async () => {
    const base = await analyze([DEMO])
    const high = base.findings.find((f) => f.severity === 'high')!
    const low = base.findings.find((f) => f.severity === 'low')!
    const findings = [...Array.from({length: 990}, () => high), ...Array.from({length: 30}, () => low)]
    const html = renderHtml({...base, findings})
    const articles = withClass(scanTags(html), 'article', 'finding')
    expect(articles).toHaveLength(1000)
    expect(articles.filter((a) => a.attrs.get('data-severity') === 'low')).toHaveLength(10)
    const findingsSection = section(html, 'findings')
    expect(findingsSection).toContain('Low (30)')
    expect(findingsSection).toContain(`20 more findings of this severity (${low.ruleId} ×20) are not drawn here`)
  })
})

describe('a report with nothing to draw', () => {
  it('renders without a vantage, endpoints, flows or findings, and says so', async () => {
    const base = await analyze([DEMO])
    const empty: Report = {
      ...base,
      vantage: {...base.vantage, location: null, geo: null, publicAddresses: []},
      apps: [],
      tenants: [],
      endpoints: [],
      flows: [],
      findings: [],
      summary: {...base.summary, countries: [], verdict: 'pass', exitCode: 0, worstSeverity: null, findings: {info: 0, low: 0, medium: 0, high: 0, critical: 0}},
    }
    const html = renderHtml(empty)
    const tags = scanTags(html)
    assertOnlyOwnMarkup(tags)
    const map = scanTags(`<!DOCTYPE html>\n${/<svg class="map"[\s\S]*?<\/svg>/.exec(html)![0]}`)
    expect(map.filter((t) => classes(t).has('marker') || classes(t).has('arc'))).toEqual([])
    expect(section(html, 'map')).toContain('The vantage could not be placed')
    expect(html).toContain('<span class="verdict">PASS</span>')
    expect(section(html, 'findings')).toContain('No findings.')
    expect(section(html, 'countries')).toContain('No traffic reached a geolocated public endpoint.')
    expect(section(html, 'timeline')).toContain('No flows.')
  })
})

describe('hostile names', () => {
  it('are escaped wherever the hostile call puts them (test/support/hostile-call.ts)', async () => {
    const dir = tempDir()
    const call = writeHostileCall(dir)
    const report = await analyze([call.path])
    const html = renderHtml(report)
    assertNeutralised('html', html, call.hostile)
    assertOnlyOwnMarkup(scanTags(html))
    // Shown, not dropped: the SDES name appears as escaped text.
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;')
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;')
    // The SDES NAME's C1 controls shown as visible escapes (the analysis already quoted its ESC).
    expect(SDES_NAME).toContain('\u009b31mC1\u009d0;title\u009c')
    expect(html).toContain('\\x9b31mC1\\x9d0;title\\x9c')
    expect(html).toContain(HOSTILE.mdTable)
  })

  it('cannot break out of any text or attribute, whichever field of the Report carries them', async () => {
    const payload = `"'><img src=x onerror=alert(1)><script>alert(2)</script></style></title></svg>\u001b[31m\u202e\u0000`
    const poison = (v: unknown): unknown => {
      if (typeof v === 'string') return v + payload
      if (Array.isArray(v)) return v.map(poison)
      if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, poison(x)]))
      return v
    }
    const report = poison(await analyze([DEMO])) as Report
    const html = renderHtml(report)
    assertNeutralised('html', html, [payload])
    assertOnlyOwnMarkup(scanTags(html))
    expect(html.match(/<script/g)).toHaveLength(1)
  })
})
