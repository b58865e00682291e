import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {runCli} from '../helpers/run-cli.js'
import {callCapture, type CallPart, tempDir} from './call-builder.js'

/**
 * `callaudit diff` through the real CLI (bin/run.js, oclif parsing) on generated calls: the same
 * Zoom app before and after an "update" that adds a media relay in a denied country and an SNI
 * that names the organisation, while its media server changes address behind the same name.
 */

const HOME = ['--home', 'US', '--deny', 'CN', '--no-system-geoip']
const CONTROL: CallPart[] = [
  {kind: 'dns', name: 'us05web.zoom.us', ip: '170.114.10.73'},
  {kind: 'tls', ip: '170.114.10.73', sni: 'us05web.zoom.us'},
]
const BEFORE: CallPart[] = [...CONTROL, {kind: 'dns', name: 'zoomlax37mmr.zoom.us', ip: '144.195.37.118'}, {kind: 'media', ip: '144.195.37.118'}]
const RELAY = '1.202.0.1'
const AFTER: CallPart[] = [
  ...CONTROL,
  {kind: 'dns', name: 'zoomlax37mmr.zoom.us', ip: '144.195.37.119'},
  {kind: 'media', ip: '144.195.37.119'},
  {kind: 'tls', ip: '170.114.10.73', sni: 'ministry.zoom.us'},
  {kind: 'media', ip: RELAY, port: 3478},
]

interface DiffJson {
  failOn: string
  warnings: string[]
  summary: {empty: boolean; exitCode: number; newFailing: number; findings: {new: number; gone: number; changed: number; unchanged: number}}
  before: {kind: string}
  after: {kind: string}
  countries: Array<{country: string; status: string; before: {share: number} | null; after: {share: number} | null}>
  endpoints: Array<{status: string; ip: string; from?: string; sharedNames?: string[]}>
  apps: unknown[]
  findings: Array<{status: string; key: string; ruleId: string; subject: string; failing: boolean; before: {severity: string} | null; after: {severity: string; endpoints: string[]} | null}>
  suppressed: unknown[]
}

const files = tempDir()
let before: string
let after: string
let beforeReport: string

async function geoCountry(ip: string): Promise<string> {
  const {stdout} = await runCli(['geo', ip, '--json', '--no-system-geoip'])
  return JSON.parse(stdout).addresses[0].fields.country.value
}

beforeAll(async () => {
  before = files.write('before.pcap', callCapture(BEFORE))
  after = files.write('after.pcap', callCapture(AFTER))
  const analysed = await runCli(['analyze', before, '--json', ...HOME])
  expect(analysed.code).toBe(0)
  beforeReport = files.write('before.json', analysed.stdout)
})

afterAll(() => files.remove())

