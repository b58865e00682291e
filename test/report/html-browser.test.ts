import {existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {pathToFileURL} from 'node:url'
import {chromium, type Browser, type Page} from 'playwright-core'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {analyzeCaptures} from '../../src/analysis/analyze.js'
import {renderHtml} from '../../src/report/html/render-html.js'
import type {Report} from '../../src/report/report-model.js'
import {FIXTURES, ROOT} from '../helpers/paths.js'
import {HOSTILE, writeHostileCall} from '../support/hostile-call.js'

/**
 * The HTML report in a real browser (Debian's chromium, driven by playwright-core): it loads
 * from file:// without a single other request, the CSP lets its own style and script run and
 * nothing else, the map and every finding are on screen, headers sort tables, it works without
 * JS, prints on white. The page, a full-page screenshot and the printed PDF go to test-artifacts/
 * (report.html, report.png, report.pdf) for a human to look at.
 */

const CHROMIUM = '/usr/bin/chromium'
const HAVE_CHROMIUM = existsSync(CHROMIUM)
const ARTIFACTS = join(ROOT, 'test-artifacts')
const DEMO = join(FIXTURES, 'demo-jakarta-call.pcapng')
const EMBEDDED_ONLY = {dbPaths: [], dirs: [], env: {}, systemDirs: false as const, useEmbedded: true}
const TIMEOUT = 60_000

if (!HAVE_CHROMIUM) console.warn(`html-browser.test.ts skipped: ${CHROMIUM} is not installed (apt-get install chromium)`)

interface Watch {
  requests: string[]
  /** Console errors, CSP messages and uncaught page errors. */
  problems: string[]
  dialogs: string[]
}

/** Record every request, console problem, page error and dialog of a page; CSP violations are
 * collected inside the page by an init script (it runs before the document's own script). */
async function watch(page: Page): Promise<Watch> {
  const w: Watch = {requests: [], problems: [], dialogs: []}
  page.on('request', (r) => w.requests.push(r.url()))
  page.on('console', (m) => {
    if (m.type() === 'error' || /content.security.policy|refused to/i.test(m.text())) w.problems.push(`console ${m.type()}: ${m.text()}`)
  })
  page.on('pageerror', (e) => w.problems.push(`pageerror: ${e.message}`))
  page.on('dialog', (d) => {
    w.dialogs.push(d.message())
    void d.dismiss()
  })
  await page.addInitScript(() => {
    const violations: string[] = []
    ;(window as unknown as {__violations: string[]}).__violations = violations
    document.addEventListener('securitypolicyviolation', (e) => violations.push(`${e.violatedDirective} ${e.blockedURI}`))
  })
  return w
}

const violations = (page: Page) => page.evaluate(() => (window as unknown as {__violations: string[]}).__violations)
const rowIps = (page: Page) => page.$$eval('#endpoints-table tbody tr', (rows) => rows.map((r) => r.id.replace(/^endpoint-/, '')))

/** Zero-padded IPv4 (numeric order), as a reader expects addresses sorted. */
const addressKey = (ip: string) => ip.split('.').map((o) => o.padStart(3, '0')).join('.')

describe.skipIf(!HAVE_CHROMIUM)(`the HTML report in Chromium${HAVE_CHROMIUM ? '' : ` (skipped: ${CHROMIUM} not installed)`}`, {timeout: TIMEOUT}, () => {
  let dir: string
  let browser: Browser
  let report: Report
  let demoUrl: string
  let hostileUrl: string

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'callaudit-html-browser-'))
    const analyze = async (path: string) => (await analyzeCaptures({paths: [path], geo: EMBEDDED_ONLY, policy: {}, cwd: dir, toolVersion: 'test'})).report
    report = await analyze(DEMO)
    const demoPath = join(dir, 'report.html')
    writeFileSync(demoPath, renderHtml(report))
    demoUrl = pathToFileURL(demoPath).href
    const hostilePath = join(dir, 'hostile.html')
    writeFileSync(hostilePath, renderHtml(await analyze(writeHostileCall(dir).path)))
    hostileUrl = pathToFileURL(hostilePath).href
    browser = await chromium.launch({executablePath: CHROMIUM, args: ['--no-sandbox']})
  }, TIMEOUT)

  afterAll(async () => {
    await browser?.close()
    if (dir) rmSync(dir, {recursive: true, force: true})
  }, TIMEOUT)

  it('loads from file:// with no other request, no console error and no CSP violation; the CSP is live', async () => {
    const page = await browser.newPage({viewport: {width: 1200, height: 900}})
    const w = await watch(page)
    await page.goto(demoUrl, {waitUntil: 'load'})
    await page.waitForLoadState('networkidle')
    expect(w.requests).toEqual([demoUrl])
    expect(w.problems).toEqual([])
    expect(await violations(page)).toEqual([])
    // The hashed style and script were allowed: styles apply, the sort script ran.
    expect(await page.$eval('.banner', (e) => getComputedStyle(e).borderTopColor)).toBe('rgb(214, 39, 40)')
    expect(await page.locator('#endpoints-table.sort-ready').count()).toBe(1)
    // And nothing else is: a script or a style attribute added now is refused.
    await page.evaluate(() => {
      const s = document.createElement('script')
      s.textContent = 'window.__injected = true'
      document.body.appendChild(s)
      document.body.setAttribute('style', 'background: red')
    })
    expect(await page.evaluate(() => (window as unknown as {__injected?: boolean}).__injected)).toBeUndefined()
    expect(await page.$eval('body', (e) => getComputedStyle(e).backgroundColor)).not.toBe('rgb(255, 0, 0)')
    const refused = await violations(page)
    expect(refused.some((v) => v.startsWith('script-src'))).toBe(true)
    expect(refused.some((v) => v.startsWith('style-src'))).toBe(true)
    await page.close()
  })

  it('shows the map with the vantage and a marker per located endpoint, and every finding', async () => {
    const page = await browser.newPage({viewport: {width: 1200, height: 900}})
    await page.goto(demoUrl)
    const map = page.locator('#world-map')
    await expect(map.isVisible()).resolves.toBe(true)
    const box = (await map.boundingBox())!
    expect(box.width).toBeGreaterThan(600)
    const located = report.endpoints.filter((e) => typeof e.geo?.latitude === 'number' && typeof e.geo?.longitude === 'number')
    const markers = page.locator('#world-map .marker.endpoint')
    expect(await markers.count()).toBe(located.length)
    expect(await page.locator('#world-map .marker.vantage').count()).toBe(1)
    for (const m of [...(await markers.all()), page.locator('#world-map .marker.vantage')]) {
      const b = (await m.boundingBox())!
      expect(b.width).toBeGreaterThan(3)
      expect(b.x).toBeGreaterThanOrEqual(box.x)
      expect(b.x + b.width).toBeLessThanOrEqual(box.x + box.width + 1)
      expect(b.y).toBeGreaterThanOrEqual(box.y)
      expect(b.y + b.height).toBeLessThanOrEqual(box.y + box.height + 1)
    }
    // A high-severity marker is drawn in the high colour.
    expect(await page.$eval('#world-map .marker[data-ip="149.137.41.57"]', (e) => getComputedStyle(e).fill)).toBe('rgb(214, 39, 40)')

    const findings = page.locator('article.finding')
    expect(await findings.count()).toBe(report.findings.length)
    for (const f of await findings.all()) expect(await f.isVisible()).toBe(true)
    await page.close()
  })

  it('sorts a table when a header is clicked or activated from the keyboard', async () => {
    const page = await browser.newPage({viewport: {width: 1200, height: 900}})
    await page.goto(demoUrl)
    const header = (label: string) => page.locator('#endpoints-table thead th', {hasText: new RegExp(`^${label}$`)})
    const ips = report.endpoints.map((e) => e.ip)
    expect(await rowIps(page)).toEqual(ips)

    const byAddress = [...ips].sort((a, b) => (addressKey(a) < addressKey(b) ? -1 : 1))
    await header('address').click()
    expect(await rowIps(page)).toEqual(byAddress)
    expect(await header('address').getAttribute('aria-sort')).toBe('ascending')
    await header('address').click()
    expect(await rowIps(page)).toEqual([...byAddress].reverse())

    const bytes = new Map(report.endpoints.map((e) => [e.ip, e.bytes]))
    await header('bytes').click()
    expect(await rowIps(page)).toEqual([...ips].sort((a, b) => bytes.get(b)! - bytes.get(a)!))
    await header('bytes').click()
    expect(await rowIps(page)).toEqual([...ips].sort((a, b) => bytes.get(a)! - bytes.get(b)!))

    const packets = new Map(report.endpoints.map((e) => [e.ip, e.packets]))
    await header('packets').focus()
    await page.keyboard.press('Enter')
    expect(await rowIps(page)).toEqual([...ips].sort((a, b) => packets.get(b)! - packets.get(a)!))
    await page.close()
  })

  it('works without JavaScript: same content, tables in report order, nothing requested', async () => {
    const context = await browser.newContext({javaScriptEnabled: false, viewport: {width: 1200, height: 900}})
    const page = await context.newPage()
    const w = await watch(page)
    await page.goto(demoUrl)
    expect(w.requests).toEqual([demoUrl])
    expect(w.problems).toEqual([])
    expect(await page.locator('article.finding').count()).toBe(report.findings.length)
    expect(await page.locator('#world-map .marker.endpoint').count()).toBeGreaterThan(0)
    expect(await rowIps(page)).toEqual(report.endpoints.map((e) => e.ip))
    expect(await page.locator('th[aria-sort]').count()).toBe(0)
    await context.close()
  })

  it('prints on white with the map within the page, and saves a full-page screenshot', async () => {
    const page = await browser.newPage({viewport: {width: 1200, height: 900}})
    await page.goto(demoUrl)
    mkdirSync(ARTIFACTS, {recursive: true})
    writeFileSync(join(ARTIFACTS, 'report.html'), readFileSync(new URL(demoUrl)))
    await page.screenshot({path: join(ARTIFACTS, 'report.png'), fullPage: true})
    const png = readFileSync(join(ARTIFACTS, 'report.png'))
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG')
    expect(png.readUInt32BE(16)).toBe(1200) // IHDR width
    expect(png.readUInt32BE(20)).toBeGreaterThan(3000) // the whole report, not one screen

    // A4 at 96 dpi less 12 mm margins: about 703 px of printable width.
    await page.setViewportSize({width: 703, height: 1000})
    await page.emulateMedia({media: 'print'})
    for (const selector of ['html', 'body', '.banner', 'th']) {
      expect(await page.$eval(selector, (e) => getComputedStyle(e).backgroundColor), selector).toMatch(/^rgba?\(255, 255, 255|^rgba\(0, 0, 0, 0\)$/)
    }
    const map = (await page.locator('#world-map').boundingBox())!
    expect(map.width).toBeLessThanOrEqual(703)
    expect(map.height).toBeLessThanOrEqual((170 / 25.4) * 96 + 1)
    const pdf = await page.pdf({format: 'A4', path: join(ARTIFACTS, 'report.pdf')})
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-')
    const pages = pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g)?.length ?? 0
    expect(pages).toBeGreaterThan(1)
    expect(pages).toBeLessThan(20)
    await page.close()
  })

  it('keeps hostile names as text: no extra script, element or handler, no dialog', async () => {
    const page = await browser.newPage({viewport: {width: 1200, height: 900}})
    const w = await watch(page)
    await page.goto(hostileUrl)
    await page.waitForLoadState('networkidle')
    expect(w.requests).toEqual([hostileUrl])
    expect(w.problems).toEqual([])
    expect(w.dialogs).toEqual([])
    expect(await violations(page)).toEqual([])
    expect(await page.evaluate(() => document.scripts.length)).toBe(1)
    expect(await page.locator('img, iframe, object, embed, link, form, input, base, meta[http-equiv="refresh"]').count()).toBe(0)
    const handlers = await page.evaluate(() => [...document.querySelectorAll('*')].flatMap((e) => [...e.attributes].filter((a) => /^on/i.test(a.name) || a.name === 'style').map((a) => `${e.tagName} ${a.name}`)))
    expect(handlers).toEqual([])
    // The payloads are on the page as text a reader can see.
    const text = await page.evaluate(() => document.body.textContent ?? '')
    expect(text).toContain(HOSTILE.script)
    expect(text).toContain(HOSTILE.img)
    await page.close()
  })
})
