import {createHash} from 'node:crypto'
import {readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {beforeAll, describe, expect, it} from 'vitest'
import {analyzeCaptures, type AnalyzeOptions} from '../../src/analysis/analyze.js'
import type {Report} from '../../src/report/report-model.js'
import {corpusPath, FIXTURES, HAVE_CORPUS, ROOT} from '../helpers/paths.js'
import {runCli} from '../helpers/run-cli.js'
import {tempDir} from '../helpers/temp-dir.js'
import {renderAnalyzeTable} from '../../src/report/analyze-table.js'
import {renderMarkdown} from '../../src/report/markdown.js'
import {renderHtml} from '../../src/report/html/render-html.js'

const DEMO = join(FIXTURES, 'demo-jakarta-call.pcapng')
const EMBEDDED_ONLY = {dbPaths: [], dirs: [], env: {}, systemDirs: false as const, useEmbedded: true}

function analyze(extra: Partial<AnalyzeOptions> = {}): Promise<Report> {
  const empty = tempDir('callaudit-cwd-')
  return analyzeCaptures({paths: [DEMO], geo: EMBEDDED_ONLY, policy: {}, cwd: empty, toolVersion: 'test', ...extra}).then((r) => r.report)
}

const rules = (report: Report) => report.findings.filter((f) => !f.suppressed).map((f) => `${f.ruleId}:${f.severity}${f.endpoint ? `:${f.endpoint}` : ''}`)

describe('analyze on the Jakarta demo call (Zoom, media relayed abroad)', () => {
  let report: Report
  beforeAll(async () => {
    report = await analyze()
  })

  it('identifies Zoom, the vantage and infers home from it', () => {
    expect(report.apps.map((a) => [a.app, a.confidence])).toEqual([['zoom', 'high']])
    expect(report.vantage.privateAddresses).toEqual(['192.168.0.105'])
    expect(report.vantage.publicAddresses.map((p) => p.ip)).toEqual(['36.84.217.46'])
    expect(report.vantage.country).toBe('ID')
    expect(report.policy.homeState).toBe('inferred')
    expect(report.policy.home).toEqual(['ID'])
    expect(report.policy.notes.join(' ')).toContain('home inferred from')
  })

  it("records the capture file's SHA-256 (as sha256sum gives it), and none for standard input", async () => {
    const path = report.captures[0]!.path
    expect(report.captures[0]!.sha256).toBe(createHash('sha256').update(readFileSync(path)).digest('hex'))
    const piped = await runCli(['analyze', '-', '--json'], {stdin: readFileSync(path)})
    const fromStdin = JSON.parse(piped.stdout) as Report
    expect(fromStdin.captures[0]!.sha256).toBeNull()
    expect(fromStdin.captures[0]!.packets).toBe(report.captures[0]!.packets)
  })

  it('gives each flow its role', () => {
    const role = (port: number, ip: string) => report.flows.find((f) => f.server.port === port && f.server.ip === ip)?.role
    expect(role(8801, '149.137.41.57')).toBe('media')
    expect(role(3478, '206.247.118.34')).toBe('relay')
    expect(role(443, '144.195.37.118')).toBe('control')
    expect(role(443, '52.202.62.196')).toBe('telemetry')
    expect(role(53, '8.8.8.8')).toBe('dns')
  })

  it('finds what the call leaked and where it went, with evidence', () => {
    const found = rules(report)
    for (const expected of [
      'CA-GEO-001:high:149.137.41.57', // media to Singapore
      'CA-GEO-001:high:206.247.118.34', // TURN relay in the US
      'CA-GEO-001:high:144.195.37.118', // meeting control in the US
      'CA-GEO-001:medium:52.202.62.196', // telemetry
      'CA-GEO-003:low',
      'CA-GEO-004:medium:8.8.8.8',
      'CA-META-001:low',
      'CA-META-002:medium',
      'CA-META-003:info',
      'CA-META-004:medium',
      'CA-META-005:info',
      'CA-META-007:high:149.137.41.57',
      'CA-META-008:high:170.114.10.73',
    ]) expect(found).toContain(expected)
    // Physically plausible RTTs, TLS 1.3 with valid suites, encrypted-looking media: no alarms.
    expect(found.filter((r) => /CA-GEO-005|CA-CRYPTO|CA-META-006/.test(r))).toEqual([])
    const sdes = report.findings.find((f) => f.ruleId === 'CA-META-007')!
    expect(sdes.detail).toContain('Budi Santoso')
    expect(sdes.evidence[0]!.frame).toBeGreaterThan(0)
    const http = report.findings.find((f) => f.ruleId === 'CA-META-008')!
    expect(JSON.stringify(http)).not.toContain('Xy7abc') // the passcode itself never appears
    expect(report.summary.verdict).toBe('fail')
    expect(report.summary.exitCode).toBe(1)
  })

  it('judges nothing abroad when the policy allows those countries', async () => {
    const lenient = await analyze({policy: {home: 'ID', allow: 'SG,US'}})
    expect(rules(lenient).filter((r) => /CA-GEO-00[14]/.test(r))).toEqual([])
    expect(lenient.policy.homeState).toBe('set')
  })

  it('rates a denied country critical', async () => {
    const strict = await analyze({policy: {home: 'ID', deny: 'SG'}})
    expect(rules(strict)).toContain('CA-GEO-001:critical:149.137.41.57')
  })

  it('applies suppressions from a policy file, keeping the finding with its reason', async () => {
    const dir = tempDir('callaudit-policy-')
    writeFileSync(join(dir, 'callaudit.yml'), 'home: ID\nsuppressions:\n  - match: {address: 8.8.8.8}\n    reason: public resolver approved by ticket 42\n')
    const suppressed = await analyze({cwd: dir})
    const dns = suppressed.findings.find((f) => f.ruleId === 'CA-GEO-004')!
    expect(dns.suppressed?.reason).toBe('public resolver approved by ticket 42')
    expect(suppressed.summary.suppressed).toBeGreaterThanOrEqual(1)
  })

  it('rates a resolver outside the policy by roles.dns.severity; severity-overrides still have the last word', async () => {
    const withFile = async (text: string) => {
      const dir = tempDir('callaudit-dns-')
      writeFileSync(join(dir, 'callaudit.yml'), text)
      return analyze({cwd: dir})
    }
    const geo004 = (r: Report) => r.findings.filter((f) => f.ruleId === 'CA-GEO-004').map((f) => `${f.severity}:${f.endpoint}:${f.flowIds.join(',')}`)
    expect(geo004(await withFile('home: ID\nroles:\n  dns: {severity: high}\n'))).toEqual(['high:8.8.8.8:8'])
    expect(geo004(await withFile('home: ID\nroles:\n  dns: {severity: low}\n'))).toEqual(['low:8.8.8.8:8'])
    expect(geo004(await withFile('home: ID\nroles:\n  dns: {severity: high}\nseverity-overrides:\n  CA-GEO-004: info\n'))).toEqual(['info:8.8.8.8:8'])
    // A denied country stays critical whatever the role's severity.
    expect(geo004(await withFile('home: ID\ndeny: [US]\nroles:\n  dns: {severity: low}\n'))).toEqual(['critical:8.8.8.8:8'])
  })

  it("judges a resolver by the app of its DNS flows: apps.<app> rules reach resolvers too", async () => {
    const withFile = async (text: string) => {
      const dir = tempDir('callaudit-dns-app-')
      writeFileSync(join(dir, 'callaudit.yml'), text)
      return analyze({cwd: dir})
    }
    // The DNS flow to 8.8.8.8 (flow 8) asks for Zoom's names: it is Zoom's DNS traffic.
    expect(report.flows.find((f) => f.id === 8)).toMatchObject({role: 'dns', app: 'zoom', remote: {ip: '8.8.8.8'}})
    const allowed = await withFile('home: ID\napps:\n  zoom: {allow: [US]}\n')
    expect(allowed.findings.filter((f) => f.ruleId === 'CA-GEO-004')).toEqual([])
    const denied = await withFile('home: ID\napps:\n  zoom: {deny: [US]}\n')
    const dns = denied.findings.find((f) => f.ruleId === 'CA-GEO-004')!
    expect(dns.severity).toBe('critical')
    expect(dns.detail).toContain('US is denied for zoom (apps.zoom.deny lists US)')
    // Another app's rule does not reach it.
    expect(rules(await withFile('home: ID\napps:\n  teams: {allow: [US]}\n'))).toContain('CA-GEO-004:medium:8.8.8.8')
  })

  it('host suppressions reach the findings about names (CA-META-002, CA-META-001), though their flows include DNS to the LAN resolver', async () => {
    const withFile = async (text: string) => {
      const dir = tempDir('callaudit-host-')
      writeFileSync(join(dir, 'callaudit.yml'), text)
      return analyze({cwd: dir})
    }
    const tenant = (r: Report) => r.findings.find((f) => f.ruleId === 'CA-META-002')!
    // The tenant finding's flows include DNS to 192.168.0.1, which has no names.
    expect(tenant(report).flowIds.some((id) => report.flows.find((f) => f.id === id)!.remote.ip === '192.168.0.1')).toBe(true)
    for (const match of ['"*.zoom.us"', 'kemlu-go-id.zoom.us']) {
      for (const limit of ['', '    rules: [CA-META-002]\n']) {
        const r = await withFile(`home: ID\nsuppressions:\n  - match: {host: ${match}}\n    reason: tenant names are public\n${limit}`)
        expect(tenant(r).suppressed, `${match} ${limit}`).toEqual({reason: 'tenant names are public', rule: `host ${match.replaceAll('"', '')}`})
      }
    }
    // A pattern that does not cover the tenant name leaves it.
    expect(tenant(await withFile('home: ID\nsuppressions:\n  - match: {host: "*.webex.com"}\n    reason: x\n')).suppressed).toBeUndefined()
    // CA-META-001 names zoom.us too, which *.zoom.us does not cover: it stays; with zoom.us added, it goes.
    const dnsNames = (r: Report) => r.findings.find((f) => f.ruleId === 'CA-META-001')!
    expect(dnsNames(await withFile('home: ID\nsuppressions:\n  - match: {host: "*.zoom.us"}\n    reason: x\n    rules: [CA-META-001]\n')).suppressed).toBeUndefined()
    const both = await withFile('home: ID\nsuppressions:\n  - match: {host: "*.zoom.us"}\n    reason: x\n    rules: [CA-META-001]\n  - match: {host: zoom.us}\n    reason: y\n    rules: [CA-META-001]\n')
    expect(dnsNames(both).suppressed).toEqual({reason: 'x', rule: 'host *.zoom.us'})
    expect(both.findings.filter((f) => f.suppressed).map((f) => f.ruleId)).toEqual(['CA-META-001'])
  })

  it('the shipped example policy suppresses the tenant-name finding, and only it, by its host entry', async () => {
    const r = await analyze({policy: {policy: join(ROOT, 'examples/callaudit.yml')}})
    const byHost = r.findings.filter((f) => f.suppressed?.rule === 'host *.zoom.us')
    expect(byHost.map((f) => f.ruleId)).toEqual(['CA-META-002'])
    expect(byHost[0]!.suppressed!.reason).toBe('Zoom tenant names are not secret for this organisation')
  })

  it('reports countries without judging when no home can be found', async () => {
    const {report: generic} = await analyzeCaptures({paths: [join(FIXTURES, 'demo-call.pcapng')], geo: EMBEDDED_ONLY, policy: {}, cwd: tempDir('x-'), toolVersion: 'test'})
    // demo-call's public address is a documentation address: no country.
    expect(generic.policy.homeState).toBe('unjudged')
    expect(generic.policy.notes.join(' ')).toContain('--home')
    expect(generic.findings.some((f) => f.ruleId === 'CA-GEO-001')).toBe(false)
    expect(generic.summary.countries.length).toBeGreaterThan(0)
    // A PASS then says nothing about where the traffic went: every document for people says so
    // next to the verdict, and a judged report does not.
    const {report: judged} = await analyzeCaptures({paths: [join(FIXTURES, 'demo-call.pcapng')], geo: EMBEDDED_ONLY, policy: {home: 'DE'}, cwd: tempDir('x-'), toolVersion: 'test'})
    // The banner: the verdict line, and the notes beside it or under it when the line is full.
    const banner = (text: string) => text.split('\n\n')[0]!.replace(/\s+/g, ' ')
    expect(banner(renderAnalyzeTable(generic))).toMatch(/→ exit \d( ·)? countries not judged \(no home given or inferred: --home CC\)$/)
    expect(renderAnalyzeTable(judged)).not.toContain('not judged')
    expect(renderMarkdown(generic)).toMatch(/^\*\*Verdict: (PASS|FAIL)\*\*.*\*\*The countries were not judged\*\*/m)
    expect(renderMarkdown(judged)).not.toContain('not judged')
    expect(renderHtml(generic)).toMatch(/<section class="banner [^"]+" id="verdict">.*countries not judged/)
    expect(renderHtml(judged)).not.toMatch(/<section class="banner [^"]+" id="verdict">[^<]*<\/span>[^<]*not judged/)
  })

  it('keeps the terminal report within 100 columns with long names, many of them, and every note beside the verdict', async () => {
    const {report} = await analyzeCaptures({paths: [join(FIXTURES, 'demo-call.pcapng')], geo: EMBEDDED_ONLY, policy: {}, cwd: tempDir('x-'), toolVersion: 'test'})
    report.summary.exitCode = 2
    report.summary.findings = {info: 1234, low: 1234, medium: 1234, high: 1234, critical: 1234}
    for (const e of report.endpoints) {
      e.names = Array.from({length: 120}, (_, i) => `tenant-${i}.very-long-service-name.events.data.example.com`)
      e.roles = ['media', 'control', 'telemetry']
    }
    const lines = renderAnalyzeTable(report).split('\n')
    expect(Math.max(...lines.map((l) => [...l].length))).toBeLessThanOrEqual(100)
    expect(lines.slice(0, 3).join(' ')).toMatch(/exit 2 .*not every input could be read .*countries not judged/)
    expect(lines.some((l) => / \+119 /.test(l))).toBe(true)
  })
})

describe('analyze with no home: the rest of the policy still applies', () => {
  // demo-call's public address is a documentation address: no home can be inferred.
  const GENERIC = join(FIXTURES, 'demo-call.pcapng')
  const analyzeGeneric = (policy: AnalyzeOptions['policy'], cwd = tempDir('x-')) =>
    analyzeCaptures({paths: [GENERIC], geo: EMBEDDED_ONLY, policy, cwd, toolVersion: 'test'}).then((r) => r.report)
  const verdictOf = (report: Report, ip: string) => report.endpoints.find((e) => e.ip === ip)!.judgement.verdict

  it('deny judges the countries it names (critical), as it does with a home; the others stay unjudged', async () => {
    const denied = await analyzeGeneric({deny: 'US'})
    const withHome = await analyzeGeneric({home: 'DE', deny: 'US'})
    expect(denied.policy.homeState).toBe('unjudged')
    // Zoom control to 170.114.52.2 and the resolver 8.8.8.8 are in the US: critical either way.
    const critical = (r: Report) => rules(r).filter((x) => x.includes(':critical'))
    expect(critical(denied)).toEqual(['CA-GEO-001:critical:170.114.52.2', 'CA-GEO-004:critical:8.8.8.8'])
    expect(critical(denied)).toEqual(critical(withHome))
    expect(verdictOf(denied, '170.114.52.2')).toBe('denied')
    // DE, NL and IN are in no list: reported, never flagged.
    for (const ip of ['193.122.35.237', '52.112.238.41', '3.7.35.23']) expect(verdictOf(denied, ip)).toBe('unjudged')
    expect(rules(denied).filter((x) => x.startsWith('CA-GEO-001'))).toEqual(['CA-GEO-001:critical:170.114.52.2'])
    expect(denied.summary.countries.find((c) => c.country === 'US')!.verdict).toBe('denied')
    // Every document for people says that only the listed countries were judged.
    expect(renderAnalyzeTable(denied).split('\n\n')[0]!.replace(/\s+/g, ' ')).toMatch(/→ exit 1( ·)? only countries in deny\/allow judged \(no home given or inferred: --home CC\)$/)
    expect(renderMarkdown(denied)).toMatch(/^\*\*Verdict: FAIL\*\*.*\*\*Only the countries deny and allow name were judged\*\*/m)
    expect(renderMarkdown(denied)).not.toContain('The countries were not judged')
  })

  it('allow judges the countries it names: allowed, not unjudged', async () => {
    const allowed = await analyzeGeneric({allow: 'US'})
    expect(verdictOf(allowed, '170.114.52.2')).toBe('allowed')
    expect(verdictOf(allowed, '193.122.35.237')).toBe('unjudged')
  })

  it('severity overrides and suppressions from the file apply, and decide the verdict', async () => {
    const dir = tempDir('callaudit-nohome-')
    writeFileSync(join(dir, 'callaudit.yml'), ['severity-overrides:', '  CA-META-007: info', 'suppressions:', '  - match: {address: 170.114.52.2}', '    reason: the lab Zoom server', ''].join('\n'))
    const report = await analyzeGeneric({}, dir)
    expect(report.policy.homeState).toBe('unjudged')
    expect(report.findings.find((f) => f.ruleId === 'CA-META-007')!.severity).toBe('info')
    const http = report.findings.find((f) => f.ruleId === 'CA-META-008')!
    expect(http.endpoint).toBe('170.114.52.2')
    expect(http.suppressed).toEqual({reason: 'the lab Zoom server', rule: 'address 170.114.52.2'})
    // The two high findings were CA-META-007 and CA-META-008: neither counts as high now.
    expect(report.summary.findings.high).toBe(0)
    expect(report.summary.suppressed).toBe(1)
    expect(report.summary.exitCode).toBe(0)
  })

  it('through the CLI: --deny US with --fail-on critical fails (exit 1), as with a home', async () => {
    const run = await runCli(['analyze', 'fixtures/demo-call.pcapng', '--deny', 'US', '--fail-on', 'critical', '--no-system-geoip'])
    expect(run.code).toBe(1)
    expect(run.stdout.split('\n')[0]).toMatch(/^ FAIL  2 critical, /)
  })

  it.skipIf(!HAVE_CORPUS)('a severity override of CA-CALL-001 applies to a capture without a call and with no home (corpus jabber.pcap: XMPP chat)', async () => {
    const dir = tempDir('callaudit-nocall-')
    const file = join(dir, 'policy.yml')
    // The chat in clear is a finding of its own (CA-META-018, high for its DIGEST-MD5 sign-in):
    // lowered too, so the exit code shows both overrides applied.
    writeFileSync(file, 'version: 1\nseverity-overrides: {CA-CALL-001: info, CA-META-018: low}\n')
    const run = await runCli(['analyze', corpusPath('jabber.pcap'), '--policy', file, '--json', '--no-system-geoip'])
    const report = JSON.parse(run.stdout) as Report
    expect(report.policy.homeState).toBe('unjudged')
    expect(report.findings.find((f) => f.ruleId === 'CA-CALL-001')!.severity).toBe('info')
    expect(report.findings.filter((f) => f.ruleId === 'CA-META-018').map((f) => f.severity)).toContain('low')
    expect(run.code).toBe(0)
  })
})

describe('callaudit analyze (the real CLI)', () => {
  it('exits 1 on findings at or above --fail-on, 0 with --fail-on none, and is deterministic', async () => {
    const a = await runCli(['analyze', 'fixtures/demo-jakarta-call.pcapng', '--json', '--no-system-geoip'])
    const b = await runCli(['analyze', 'fixtures/demo-jakarta-call.pcapng', '--json', '--no-system-geoip'])
    expect(a.code).toBe(1)
    expect(a.stdout).toBe(b.stdout)
    const report = JSON.parse(a.stdout) as Report
    expect(report.schemaVersion).toBe(1)
    expect(report.analysisTime).toBeNull()
    const pass = await runCli(['analyze', 'fixtures/demo-jakarta-call.pcapng', '--fail-on', 'none', '--no-system-geoip'])
    expect(pass.code).toBe(0)
    expect(pass.stdout).toContain('PASS')
  })

  it('prints the verdict banner and fits 100 columns', async () => {
    const {code, stdout} = await runCli(['analyze', 'fixtures/demo-jakarta-call.pcapng', '--no-system-geoip'])
    expect(code).toBe(1)
    expect(stdout.split('\n')[0]).toMatch(/^ FAIL .*high.*exit 1$/)
    expect(Math.max(...stdout.split('\n').map((l) => [...l].length))).toBeLessThanOrEqual(100)
    expect(stdout).toContain('CA-GEO-001')
  })

  it('rejects a bad policy with one line naming file and line, exit 2', async () => {
    const dir = tempDir('callaudit-bad-')
    const file = join(dir, 'p.yml')
    writeFileSync(file, 'home: ID\ndeny: [XX]\n')
    const {code, stderr} = await runCli(['analyze', 'fixtures/demo-jakarta-call.pcapng', '--policy', file])
    expect(code).toBe(2)
    expect(stderr.trim().split('\n')).toHaveLength(1)
    expect(stderr).toMatch(/p\.yml: line 2: .*XX/)
  })
})