describe('callaudit diff: what an app update changed', () => {
  let result: Awaited<ReturnType<typeof runCli>>
  let diff: DiffJson
  beforeAll(async () => {
    result = await runCli(['diff', before, after, '--json', ...HOME])
    diff = JSON.parse(result.stdout)
  })

  it('exits 1 for the new finding at or above high, and names it', () => {
    expect(result.code).toBe(1)
    expect(diff.summary.exitCode).toBe(1)
    const relay = diff.findings.find((f) => f.ruleId === 'CA-GEO-001' && f.after?.endpoints.includes(RELAY))
    // Denied countries are critical (docs/rules.md, CA-GEO-001).
    expect(relay).toMatchObject({status: 'new', failing: true, before: null, after: {severity: 'critical'}})
    expect(diff.summary.newFailing).toBe(1)
  })

  it('reports the organisation the new SNI reveals as a new finding that does not fail at high', () => {
    const tenant = diff.findings.find((f) => f.ruleId === 'CA-META-002')
    expect(tenant).toMatchObject({status: 'new', failing: false, after: {severity: 'medium'}})
    expect(tenant?.subject).toContain('"ministry"')
  })

  it('lists the new country with its bytes share, the US share shrinking', async () => {
    const relayCountry = await geoCountry(RELAY)
    expect(relayCountry).toBe('CN')
    const cn = diff.countries.find((c) => c.country === relayCountry)
    expect(cn?.status).toBe('new')
    expect(cn?.before).toBeNull()
    expect(cn?.after?.share).toBeGreaterThan(0)
    const us = diff.countries.find((c) => c.country === 'US')
    expect(us?.status).toBe('same')
    expect(us?.before?.share).toBe(1)
    expect(us!.after!.share + cn!.after!.share).toBeCloseTo(1, 3)
  })

  it('takes the media server at a new address behind the same name and country as moved, not new', async () => {
    expect(await geoCountry('144.195.37.118')).toBe(await geoCountry('144.195.37.119'))
    const moved = diff.endpoints.find((e) => e.ip === '144.195.37.119')
    expect(moved).toMatchObject({status: 'moved', from: '144.195.37.118', sharedNames: ['zoomlax37mmr.zoom.us']})
    expect(diff.endpoints.find((e) => e.ip === '144.195.37.118')).toBeUndefined()
    expect(diff.endpoints.filter((e) => e.status === 'new').map((e) => e.ip)).toEqual([RELAY])
  })

  it('--fail-on decides what fails: medium adds the organisation name, none never fails', async () => {
    const medium = await runCli(['diff', before, after, '--json', ...HOME, '--fail-on', 'medium'])
    expect(medium.code).toBe(1)
    expect(JSON.parse(medium.stdout).summary.newFailing).toBe(2)
    expect((await runCli(['diff', before, after, ...HOME, '--fail-on', 'none'])).code).toBe(0)
  })

  it('only new findings count: the reverse direction and the after call against itself exit 0', async () => {
    const reverse = await runCli(['diff', after, before, '--json', ...HOME])
    expect(reverse.code).toBe(0)
    const gone = JSON.parse(reverse.stdout) as DiffJson
    expect(gone.findings.find((f) => f.ruleId === 'CA-GEO-001')?.status).toBe('gone')
    expect(gone.countries.find((c) => c.country === 'CN')?.status).toBe('gone')
    // The after call alone fails analyze, but compared with itself nothing is new.
    expect((await runCli(['analyze', after, ...HOME])).code).toBe(1)
    expect((await runCli(['diff', after, after, ...HOME])).code).toBe(0)
  })

  it('prints a table within 100 columns, without colour when piped, with colour on --color', async () => {
    const table = await runCli(['diff', before, after, ...HOME])
    expect(table.code).toBe(1)
    expect(table.stdout).not.toContain('\u001b')
    expect(Math.max(...table.stdout.split('\n').map((l) => l.length))).toBeLessThanOrEqual(100)
    expect(table.stdout).toMatch(/NEW FINDINGS\s+1 new finding at or above high/)
    expect(table.stdout).toMatch(/^ {2}> +144\.195\.37\.119 /m)
    expect(table.stdout).toMatch(/← 144\.195\.37\.118/)
    expect((await runCli(['diff', before, after, ...HOME, '--color'])).stdout).toContain('\u001b[')
    expect((await runCli(['diff', before, after, ...HOME], {env: {NO_COLOR: '1'}})).stdout).not.toContain('\u001b')
  })

  it('--json and --format json give the same bytes, on every run', async () => {
    const again = await runCli(['diff', before, after, '--format', 'json', ...HOME])
    expect(again.stdout).toBe(result.stdout)
    expect(again.code).toBe(1)
  })
})

