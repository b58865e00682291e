import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {beforeAll, describe, expect, it} from 'vitest'
import {REPORT_HEAP_BASELINE_BYTES, REPORT_HEAP_BYTES_PER_FLOW, reportMaxFlows} from '../../src/analysis/report-flow-limit.js'
import {MAX_FLOWS_DEFAULT} from '../../src/flows/flow-table.js'
import {pcapOf, tcpFrame} from '../protocols/tls/capture-kit.js'
import {runCli} from '../helpers/run-cli.js'
import {tempDir} from '../helpers/temp-dir.js'

const MiB = 1024 * 1024

describe('the default flow limit of a report follows the heap', () => {
  it('1 000 000 on a 4 GiB heap (Node on a machine of 16 GiB or more)', () => {
    expect(reportMaxFlows(4144 * MiB)).toBe(MAX_FLOWS_DEFAULT)
  })
  it('fewer on a smaller heap: what fits after the baseline', () => {
    expect(reportMaxFlows(2048 * MiB)).toBe(Math.floor((2048 * MiB - REPORT_HEAP_BASELINE_BYTES) / REPORT_HEAP_BYTES_PER_FLOW))
    expect(reportMaxFlows(2048 * MiB)).toBeGreaterThan(600_000)
    expect(reportMaxFlows(1024 * MiB)).toBeLessThan(350_000)
  })
  it('never below the table\'s minimum', () => {
    expect(reportMaxFlows(32 * MiB)).toBe(16)
  })
})

/** A scan: one SYN each to `count` public addresses, every one a flow and an endpoint. */
function scan(count: number): Buffer {
  const frames: Buffer[] = []
  for (let i = 0; i < count; i++) {
    const dst = `93.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`
    frames.push(tcpFrame({src: '192.168.1.10', sport: 1024 + (i % 60000), dst, dport: 443}, {seq: 1000, flags: 'S'}))
  }
  return pcapOf(frames)
}

describe('analyze of a 60 000-address scan on a small heap', () => {
  let capture: string
  beforeAll(() => {
    capture = join(tempDir(), 'scan.pcap')
    writeFileSync(capture, scan(60_000))
  })

  // With the table's own limit of 1 000 000 flows, the report of 60 000 flows and endpoints
  // needs more than this heap: V8's heap-out-of-memory abort, signal 6, no report.
  it('evicts past the limit the heap allows and reports, saying so', async () => {
    const run = await runCli(['analyze', capture, '--json'], {env: {NODE_OPTIONS: '--max-old-space-size=96'}})
    expect(run.code).toBe(1)
    const report = JSON.parse(run.stdout) as {summary: {flows: number; warnings: string[]}}
    expect(report.summary.flows).toBeLessThan(60_000)
    const warning = report.summary.warnings.find((w) => w.startsWith('flow table limit of'))
    expect(warning).toMatch(/^flow table limit of \d+ flows reached at frame \d+: \d+ longest-idle flows .* raise --max-flows to keep them \(a report takes up to 3 KiB of Node's heap per flow/)
  })

  it('diff holds two reports: each side gets the flows half the heap can hold', async () => {
    const run = await runCli(['diff', capture, capture, '--json'], {env: {NODE_OPTIONS: '--max-old-space-size=96'}})
    expect(run.code).toBe(0)
    const diff = JSON.parse(run.stdout) as {warnings: string[]}
    // Both sides were cut to fewer flows than one report alone could keep (27 306 on this heap).
    const limits = diff.warnings.map((w) => /^(before|after): flow table limit of (\d+) flows/.exec(w)).filter((m) => m !== null)
    expect(limits.map((m) => m![1])).toEqual(['before', 'after'])
    expect(Number(limits[0]![2])).toBeLessThan(15_000)
  })

  it('--max-flows given is obeyed as before', async () => {
    const run = await runCli(['analyze', capture, '--json', '--max-flows', '100000'])
    const report = JSON.parse(run.stdout) as {summary: {flows: number; warnings: string[]}}
    expect(report.summary.flows).toBe(60_000)
    expect(report.summary.warnings.some((w) => w.startsWith('flow table limit'))).toBe(false)
  })
})
