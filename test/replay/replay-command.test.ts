import {type ChildProcessWithoutNullStreams, spawn} from 'node:child_process'
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {EVENT_KINDS} from '../../src/replay/replay-event.js'
import {ROOT} from '../helpers/paths.js'
import {runCli} from '../helpers/run-cli.js'
import {ETHERTYPE, IPPROTO, dnsQuery, dnsResponse, ethernet, ipv4, udp} from '../support/packet-builder.js'
import {type CallFrame, CLIENT, HOSTILE_NAME, ROUTER, callFrames, writeCallPcap} from './call-capture.js'
import {tempDirs, waitFor, writeTemp} from './helpers.js'

/** The real CLI (bin/run.js, oclif parsing) on generated captures. */

const dirs = tempDirs()
afterAll(() => dirs.cleanup())

let dir: string
let capture: string
beforeAll(() => {
  dir = dirs.make()
  capture = writeTemp(dir, 'call.pcap', writeCallPcap().bytes)
})

/** A CLI run whose signals and output the test controls (runCli's environment). */
function startCli(args: string[]): {child: ChildProcessWithoutNullStreams; stdout: () => string; exit: Promise<number | null>} {
  const env: Record<string, string | undefined> = {...process.env}
  for (const name of ['NODE_ENV', 'NO_COLOR', 'FORCE_COLOR', 'VITEST', 'VITEST_MODE', 'VITEST_POOL_ID', 'VITEST_WORKER_ID', 'TEST']) delete env[name]
  const child = spawn(process.execPath, [join(ROOT, 'bin/run.js'), ...args], {cwd: ROOT, env, stdio: ['pipe', 'pipe', 'pipe']})
  const out: Buffer[] = []
  child.stdout.on('data', (d: Buffer) => out.push(d))
  child.stderr.resume()
  child.stdin.end()
  const exit = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)))
  return {child, stdout: () => Buffer.concat(out).toString('utf8'), exit}
}

const lines = (text: string) => text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as {kind: string; [k: string]: unknown})

describe('callaudit replay', () => {
  it('--json: one event per line, and last the report analyze --json gives, the same bytes every run', async () => {
    const [replay, again, analyze] = await Promise.all([runCli(['replay', capture, '--json']), runCli(['replay', capture, '--json']), runCli(['analyze', capture, '--json'])])
    expect(replay.code).toBe(1) // the call has high findings: analyze's exit code
    expect(analyze.code).toBe(1)
    expect(again.stdout).toBe(replay.stdout)
    const parsed = lines(replay.stdout)
    const last = parsed.at(-1)!
    expect(last.kind).toBe('report')
    expect(last['report']).toEqual(JSON.parse(analyze.stdout))
    const events = parsed.slice(0, -1)
    expect(new Set(events.map((e) => e.kind))).toEqual(new Set(['flow', 'dns', 'sni', 'certificate', 'stun-mapped', 'turn-allocation', 'media-start', 'media-stop', 'sdes', 'finding']))
    expect(events.map((e) => e['frame'] ?? 0)).toEqual(events.map((e) => e['frame'] ?? 0).sort((a, b) => Number(a) - Number(b)))
    // The hostile SDES NAME arrives whole in the JSON, escaped in the text.
    expect(events.some((e) => (e['detail'] as {value?: string}).value === HOSTILE_NAME)).toBe(true)
    expect(replay.stdout).not.toMatch(/[\u001b\u009b]/)
  })

  it('--json --detail: the report line keeps the flows\' protocol facts, as analyze --json --detail', async () => {
    const [replay, analyze] = await Promise.all([runCli(['replay', capture, '--json', '--detail', '--filter', 'sni']), runCli(['analyze', capture, '--json', '--detail'])])
    const last = lines(replay.stdout).at(-1)!
    expect(last['report']).toEqual(JSON.parse(analyze.stdout))
    expect(JSON.stringify(last['report'])).toContain('"protocols":{"dns"')
  })

  it('the terminal output neutralises capture text and ends with the analyze summary', async () => {
    const r = await runCli(['replay', capture])
    expect(r.code).toBe(1)
    expect(r.stdout).not.toMatch(/[\u001b\u009b]/)
    expect(r.stdout).toContain('\\x9b31m')
    expect(r.stdout).toMatch(/\n FAIL .*→ exit 1\n/)
    expect(r.stdout.indexOf('sdes')).toBeLessThan(r.stdout.indexOf(' FAIL '))
  })

  it('--filter keeps only the kinds and severities named; --no-summary leaves out the report', async () => {
    const r = await runCli(['replay', capture, '--json', '--filter', 'dns,high', '--filter', 'turn-allocation', '--no-summary'])
    const events = lines(r.stdout)
    expect(events.length).toBeGreaterThan(3)
    for (const e of events) expect(e.kind === 'dns' || e.kind === 'turn-allocation' || (e.kind === 'finding' && e['severity'] === 'high')).toBe(true)
    expect(events.filter((e) => e.kind === 'finding').length).toBeGreaterThan(0)
  })

  it('--speed paces the events at that many times capture time', async () => {
    // The call's events span 10 s of capture time: at 20× that is half a second.
    const started = Date.now()
    const r = await runCli(['replay', capture, '--speed', '20', '--no-summary'])
    expect(r.code).toBe(1)
    expect(Date.now() - started).toBeGreaterThanOrEqual(500)
  })

  it.each([
    [['--filter', 'bogus'], /"bogus": not an event kind or a severity/],
    [['--speed', '-1'], /Expected a number of 0 or more/],
    [['--until', '3'], /--follow/],
    [['--speed', '2', '--follow'], /cannot also be provided|--follow/],
  ])('usage error %j: exit code 2', async (args, message) => {
    const r = await runCli(['replay', capture, ...args])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(message)
  })

  it('--follow takes exactly one file; an unreadable one is exit code 2, one JSON line with --json', async () => {
    const two = await runCli(['replay', capture, capture, '--follow'])
    expect(two.code).toBe(2)
    expect(two.stderr).toContain('give exactly one')
    const missing = await runCli(['replay', join(dir, 'nope.pcap'), '--json'])
    expect(missing.code).toBe(2)
    expect(lines(missing.stdout)).toEqual([{kind: 'error', error: {message: `${join(dir, 'nope.pcap')}: no such file`, exitCode: 2}}])
  })
})