describe('callaudit diff: nothing changed', () => {
  it('identical captures give an empty diff and exit 0', async () => {
    const same = await runCli(['diff', before, before, '--json', ...HOME])
    expect(same.code).toBe(0)
    const diff = JSON.parse(same.stdout) as DiffJson
    expect(diff.summary.empty).toBe(true)
    expect([diff.findings, diff.endpoints, diff.apps, diff.suppressed]).toEqual([[], [], [], []])
    expect(diff.countries.every((c) => c.status === 'same')).toBe(true)
    expect(diff.warnings).toEqual([])
    const table = await runCli(['diff', before, before, ...HOME])
    expect(table.stdout).toMatch(/^ NO CHANGE /)
  })

  it('a report and a capture of the same call give an empty diff, either way round', async () => {
    for (const args of [[beforeReport, before], [before, beforeReport]]) {
      const r = await runCli(['diff', ...args, '--json', ...HOME])
      expect(r.code).toBe(0)
      const diff = JSON.parse(r.stdout) as DiffJson
      expect(diff.summary.empty).toBe(true)
      expect(diff.warnings).toEqual([])
    }
    const kinds = JSON.parse((await runCli(['diff', beforeReport, before, '--json', ...HOME])).stdout) as DiffJson
    expect([kinds.before.kind, kinds.after.kind]).toEqual(['report', 'capture'])
  })

  it.skipIf(process.platform === 'win32')('a capture from a named pipe is read once, as a capture (diff <(zstd -dc a.zst) b hung)', async () => {
    const {execFileSync, spawn} = await import('node:child_process')
    const fifo = `${files.dir}/before.fifo`
    execFileSync('mkfifo', [fifo])
    // The writer: the pipe is written once, then its writer is gone, as with <(...).
    const writer = spawn('sh', ['-c', `cat '${before}' > '${fifo}'`])
    const r = await runCli(['diff', fifo, before, '--json', ...HOME])
    writer.kill()
    expect(r.code).toBe(0)
    const diff = JSON.parse(r.stdout) as DiffJson
    expect(diff.summary.empty).toBe(true)
    expect(diff.before.kind).toBe('capture')
  }, 20_000)

  it('a capture on standard input is read as the after side', async () => {
    const {readFileSync} = await import('node:fs')
    const r = await runCli(['diff', beforeReport, '-', '--json', ...HOME], {stdin: readFileSync(before)})
    expect(r.code).toBe(0)
    expect(JSON.parse(r.stdout).summary.empty).toBe(true)
  })
})

describe('callaudit diff: policies that differ are said, not hidden', () => {
  it('warns on stderr when a report was judged under another policy than the one given', async () => {
    const r = await runCli(['diff', beforeReport, after, '--json', '--home', 'DE', '--no-system-geoip'])
    const warnings = r.stderr.split('\n').filter((l) => l.startsWith('callaudit: warning:'))
    expect(warnings.some((w) => w.includes('before.json is a report judged with home US') && w.includes('says DE'))).toBe(true)
    expect(warnings.some((w) => w.includes('different policies') && w.includes('home US vs DE'))).toBe(true)
    expect(JSON.parse(r.stdout).warnings).toHaveLength(2)
  })
})

