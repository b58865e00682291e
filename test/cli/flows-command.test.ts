import {readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {loadManifest} from '../helpers/manifest.js'
import {FIXTURES} from '../helpers/paths.js'
import {expectOneLineInputError, runCli} from '../helpers/run-cli.js'
import {tempDir} from '../helpers/temp-dir.js'
import {PcapWriter} from '../support/capture-writer.js'
import {ETHERTYPE, IPPROTO, LINKTYPE, ethernet, ipv4, udp} from '../support/packet-builder.js'

const DEMO = 'fixtures/demo-call.pcapng'
const demoTruth = loadManifest().find((e) => e.file === 'demo-call.pcapng')!
const ESC = '\u001b['

describe('callaudit flows (the real CLI)', () => {
  it('lists the demo call as JSON that matches the generator, byte-identical on every run', async () => {
    const first = await runCli(['flows', DEMO, '--json'])
    const second = await runCli(['flows', DEMO, '--json'])
    expect(first.code).toBe(0)
    expect(first.stdout).toBe(second.stdout)
    const report = JSON.parse(first.stdout)
    expect(report.captures[0].packets).toBe(demoTruth.packets)
    expect(report.captures[0].bytes).toBe(demoTruth.bytes)
    expect(report.flows).toHaveLength(demoTruth.flows.length)
    // The documented contract's fields.
    const flow = report.flows[0]
    for (const key of ['id', 'proto', 'client', 'server', 'packets', 'bytes', 'firstFrame', 'firstTime', 'lastTime']) expect(flow).toHaveProperty(key)
    expect(flow.firstTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/)
    // JSON lists flows in id order by default.
    expect(report.flows.map((f: {id: number}) => f.id)).toEqual([...report.flows.map((f: {id: number}) => f.id)].sort((a, b) => a - b))
  })

  it('says in the summary line when packets are not in time order, and gives the earliest first time', async () => {
    const w = new PcapWriter({linkType: LINKTYPE.ETHERNET})
    const packet = (sport: number) => ethernet({type: ETHERTYPE.IPV4}, ipv4({src: '192.168.1.2', dst: '198.51.100.7', proto: IPPROTO.UDP}, udp({sport, dport: 53}, Buffer.from('x'))))
    w.add({sec: 1_700_000_010, nsec: 0}, packet(1000))
    w.add({sec: 1_700_000_005, nsec: 0}, packet(1001)) // five seconds earlier: merged captures do this
    w.add({sec: 1_700_000_020, nsec: 0}, packet(1002))
    const path = join(tempDir('callaudit-order-'), 'merged.pcap')
    writeFileSync(path, w.toBuffer())
    const table = await runCli(['flows', path])
    expect(table.stdout).toMatch(/1 capture · 3 packets · .* · 15\.000 s · not in time order · EN10MB/)
    const json = JSON.parse((await runCli(['flows', path, '--json'])).stdout)
    expect([json.captures[0].firstTime, json.captures[0].strictTimeOrder]).toEqual(['2023-11-14T22:13:25.000000Z', false])
    expect((await runCli(['flows', DEMO])).stdout).not.toContain('not in time order')
  })

  it('prints a table sorted by bytes with a summary line, without colour when piped', async () => {
    const {code, stdout} = await runCli(['flows', DEMO, '--limit', '3'])
    expect(code).toBe(0)
    expect(stdout).not.toContain(ESC)
    expect(stdout).toMatch(/1 capture · 778 packets · .* · 14 flows \(3 shown\)/)
    const rows = stdout.split('\n').filter((l) => /^\d+ +(udp|tcp)/.test(l))
    expect(rows).toHaveLength(3)
    // The biggest flow of the demo call is its UDP 8801 media.
    expect(rows[0]).toContain(':8801')
    expect(Math.max(...stdout.split('\n').map((l) => l.length))).toBeLessThanOrEqual(100)
  })

  it('colours with --color and not with NO_COLOR or --no-color', async () => {
    expect((await runCli(['flows', DEMO, '--limit', '1', '--color'])).stdout).toContain(ESC)
    expect((await runCli(['flows', DEMO, '--limit', '1', '--no-color'])).stdout).not.toContain(ESC)
    expect((await runCli(['flows', DEMO, '--limit', '1'], {env: {NO_COLOR: '1'}})).stdout).not.toContain(ESC)
  })

  it('writes CSV and filters by protocol', async () => {
    const {code, stdout} = await runCli(['flows', DEMO, '--csv', '--proto', 'tcp'])
    expect(code).toBe(0)
    const lines = stdout.trim().split('\r\n')
    expect(lines[0]).toMatch(/^id,capture,proto,ip_version,client_ip,client_port,server_ip,server_port/)
    const tcp = demoTruth.flows.filter((f) => f.proto === 6)
    expect(lines.slice(1)).toHaveLength(tcp.length)
    expect(lines.slice(1).every((l) => l.split(',')[2] === 'tcp')).toBe(true)
  })

  it('reads standard input with -, gzip included', async () => {
    const {gzipSync} = await import('node:zlib')
    const bytes = readFileSync(join(FIXTURES, 'demo-call.pcapng'))
    for (const stdin of [bytes, gzipSync(bytes)]) {
      const {code, stdout} = await runCli(['flows', '-', '--json'], {stdin})
      expect(code).toBe(0)
      expect(JSON.parse(stdout).summary.packets).toBe(demoTruth.packets)
    }
  })

  it('merges several files into one flow table', async () => {
    const {code, stdout} = await runCli(['flows', 'fixtures/pcap-le-us.pcap', 'fixtures/pcap-be-us.pcap', '--json'])
    expect(code).toBe(0)
    const report = JSON.parse(stdout)
    expect(report.captures).toHaveLength(2)
    expect(report.summary.packets).toBe(report.captures[0].packets + report.captures[1].packets)
  })

  it.each([
    ['fixtures/no-such-file.pcap', 'no such file'],
    ['fixtures', 'is a directory'],
    ['fixtures/bad-not-capture.txt', 'not a pcap, pcapng or gzip file'],
    ['fixtures/bad-empty.pcap', 'empty file'],
    ['fixtures/bad-truncated-header.pcap', 'pcap file header'],
  ])('rejects %s with one line naming it and exit code 2', async (path, message) => {
    expectOneLineInputError(await runCli(['flows', path]), path, message)
  })

  it('reads a damaged capture up to the damage, says where, and exits 0', async () => {
    const {code, stdout, stderr} = await runCli(['flows', 'fixtures/bad-huge-record.pcap'])
    expect(code).toBe(0)
    expect(stdout).toContain('2 packets')
    expect(stderr).toContain('fixtures/bad-huge-record.pcap: byte offset 208')
  })

  it('reports what it could read and exits 2 when one of several inputs is unreadable', async () => {
    const {code, stdout, stderr} = await runCli(['flows', DEMO, 'fixtures/no-such-file.pcap', '--json'])
    expect(code).toBe(2)
    const report = JSON.parse(stdout)
    expect(report.captures).toHaveLength(1)
    expect(report.summary.errors).toEqual(['fixtures/no-such-file.pcap: no such file'])
    expect(stderr).toContain('fixtures/no-such-file.pcap: no such file')
  })

  it('documents itself with examples', async () => {
    const {code, stdout} = await runCli(['flows', '--help'])
    expect(code).toBe(0)
    expect(stdout).toContain('EXAMPLES')
    expect(stdout).toContain('--json')
    expect(stdout).toContain('tcpdump -i any -w - |')
  })
})

describe('usage errors', () => {
  // They were reported as "internal error ... (a bug in callaudit)": what a user who mistypes a
  // flag meets first must say what to mend, not blame the tool.
  it.each([
    [['analyze', DEMO, '--bogus'], 'Nonexistent flag: --bogus'],
    [['analyze'], 'Missing 1 required arg'],
    [['flows', DEMO, '--limit', 'x'], 'limit'],
    [['replay', DEMO, '--follow', '--speed', '2'], 'cannot also be provided'],
  ])('%j: one line saying what is wrong, exit 2, never "internal error"', async (args, words) => {
    const {code, stderr} = await runCli(args)
    expect(code).toBe(2)
    const lines = stderr.trim().split('\n')
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(/^callaudit: /)
    expect(lines[0]).toContain(words)
    expect(lines[0]).not.toContain('internal error')
  })
})

describe('flows --proto', () => {
  it('refuses a name that is no protocol (a typo listed no flow and said nothing), before reading', async () => {
    expectOneLineInputError(await runCli(['flows', DEMO, '--proto', 'udp,tpc']), '--proto: "tpc" is not a protocol name (icmp, igmp')
    expectOneLineInputError(await runCli(['flows', DEMO, '--proto', 'ip-proto-256']), '"ip-proto-256"')
  })

  it('takes ip-proto-N for a named protocol as that name, in any case', async () => {
    const named = await runCli(['flows', DEMO, '--proto', 'tcp', '--json'])
    const numbered = await runCli(['flows', DEMO, '--proto', 'IP-PROTO-6', '--json'])
    expect(numbered.code).toBe(0)
    expect(numbered.stdout).toBe(named.stdout)
    expect((JSON.parse(named.stdout) as {flows: unknown[]}).flows.length).toBeGreaterThan(0)
  })
})

describe('analyse, the British spelling', () => {
  it('runs analyze (it was "command analyse:<file> not found")', async () => {
    const british = await runCli(['analyse', DEMO, '--json'])
    const american = await runCli(['analyze', DEMO, '--json'])
    expect(british.code).toBe(american.code)
    expect(american.code).not.toBe(2)
    expect(british.stdout).toBe(american.stdout)
    expect(JSON.parse(british.stdout).summary).toBeDefined()
  })
})

describe('usage errors under --json', () => {
  // oclif alone prints {"error":{"oclif":{"exit":2}}} and exits 1 ("findings"): a CI job would
  // read a bad flag as a failed audit. It must be exit 2 with the message, in the JSON shape.
  it.each([
    [['analyze', DEMO, '--json', '--fail-on', 'bogus'], 'fail-on'],
    [['analyze', DEMO, '--json', '--endpoints', '-1'], 'endpoints'],
    [['flows', DEMO, '--json', '--limit', 'x'], 'limit'],
  ])('%j: exit 2 and the message', async (args, word) => {
    const {code, stdout, stderr} = await runCli(args)
    expect(code).toBe(2)
    const error = (JSON.parse(stdout) as {error: {message: string; exitCode: number}}).error
    expect(error.exitCode).toBe(2)
    expect(error.message).toContain(word)
    expect(stderr.trim().split('\n')).toHaveLength(1)
  })

  it('replay writes the error as one NDJSON line', async () => {
    const {code, stdout} = await runCli(['replay', DEMO, '--json', '--speed', '-1'])
    expect(code).toBe(2)
    const lines = stdout.trim().split('\n')
    expect(lines).toHaveLength(1)
    expect(JSON.parse(lines[0]!)).toMatchObject({kind: 'error', error: {exitCode: 2}})
  })
})