describe('callaudit replay --follow and Ctrl-C', () => {
  it('the first SIGINT stops the read and prints the summary of what was seen, with analyze\'s exit code', async () => {
    const run = startCli(['replay', capture, '--follow', '--json'])
    await waitFor(() => run.stdout().includes('"kind":"sdes"'), 60_000, 'the SDES events')
    run.child.kill('SIGINT')
    expect(await run.exit).toBe(1)
    const analyze = await runCli(['analyze', capture, '--json'])
    const last = lines(run.stdout()).at(-1)!
    expect(last.kind).toBe('report')
    expect(last['report']).toEqual(JSON.parse(analyze.stdout))
  })

  it('a second SIGINT quits at once with exit code 130', async () => {
    // Enough output that, while the test reads none of it, replay waits on a full pipe and
    // cannot end by itself between the two signals.
    const frames: CallFrame[] = callFrames()
    for (let i = 0; i < 1500; i++) {
      const name = `host-${i}.example.org`
      const port = 20000 + i
      frames.push({label: `q${i}`, ms: 11000 + i, bytes: ethernet({type: ETHERTYPE.IPV4}, ipv4({src: CLIENT, dst: ROUTER, proto: IPPROTO.UDP}, udp({sport: port, dport: 53}, dnsQuery({id: i, name}))))})
      frames.push({label: `a${i}`, ms: 11000.5 + i, bytes: ethernet({type: ETHERTYPE.IPV4}, ipv4({src: ROUTER, dst: CLIENT, proto: IPPROTO.UDP}, udp({sport: 53, dport: port}, dnsResponse({id: i, name, answers: [{name, type: 'A', ttl: 60, value: `198.51.100.${i % 250}`}]}))))})
    }
    const big = writeTemp(dir, 'big.pcap', writeCallPcap(frames.sort((a, b) => a.ms - b.ms)).bytes)
    const run = startCli(['replay', big, '--follow', '--json'])
    await waitFor(() => run.stdout().includes('\n'), 60_000, 'the first event')
    run.child.stdout.pause()
    run.child.kill('SIGINT')
    await new Promise((resolve) => setTimeout(resolve, 500))
    run.child.kill('SIGINT')
    run.child.stdout.resume()
    expect(await run.exit).toBe(130)
    expect(run.stdout()).not.toContain('"kind":"report"')
  })
})

describe('docs/replay.md', () => {
  const doc = readFileSync(join(ROOT, 'docs/replay.md'), 'utf8')

  it('lists every event kind, in the order events of one frame are listed', () => {
    const rows = [...doc.matchAll(/^\| `([a-z0-9-]+)` \|/gm)].map((m) => m[1])
    expect(rows).toEqual([...EVENT_KINDS])
  })

  it('shows an NDJSON line that replay really prints for the demo call', async () => {
    const example = doc.split('\n').find((l) => l.startsWith('{"kind":"stun-mapped"'))!
    const r = await runCli(['replay', join(ROOT, 'fixtures/demo-jakarta-call.pcapng'), '--json', '--filter', 'stun-mapped', '--no-summary'])
    expect(r.stdout.split('\n')[0]).toBe(example)
  })
})