describe('callaudit diff: bad input', () => {
  const cases: Array<[string, string, RegExp]> = [
    ['broken.json', '{"schemaVersion": 1, "tool": ', /broken\.json: not a callaudit JSON report: not valid JSON/],
    ['other.json', '  {"name": "not a report"}', /other\.json: not a callaudit JSON report/],
    ['future.json', '{"schemaVersion": 2, "tool": {"name": "callaudit", "version": "9"}}', /future\.json: callaudit report schemaVersion 2 is not supported/],
  ]
  for (const [name, text, message] of cases) {
    it(`${name}: exit 2 and one line naming the file`, async () => {
      const path = files.write(name, text)
      const r = await runCli(['diff', before, path, ...HOME])
      expect(r.code).toBe(2)
      expect(r.stdout).toBe('')
      const lines = r.stderr.trimEnd().split('\n')
      expect(lines).toHaveLength(1)
      expect(lines[0]).toMatch(message)
      expect(lines[0]).toContain(path)
    })
  }

  it('a report with a field of the wrong type: exit 2, the file and the field named', async () => {
    const {readFileSync} = await import('node:fs')
    const report = JSON.parse(readFileSync(beforeReport, 'utf8'))
    report.endpoints[0].ip = 42
    const path = files.write('edited.json', JSON.stringify(report))
    const r = await runCli(['diff', path, after, ...HOME])
    expect(r.code).toBe(2)
    expect(r.stderr.trimEnd().split('\n')).toEqual([`callaudit: ${path}: not a usable callaudit analyze report: endpoints[0].ip is missing or of the wrong type`])
  })

  it('a file that is neither a report nor a capture, and a missing one: exit 2, one line', async () => {
    const text = files.write('notes.txt', 'just some text\n')
    for (const path of [text, `${files.dir}/missing.pcap`]) {
      const r = await runCli(['diff', path, before, ...HOME])
      expect(r.code).toBe(2)
      const lines = r.stderr.trimEnd().split('\n')
      expect(lines).toHaveLength(1)
      expect(lines[0]).toContain(path)
    }
  })

  it('--json with --format markdown is a usage error', async () => {
    const r = await runCli(['diff', before, after, '--json', '--format', 'markdown', ...HOME])
    expect(r.code).toBe(2)
  })
})

describe('callaudit diff: hostile names', () => {
  // A DNS name and an SNI built to break a Markdown table, inject HTML and move the terminal.
  const DNS_NAME = 'x|y<img src=x>*_[z](js:a)\u001b[31m|\n| a | b |.zoom.us'
  const SNI = 'evil|sni<b>\u001b[2J`code`|.example.com'
  let hostile: string
  beforeAll(() => {
    hostile = files.write('hostile.pcap', callCapture([...BEFORE, {kind: 'dns', name: DNS_NAME, ip: RELAY}, {kind: 'media', ip: RELAY, port: 3478}, {kind: 'tls', ip: '95.213.0.1', sni: SNI}]))
  })

  it('keeps every Markdown table row whole and lets no markup through', async () => {
    const r = await runCli(['diff', before, hostile, '--format', 'markdown', ...HOME])
    expect(r.code).toBe(1)
    const md = r.stdout
    expect(md).not.toContain('\u001b')
    expect(md).not.toMatch(/<(img|b)\b/)
    // Both hostile names reached the output (escaped), in the endpoint rows.
    expect(md).toMatch(/x\\\|y&lt;img/)
    expect(md).toMatch(/evil\\\|sni&lt;b&gt;/)
    const unescapedPipes = (line: string) => line.replace(/\\\\/g, '').replace(/\\\|/g, '').split('|').length - 1
    const lines = md.split('\n')
    let columns: number | undefined
    for (const line of lines) {
      if (!line.startsWith('|')) {
        columns = undefined
        continue
      }
      expect(line.endsWith(' |')).toBe(true)
      columns ??= unescapedPipes(line)
      expect(unescapedPipes(line)).toBe(columns)
    }
    // Every table has its header separator right under its header.
    const separators = lines.filter((l) => /^\| (--- \| )*--- \|$/.test(l)).length
    expect(separators).toBe(lines.filter((l, i) => l.startsWith('|') && !lines[i - 1]?.startsWith('|')).length)
  })

  it('escapes control characters in the table and keeps the exact names in the JSON', async () => {
    const table = await runCli(['diff', before, hostile, ...HOME])
    expect(table.stdout).not.toContain('\u001b')
    expect(Math.max(...table.stdout.split('\n').map((l) => l.length))).toBeLessThanOrEqual(100)
    const json = await runCli(['diff', before, hostile, '--json', ...HOME])
    const diff = JSON.parse(json.stdout) as DiffJson & {endpoints: Array<{ip: string; after: {names: string[]} | null}>}
    const names = diff.endpoints.find((e) => e.ip === '95.213.0.1')?.after?.names ?? []
    expect(names.some((n) => n.startsWith('evil|sni<b>'))).toBe(true)
  })
})
